"""Production concerns: deploy checks, request ids, management commands."""

import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from knox.models import AuthToken

from customers.models import Partner
from tests.helpers import client_with_token

ROOT = Path(__file__).resolve().parents[1]


def python(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python in the project as a fresh shell would, without DEBUG or SECRET_KEY."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return python("manage.py", *args, **env)


def test_the_deploy_check_passes_with_production_values():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="api.example.com",
        SECURE_SSL_REDIRECT="1",
        SECURE_COOKIES="1",
        SECURE_HSTS_SECONDS="31536000",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("server", ["myproject.wsgi", "myproject.asgi"])
def test_without_a_secret_key_and_debug_the_server_refuses_to_start(server):
    result = python("-c", f"import {server}")

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.mark.parametrize("server", ["myproject.wsgi", "myproject.asgi"])
@pytest.mark.parametrize(
    "key", ["short", "a" * 50, "abcd" * 20, "django-insecure-" + secrets.token_urlsafe(50)]
)
def test_with_a_weak_secret_key_the_server_refuses_to_start(server, key):
    result = python("-c", f"import {server}", SECRET_KEY=key)

    assert result.returncode != 0
    assert "at least 50 random characters" in result.stderr


def test_x_forwarded_proto_is_trusted_only_when_set():
    show = (
        "from django.conf import settings; "
        "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    )

    default = manage("shell", "-c", show)
    trusted = manage("shell", "-c", show, TRUST_X_FORWARDED_PROTO="1")

    assert default.stdout.strip().splitlines()[-1] == "None"
    assert "HTTP_X_FORWARDED_PROTO" in trusted.stdout


def test_management_commands_run_without_a_secret_key():
    result = manage("makemigrations", "--check", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_debug_is_off_unless_asked_for():
    from django.conf import settings

    assert settings.DEBUG is False


@pytest.mark.django_db
def test_a_request_id_is_generated_and_echoed(api):
    generated = api.get("/api/v1/products/")
    echoed = api.get("/api/v1/products/", HTTP_X_REQUEST_ID="abc-123")
    forged = api.get("/api/v1/products/", HTTP_X_REQUEST_ID="bad id\nINFO fake log line")

    assert len(generated["X-Request-ID"]) == 32
    assert echoed["X-Request-ID"] == "abc-123"
    assert forged["X-Request-ID"] != "bad id\nINFO fake log line"
    assert api.get("/api/v1/nowhere/", HTTP_X_REQUEST_ID="r-404").json()["request_id"] == "r-404"


@pytest.mark.django_db
def test_a_server_error_carries_the_request_id_in_body_header_and_logs(api, monkeypatch, caplog):
    from customers import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.services, "customer_create", explode)
    api.raise_request_exception = False

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = api.post(
            "/api/v1/create_customer/",
            {"first_name": "B", "last_name": "S", "dob": "25-06-1991"},
            format="json",
            HTTP_X_REQUEST_ID="trace-500",
        )

    assert response.status_code == 500
    assert response["X-Request-ID"] == "trace-500"
    assert response.json()["request_id"] == "trace-500"
    assert b"Traceback" not in response.content
    assert any(getattr(r, "request_id", None) == "trace-500" for r in caplog.records)


@pytest.mark.django_db
def test_create_partner_prints_a_working_token_on_its_last_line(capsys):
    call_command("create_partner", "Acme Brokers")

    token = capsys.readouterr().out.strip().splitlines()[-1]
    partner = Partner.objects.get(name="Acme Brokers")
    assert AuthToken.objects.get(user=partner.user).expiry is None
    assert client_with_token(token).get("/api/v1/customers/").status_code == 200


@pytest.mark.django_db
def test_create_partner_adds_a_token_to_an_existing_partner_and_can_expire_it(capsys):
    call_command("create_partner", "Acme Brokers")
    call_command("create_partner", "Acme Brokers", "--expires-in", "7")

    partner = Partner.objects.get(name="Acme Brokers")
    tokens = AuthToken.objects.filter(user=partner.user)
    assert Partner.objects.count() == 1
    assert tokens.count() == 2
    assert tokens.filter(expiry__isnull=False).count() == 1
    assert "expires in 7 days" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_prints_the_staff_login_and_a_partner_token(capsys):
    call_command("seed_demo")

    output = capsys.readouterr().out.strip().splitlines()
    assert "admin / admin" in output[0]
    assert client_with_token(output[-1]).get("/api/v1/search/").json()["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "-5", "3651", "99999999"])
def test_create_partner_bounds_the_token_lifetime_with_a_clear_error(days):
    with pytest.raises(CommandError, match="1 to 3650 days"):
        call_command("create_partner", "Acme Brokers", "--expires-in", days)

    assert not Partner.objects.exists()


def test_env_example_lists_every_variable_the_project_reads():
    read = set()
    for source in ("myproject/settings.py", "deploy/gunicorn.conf.py"):
        text = (ROOT / source).read_text()
        read |= set(re.findall(r"""(?:environ\.get|env_bool|env_list)\(\s*"([A-Z_]+)\"""", text))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert read - {"DJANGO_SETTINGS_MODULE"} <= listed, read - listed


@pytest.mark.django_db
def test_seed_demo_builds_a_realistic_book_in_bulk(capsys):
    from policies.models import Payment, Policy
    from quotes.models import Quote

    call_command("seed_demo", "--customers", "200", "--partners", "3")

    output = capsys.readouterr().out
    assert "Seeded 200 customers" in output
    assert Partner.objects.count() == 3
    states = set(Quote.objects.values_list("state", flat=True))
    assert states == set(Quote.State.values)
    assert Policy.objects.count() == Quote.objects.filter(state="paid").count()
    assert Payment.objects.filter(kind="charge").count() == Policy.objects.count()
    assert Quote.history.count() > Quote.objects.count()  # quoted, accepted, paid...
    assert set(Policy.objects.values_list("partner_id", flat=True)) <= set(
        Partner.objects.values_list("pk", flat=True)
    )
    # What the seeder wrote reads as the API reads it: states agree with their dates.
    token = output.strip().splitlines()[-1]
    listed = client_with_token(token).get("/api/v1/quotes/?state=expired").json()
    assert listed["count"] > 0
    assert {quote["state"] for quote in listed["results"]} == {"expired"}


@pytest.mark.django_db
def test_seed_demo_reuses_the_demo_token_it_kept_and_prints_the_chosen_address(capsys, tmp_path):
    kept = tmp_path / ".demo-token"

    call_command("seed_demo", "--token-file", str(kept), "--url", "http://127.0.0.1:8124")
    first = capsys.readouterr().out.strip().splitlines()
    call_command("seed_demo", "--token-file", str(kept), "--url", "http://127.0.0.1:8124")
    second = capsys.readouterr().out.strip().splitlines()

    assert first[-1] == second[-1] == kept.read_text().strip()
    assert AuthToken.objects.count() == 1  # no new token on every start
    assert "http://127.0.0.1:8124/admin/" in first[0]
    assert f'export API=http://127.0.0.1:8124/api/v1 AUTH="Authorization: Token {first[-1]}"' in (
        "\n".join(first)
    )
    assert ":8000" not in "\n".join(first)


@pytest.mark.django_db
def test_seed_demo_makes_a_new_token_when_the_kept_one_was_revoked(capsys, tmp_path):
    kept = tmp_path / ".demo-token"
    call_command("seed_demo", "--token-file", str(kept))
    revoked = capsys.readouterr().out.strip().splitlines()[-1]
    AuthToken.objects.all().delete()

    call_command("seed_demo", "--token-file", str(kept))

    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token != revoked and kept.read_text().strip() == token
    assert client_with_token(token).get("/api/v1/customers/").status_code == 200


@pytest.mark.django_db
def test_the_periodic_jobs_run_in_one_round_and_one_runner_at_a_time(monkeypatch):
    from django.db import connection

    from myproject.management.commands import run_periodic

    ran = []
    monkeypatch.setattr(run_periodic, "call_command", lambda job, **kwargs: ran.append(job))

    assert run_periodic.run_round() is True
    assert ran == run_periodic.JOBS
    if connection.vendor == "postgresql":  # another machine holds the round's lock
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [run_periodic.LOCK_KEY])
        import threading

        other = []

        def another_machine():
            try:
                other.append(run_periodic.run_round())
            finally:
                connection.close()

        thread = threading.Thread(target=another_machine)
        thread.start()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [run_periodic.LOCK_KEY])
        assert other == [False]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL pools"
)
def test_database_pool_size_serves_each_process_from_a_pool_of_that_size():
    script = (
        "from django.db import connection\n"
        "for _ in range(3):\n"
        "    connection.ensure_connection(); connection.close()\n"
        "print(connection.settings_dict['CONN_MAX_AGE'], connection.pool.max_size,"
        " connection.pool.get_stats()['requests_num'])"
    )

    result = manage("shell", "-c", script, DATABASE_POOL_SIZE="3")

    assert result.returncode == 0, result.stderr
    # no persistent connection; three checkouts from a pool of three
    assert result.stdout.splitlines()[-1].split() == ["0", "3", "3"]
