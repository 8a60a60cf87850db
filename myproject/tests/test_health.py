"""Probes: alive without the database, ready only when the database, the migrations and the
cache are, and ready again when they come back, without a restart."""

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler

from myproject import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_readyz_names_each_check(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def unreachable_database() -> ConnectionHandler:
    """The same database settings, pointed where nothing answers."""
    database = dict(settings.DATABASES["default"])
    if database["ENGINE"].endswith("sqlite3"):
        database["NAME"] = "/nonexistent/directory/db.sqlite3"
    else:
        database["HOST"], database["PORT"] = "127.0.0.1", "1"  # a closed port
    database["CONN_MAX_AGE"] = 0
    return ConnectionHandler({"default": database})


def test_readyz_is_503_while_the_database_is_down_and_recovers_without_a_restart(
    client, monkeypatch
):
    real = health.connections
    monkeypatch.setattr(health, "connections", unreachable_database())

    down = client.get("/readyz")

    assert down.status_code == 503
    assert down.json()["status"] == "unavailable"
    assert down.json()["checks"]["database"] == "unreachable"
    monkeypatch.setattr(health, "connections", real)  # the database is back
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(("fail_closed", "status"), [(False, 200), (True, 503)])
def test_readyz_checks_the_cache_when_redis_is_configured(
    client, settings, monkeypatch, fail_closed, status
):
    settings.REDIS_URL = "redis://127.0.0.1:6379/12"
    settings.THROTTLE_FAIL_CLOSED = fail_closed

    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    ok = client.get("/readyz")
    monkeypatch.setattr(health.caches["default"], "set", broken)
    down = client.get("/readyz")

    assert ok.json()["checks"]["cache"] == "ok"
    # Throttles fail open: the node still serves, so it stays in rotation, degraded.
    assert down.status_code == status
    assert down.json()["status"] == ("unavailable" if fail_closed else "degraded")
    assert down.json()["checks"] == {"database": "ok", "migrations": "ok", "cache": "unreachable"}


def test_there_is_a_favicon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"].endswith(".png")


def test_the_root_leads_to_the_docs_and_the_api_root_to_its_resources(client, api):
    assert client.get("/")["Location"] == "/api/docs/"
    assert client.get("/api/v1/").status_code == 401
    root = api.get("/api/v1/")

    assert root.status_code == 200
    assert set(root.json()["resources"]) == {
        "customers",
        "products",
        "offers",
        "quotes",
        "policies",
        "events",
        "webhook-endpoints",
    }
