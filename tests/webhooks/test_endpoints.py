"""Webhook endpoints (myproject.webhooks.services and views): registering, secrets, turning
them off, and how many a partner may have."""

import pytest
from standardwebhooks.webhooks import Webhook

from myproject.webhooks import services
from myproject.webhooks.models import Delivery
from tests.webhooks.helpers import received, register, sell

pytestmark = pytest.mark.django_db


def test_registering_sends_nothing_and_shows_the_secret_once(api, httpserver):
    response = register(api, httpserver.url_for("/hooks"), ["policy.issued", "policy.issued"])

    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["policy.issued"]
    assert body["is_active"] is True
    assert "secret" not in api.get(f"/api/v1/webhook-endpoints/{body['id']}/").json()
    assert received(httpserver) == []


def test_an_unknown_event_type_is_refused(api, httpserver):
    response = register(api, httpserver.url_for("/hooks"), ["policy.exploded"])

    assert response.status_code == 400
    assert "events.0" in response.json()["errors"]


def test_rotating_the_secret_signs_with_the_new_one(
    work, api, customer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    endpoint = register(api, httpserver.url_for("/hooks"), ["policy.issued"]).json()
    rotated = api.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/rotate-secret/").json()
    sell(api, customer, django_capture_on_commit_callbacks)

    work()

    assert rotated["secret"] != endpoint["secret"]
    (request,) = received(httpserver)
    Webhook(rotated["secret"]).verify(request.get_data(), dict(request.headers))
    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint["secret"]).verify(request.get_data(), dict(request.headers))


def test_a_disabled_or_deleted_endpoint_is_sent_nothing(
    work, api, customer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    disabled = register(api, httpserver.url_for("/hooks")).json()
    deleted = register(api, httpserver.url_for("/hooks")).json()
    off = api.post(f"/api/v1/webhook-endpoints/{disabled['id']}/disable/").json()
    assert api.delete(f"/api/v1/webhook-endpoints/{deleted['id']}/").status_code == 204

    sell(api, customer, django_capture_on_commit_callbacks)
    work()

    assert off["is_active"] is False
    assert received(httpserver) == []
    assert not Delivery.objects.exists()


def test_a_partner_may_have_ten_endpoints(api, other_api, httpserver):
    for _ in range(services.MAX_ENDPOINTS):
        assert register(api, httpserver.url_for("/hooks")).status_code == 201

    response = register(api, httpserver.url_for("/hooks"))

    assert response.status_code == 409
    assert response.json()["code"] == "too_many_endpoints"
    assert register(other_api, httpserver.url_for("/hooks")).status_code == 201  # per partner
