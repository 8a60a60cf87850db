"""Reads that may lag go to the replica, and a caller's own writes are never hidden from it:
lists, search, the feed and the dashboard are routed to the replica; writes, single reads
and the reads of a caller who has just written go to the primary."""

import pytest

from myproject import replicas

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(monkeypatch):
    """A replica configured; the aliases each read was routed to (all served by the primary
    here: the test database has no replica of its own)."""
    monkeypatch.setattr(replicas, "replica_configured", lambda: True)
    decisions = []
    choose = replicas.ReplicaRouter.db_for_read

    def record(self, model, **hints):
        decisions.append(choose(self, model, **hints))
        return "default"

    monkeypatch.setattr(replicas.ReplicaRouter, "db_for_read", record)
    return decisions


@pytest.mark.parametrize("path", ["/api/v1/customers/", "/api/v1/search/", "/api/v1/events/"])
def test_lists_read_from_the_replica(api, customer, routed, path):
    response = api.get(path)

    assert response.status_code == 200
    assert "replica" in routed


def test_a_single_read_and_a_write_use_the_primary(api, customer, routed):
    read = api.get(f"/api/v1/customers/{customer.pk}/")

    assert read.status_code == 200
    assert set(routed) == {"default"}


def test_a_partners_own_write_is_read_back_from_the_primary(api, customer, routed):
    created = api.post(
        "/api/v1/customers/",
        {"first_name": "Joe", "last_name": "Root", "dob": "30-12-1990"},
        format="json",
    )
    routed.clear()

    listed = api.get("/api/v1/customers/")

    assert created.status_code == 201
    assert created.json()["id"] in [c["id"] for c in listed.json()["results"]]
    assert set(routed) == {"default"}  # pinned for REPLICA_PIN_SECONDS after writing


def test_another_partners_write_does_not_pin_this_one(api, other_api, customer, routed):
    other_api.post(
        "/api/v1/customers/",
        {"first_name": "Joe", "last_name": "Root", "dob": "30-12-1990"},
        format="json",
    )
    routed.clear()

    assert api.get("/api/v1/customers/").status_code == 200
    assert "replica" in routed


def test_without_a_replica_everything_reads_the_primary(api, customer, monkeypatch):
    decisions = []
    choose = replicas.ReplicaRouter.db_for_read
    monkeypatch.setattr(
        replicas.ReplicaRouter,
        "db_for_read",
        lambda self, model, **hints: decisions.append(choose(self, model, **hints)) or "default",
    )

    assert api.get("/api/v1/customers/").status_code == 200
    assert set(decisions) == {"default"}
