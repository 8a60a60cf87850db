"""The deployment files are right before anything runs them: the Kubernetes manifests are
valid against the API's schemas (kubernetes-validate, strict), point at files and settings
that exist, and docker-compose wires the stack in order."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATION = yaml.safe_load((K8S / "kustomization.yaml").read_text())


def manifests() -> list[dict]:
    return [
        document
        for name in KUSTOMIZATION["resources"]
        for document in yaml.safe_load_all((K8S / name).read_text())
    ]


@pytest.mark.parametrize(
    "manifest", manifests(), ids=lambda m: f"{m['kind']}/{m['metadata']['name']}"
)
def test_every_manifest_is_valid_kubernetes(manifest):
    kubernetes_validate.validate(manifest, "1.37.0", strict=True)


def test_the_manifests_cover_web_workers_migrations_jobs_scaling_and_disruption():
    kinds = {(m["kind"], m["metadata"]["name"]) for m in manifests()}

    assert {
        ("Deployment", "app"),
        ("Deployment", "worker"),
        ("Deployment", "scheduler"),
        ("Job", "migrate"),
        ("HorizontalPodAutoscaler", "app"),
        ("PodDisruptionBudget", "app"),
        ("ConfigMap", "insurance-config"),
        ("Secret", "insurance-secrets"),
    } <= kinds
    assert (K8S / KUSTOMIZATION["configMapGenerator"][0]["files"][0].split("=")[1]).exists()


def test_the_manifests_set_only_variables_the_project_reads():
    listed = {line.split("=")[0] for line in (ROOT / ".env.example").read_text().splitlines()}
    for manifest in manifests():
        if manifest["kind"] in ("ConfigMap", "Secret"):
            values = manifest.get("data") or manifest.get("stringData")
            assert set(values) <= listed, set(values) - listed


def test_web_pods_are_ready_on_readyz_alive_on_healthz_and_drain():
    (web,) = [
        m for m in manifests() if m["kind"] == "Deployment" and m["metadata"]["name"] == "app"
    ]
    pod = web["spec"]["template"]["spec"]
    (container,) = pod["containers"]

    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert pod["terminationGracePeriodSeconds"] > 30  # gunicorn's graceful_timeout


def test_compose_migrates_before_the_app_and_workers_start_and_runs_the_jobs():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    for name in ("app", "worker", "scheduler"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert "PROMETHEUS_MULTIPROC_DIR" in services[name]["environment"]
    assert "healthcheck" in services["app"] and "healthcheck" in services["worker"]
    assert services["scheduler"]["command"][:3] == ["python", "manage.py", "run_periodic"]
    assert services["worker"]["command"] == ["python", "manage.py", "run_worker"]
    assert "CSRF_TRUSTED_ORIGINS" in services["app"]["environment"]
