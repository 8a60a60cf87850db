"""Webhook tests and redeliveries on request: signed as every delivery, recorded in the
endpoint's deliveries, scoped, throttled, and only to a partner's own endpoints and events."""

import pytest
from rest_framework.exceptions import ValidationError
from standardwebhooks.webhooks import Webhook

from customers.services import partner_token_create
from myproject.webhooks import outbox, sending
from myproject.webhooks.models import Delivery, Event, WebhookEndpoint
from myproject.webhooks.views import WebhookEndpointViewSet
from quotes.services import quote_create
from tests.helpers import client_with_token
from tests.webhooks.helpers import received, register

pytestmark = pytest.mark.django_db


def test_a_test_event_arrives_signed_and_verifies_with_the_published_secret(
    work, api, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    endpoint = register(api, httpserver.url_for("/hooks"), ["policy.issued"]).json()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test/")
    work()

    assert response.status_code == 202
    (request,) = received(httpserver)
    event = Webhook(endpoint["secret"]).verify(request.get_data(), dict(request.headers))
    assert event["type"] == "webhook.test"
    assert event["data"] == {"endpoint": endpoint["id"], "url": endpoint["url"]}
    assert event["id"] == response.json()["event"]
    deliveries = api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/").json()
    assert [d["status"] for d in deliveries["results"]] == ["delivered"]


def test_an_event_that_failed_for_good_is_sent_again_with_the_same_id(
    work, api, customer, personal_accident, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_oneshot_request("/hooks").respond_with_data("down", status=503)
    httpserver.expect_request("/hooks").respond_with_data("ok")
    endpoint = register(api, httpserver.url_for("/hooks"), ["quote.created"]).json()
    quote_create(customer=customer, product=personal_accident)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(tries=len(sending.RETRY_DELAYS))
    sending.deliver(delivery.pk)  # the last retry fails: failed for good
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    event = Event.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/events/{event.uid}/redeliver/", {"endpoint": endpoint["id"]}, format="json"
        )
    work()

    assert response.status_code == 202
    first, again = received(httpserver)
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == event.uid
    Webhook(endpoint["secret"]).verify(again.get_data(), dict(again.headers))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert delivery.attempts.count() == 2
    assert Delivery.objects.count() == 1  # the same delivery, one attempt more


def test_an_event_reaches_an_endpoint_registered_after_it(
    work, api, customer, personal_accident, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    quote_create(customer=customer, product=personal_accident)  # before any endpoint
    endpoint = register(api, httpserver.url_for("/hooks"), ["policy.issued"]).json()
    event = Event.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            f"/api/v1/events/{event.uid}/redeliver/", {"endpoint": endpoint["id"]}, format="json"
        )
    work()

    (request,) = received(httpserver)
    assert request.headers["webhook-id"] == event.uid


def test_redelivery_needs_ones_own_event_endpoint_and_scope(
    api, other_api, partner, other_partner, customer, personal_accident, httpserver
):
    endpoint = register(api, httpserver.url_for("/hooks")).json()
    theirs = register(other_api, httpserver.url_for("/theirs")).json()
    quote_create(customer=customer, product=personal_accident)
    event = Event.objects.get()
    path = f"/api/v1/events/{event.uid}/redeliver/"
    reader = client_with_token(partner_token_create(name=partner.name, scopes=["read"])[1])

    not_theirs = other_api.post(path, {"endpoint": theirs["id"]}, format="json")
    wrong_endpoint = api.post(path, {"endpoint": theirs["id"]}, format="json")
    unscoped = reader.post(path, {"endpoint": endpoint["id"]}, format="json")
    no_body = api.post(path, {}, format="json")
    ping_theirs = api.post(f"/api/v1/webhook-endpoints/{theirs['id']}/test/")

    assert not_theirs.status_code == 404
    assert wrong_endpoint.status_code == 400
    assert "endpoint" in wrong_endpoint.json()["errors"]
    assert unscoped.status_code == 403
    assert unscoped.json()["scope"] == "webhooks:manage"
    assert no_body.status_code == 400
    assert ping_theirs.status_code == 404
    assert Delivery.objects.filter(endpoint_id=theirs["id"]).count() == 0


def test_a_disabled_endpoint_is_neither_tested_nor_sent_to(api, httpserver):
    endpoint = register(api, httpserver.url_for("/hooks")).json()
    api.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/disable/")

    response = api.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test/")

    assert response.status_code == 409
    assert response.json()["code"] == "endpoint_disabled"
    assert not Event.objects.exists()


def test_tests_and_redeliveries_are_throttled_on_their_own_budget(api, httpserver, settings):
    settings.WEBHOOK_SEND_THROTTLE_RATE = "2/min"
    endpoint = register(api, httpserver.url_for("/hooks")).json()
    path = f"/api/v1/webhook-endpoints/{endpoint['id']}/test/"

    answers = [api.post(path) for _ in range(3)]

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert '"webhook-sends";q=2;w=60' in answers[0]["RateLimit-Policy"]
    assert '"partner";' in answers[0]["RateLimit-Policy"]  # both budgets told
    assert '"webhook-sends";r=0' in answers[2]["RateLimit"]
    assert Event.objects.filter(type="webhook.test").count() == 2
    assert api.get("/api/v1/customers/").status_code == 200  # other requests go on


def test_an_endpoint_deleted_while_it_is_tested_is_a_404_not_a_500(api, httpserver, monkeypatch):
    endpoint = register(api, httpserver.url_for("/hooks")).json()
    found = WebhookEndpointViewSet.get_object

    def found_then_deleted(view):
        row = found(view)
        WebhookEndpoint.objects.filter(pk=row.pk).delete()  # another request's DELETE
        return row

    monkeypatch.setattr(WebhookEndpointViewSet, "get_object", found_then_deleted)
    response = api.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert not Event.objects.exists()


def test_redelivering_to_an_endpoint_deleted_meanwhile_is_a_400_on_it(api, httpserver):
    endpoint = register(api, httpserver.url_for("/hooks")).json()
    api.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test/")
    event = Event.objects.get()
    WebhookEndpoint.objects.filter(pk=endpoint["id"]).delete()

    with pytest.raises(ValidationError) as refused:
        outbox.event_redeliver(event=event, endpoint_id=endpoint["id"])

    assert "endpoint" in refused.value.detail
    assert not Delivery.objects.exists()
