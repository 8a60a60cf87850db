import datetime as dt
import hashlib
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.models import Customer
from myproject.idempotency import IdempotencyKey
from policies.models import Payment, Policy

pytestmark = pytest.mark.django_db

BEN = {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"}


def post(client, path, body, key):
    return client.post(f"/api/v1/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_create_replays_the_first_response_and_creates_once(api):
    first = post(api, "create_customer/", BEN, "key-1")
    retry = post(api, "create_customer/", BEN, "key-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Customer.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_with_422(api):
    post(api, "create_customer/", BEN, "key-1")

    response = post(api, "create_customer/", {**BEN, "first_name": "Joe"}, "key-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("spelling", ["customers/", "customers", "create_customer"])
def test_every_spelling_of_one_operation_replays_the_same_key(api, spelling):
    first = post(api, "create_customer/", BEN, "key-1")

    retry = post(api, spelling, BEN, "key-1")

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert Customer.objects.count() == 1


def test_the_same_key_on_another_operation_is_another_request(api, accepted_quote):
    post(api, f"quotes/{accepted_quote.pk}/decline/", {}, "key-1")

    response = post(api, f"quotes/{accepted_quote.pk}/pay/", {}, "key-1")

    assert response.status_code == 422
    assert not Policy.objects.exists()


def test_the_same_key_on_another_object_is_another_request(api, customer, personal_accident):
    from quotes.services import quote_create

    quotes = [quote_create(customer=customer, product=personal_accident) for _ in range(2)]
    post(api, f"quotes/{quotes[0].pk}/decline/", {}, "key-1")

    response = post(api, f"quotes/{quotes[1].pk}/decline/", {}, "key-1")

    assert response.status_code == 422


def test_keys_are_scoped_per_caller(api, other_api):
    post(api, "create_customer/", BEN, "shared-key")

    response = post(other_api, "create_customer/", BEN, "shared-key")

    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert Customer.objects.count() == 2


def test_a_paid_quote_is_charged_once_however_often_the_payment_is_retried(api, accepted_quote):
    responses = [post(api, f"quotes/{accepted_quote.pk}/pay/", {}, "pay-1") for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert all(r.json() == responses[0].json() for r in responses)
    assert Policy.objects.count() == 1
    assert Payment.objects.count() == 1
    assert Policy.objects.get().history.count() == 1


def test_a_business_refusal_is_stored_and_replayed(api, quote):
    first = post(api, f"quotes/{quote.pk}/pay/", {}, "pay-early")
    api.post(f"/api/v1/quotes/{quote.pk}/accept/")

    retry = post(api, f"quotes/{quote.pk}/pay/", {}, "pay-early")

    assert first.status_code == retry.status_code == 409
    assert retry.json() == first.json()
    assert retry["Content-Type"] == "application/problem+json"
    assert retry["Idempotent-Replayed"] == "true"
    assert not Policy.objects.exists()


def test_not_found_is_stored_too(api):
    first = post(api, "quotes/424242/accept/", {}, "nf")

    assert first.status_code == 404
    assert post(api, "quotes/424242/accept/", {}, "nf")["Idempotent-Replayed"] == "true"


def test_a_validation_failure_is_not_stored_so_the_fixed_request_may_reuse_the_key(api):
    invalid = post(api, "create_customer/", {**BEN, "dob": "nope"}, "key-2")
    fixed = post(api, "create_customer/", BEN, "key-2")

    assert invalid.status_code == 400
    assert fixed.status_code == 201
    assert not fixed.has_header("Idempotent-Replayed")


def test_a_server_error_is_not_stored(api, monkeypatch):
    from customers import views

    original = views.services.customer_create
    monkeypatch.setattr(views.services, "customer_create", lambda **kw: 1 / 0)
    api.raise_request_exception = False
    assert post(api, "create_customer/", BEN, "key-3").status_code == 500
    monkeypatch.setattr(views.services, "customer_create", original)

    assert post(api, "create_customer/", BEN, "key-3").status_code == 201
    assert not IdempotencyKey.objects.filter(response_status=500).exists()


def test_a_retry_while_the_first_request_runs_is_a_conflict(api, partner):
    IdempotencyKey.objects.create(  # what the first, still running, request has claimed
        user=partner.user,
        key="busy",
        fingerprint=_fingerprint_of("/api/v1/create_customer/", BEN),
        locked_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=1),
    )

    response = post(api, "create_customer/", BEN, "busy")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert not Customer.objects.exists()


def _fingerprint_of(path: str, body: dict) -> str:
    """The fingerprint the first request stored: creating a customer, whatever its path."""
    assert path == "/api/v1/create_customer/"
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    operation = "customers.views.CustomerViewSet.create()"
    return hashlib.sha256(f"{operation}\n{canonical}".encode()).hexdigest()


@pytest.mark.parametrize(("held_seconds", "status"), [(30, 409), (61, 201)])
def test_an_abandoned_first_request_does_not_hold_its_key_past_a_minute(
    api, partner, held_seconds, status
):
    """A node killed mid-request leaves its key held: no request outlives gunicorn's 30 s,
    so one held over a minute is abandoned, and its retry runs."""
    IdempotencyKey.objects.create(
        user=partner.user,
        key="crashed",
        fingerprint=_fingerprint_of("/api/v1/create_customer/", BEN),
        locked_at=timezone.now() - dt.timedelta(seconds=held_seconds),
        expires_at=timezone.now() + dt.timedelta(days=1),
    )

    assert post(api, "create_customer/", BEN, "crashed").status_code == status


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tkey"])
def test_an_invalid_key_is_refused(api, key):
    response = post(api, "create_customer/", BEN, key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Customer.objects.exists()


def test_a_key_of_255_characters_is_accepted(api):
    assert post(api, "create_customer/", BEN, "k" * 255).status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "quotes/", {"customer": "C", "type": "personal-accident"}),
        ("post", "quote/", {"customer_id": "C", "type": "personal-accident"}),
        ("post", "customers/", BEN),
    ],
)
def test_every_creating_route_honours_the_key(api, customer, method, path, body):
    body = {k: customer.pk if v == "C" else v for k, v in body.items()}

    first = getattr(api, method)(f"/api/v1/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    retry = getattr(api, method)(f"/api/v1/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"


def test_the_seed_update_honours_the_key(api, accepted_quote):
    for _ in range(2):
        response = api.put(
            f"/api/v1/quotes/{accepted_quote.pk}/update/",
            {"is_accepted": True},
            format="json",
            HTTP_IDEMPOTENCY_KEY="upd",
        )
        assert response.status_code == 200
    assert Payment.objects.count() == 1


def test_expired_keys_are_purged_and_may_be_used_again(api, partner):
    post(api, "create_customer/", BEN, "old")
    IdempotencyKey.objects.filter(key="old").update(expires_at=timezone.now())

    call_command("purge_idempotency_keys")

    assert not IdempotencyKey.objects.exists()
    assert post(api, "create_customer/", BEN, "old").status_code == 201
    assert Customer.objects.count() == 2


def test_keys_are_kept_at_least_a_day(api):
    post(api, "create_customer/", BEN, "kept")

    record = IdempotencyKey.objects.get(key="kept")
    assert record.expires_at - record.locked_at >= dt.timedelta(hours=24)
    call_command("purge_idempotency_keys")
    assert IdempotencyKey.objects.filter(key="kept").exists()
