"""The two published client contracts, end to end through HTTP."""

import pytest

from policies.models import Payment, Policy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slash", ["/", ""])
def test_the_assessment_sequence_runs_end_to_end(api, slash):
    v1 = "/api/v1/"

    customer = api.post(
        f"{v1}create_customer{slash}",
        {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"},
        format="json",
    )
    assert customer.status_code == 201
    customer_id = customer.json()["id"]

    quote = api.post(
        f"{v1}quote{slash}",
        {"customer_id": customer_id, "type": "personal-accident"},
        format="json",
    )
    assert quote.status_code == 201
    quote_id = quote.json()["id"]
    assert quote.json()["state"] == "quoted"

    accepted = api.post(
        f"{v1}quote{slash}", {"quote_id": quote_id, "status": "accepted"}, format="json"
    )
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "accepted"

    paid = api.post(f"{v1}quote{slash}", {"quote_id": quote_id, "status": "active"}, format="json")
    assert paid.status_code == 200
    assert paid.json()["state"] == "active"
    assert paid.json()["id"] == quote_id

    listed = api.get(f"{v1}policies{slash}", {"customer_id": customer_id})
    assert [p["id"] for p in listed.json()["results"]] == [quote_id]

    detail = api.get(f"{v1}policies/{quote_id}{slash}")
    assert detail.json()["state"] == "active"
    assert detail.json()["customer"]["id"] == customer_id

    history = api.get(f"{v1}policies/{quote_id}/history{slash}")
    assert [entry["state"] for entry in history.json()] == ["quoted", "accepted", "active"]


def test_the_assessment_quote_takes_a_cover(api, customer):
    response = api.post(
        "/api/v1/quote/",
        {"customer_id": customer.pk, "type": "personal-accident", "cover": "100000.00"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["premium"] == "200.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "customer_id"),
        ({"customer_id": "CUSTOMER"}, "type"),
        ({"customer_id": 999999, "type": "personal-accident"}, "customer_id"),
        ({"customer_id": "CUSTOMER", "type": "personal-accident", "status": "x"}, "customer_id"),
        ({"quote_id": "QUOTE"}, "status"),
        ({"quote_id": "QUOTE", "status": "paid"}, "status"),
        ({"quote_id": "QUOTE", "status": "ACCEPTED"}, "status"),
        ({"quote_id": 999999, "status": "accepted"}, "quote_id"),
        ({"status": "accepted"}, "quote_id"),
        ({"quote_id": "QUOTE", "status": "accepted", "premium": "1"}, "premium"),
    ],
)
def test_the_assessment_quote_refuses_other_bodies(api, quote, body, field):
    values = {"CUSTOMER": quote.customer_id, "QUOTE": quote.pk}
    body = {key: values.get(value, value) for key, value in body.items()}

    response = api.post("/api/v1/quote/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    quote.refresh_from_db()
    assert quote.state == "quoted"


def test_the_assessment_refuses_to_pay_before_accepting(api, quote):
    response = api.post("/api/v1/quote/", {"quote_id": quote.pk, "status": "active"}, format="json")

    assert response.status_code == 409
    assert not Policy.objects.exists()


def test_the_seed_readme_sequence_runs_end_to_end(api):
    customer = api.post(
        "/api/v1/create_customer",
        {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"},
        format="json",
    ).json()
    assert (
        api.get("/api/v1/search", {"name": "stokes"}).json()["results"][0]["id"] == (customer["id"])
    )

    quote = api.post(
        "/api/v1/quotes", {"customer": customer["id"], "type": "personal-accident"}, format="json"
    ).json()
    seed_body = {
        "type": "personal-accident",
        "premium": quote["premium"],
        "cover": quote["cover"],
        "state": "new",
        "is_accepted": False,
        "customer": customer["id"],
    }
    accepted = api.post(f"/api/v1/quotes/{quote['id']}/accept/", seed_body, format="json")
    assert accepted.status_code == 200
    paid = api.put(
        f"/api/v1/quotes/{quote['id']}/update/", {**seed_body, "is_accepted": True}, format="json"
    )
    assert paid.status_code == 200

    assert api.get("/api/v1/policies").json()["count"] == 1
    assert api.get(f"/api/v1/policies/{quote['id']}/").json()["payment"]["status"] == "succeeded"
    history = api.get(f"/api/v1/policies/{quote['id']}/history/").json()
    assert [entry["state"] for entry in history] == ["quoted", "accepted", "active"]
    assert Payment.objects.count() == 1
    assert (
        api.get("/api/v1/search", {"policy_type": "personal-accident"}).json()["results"][0]["id"]
        == customer["id"]
    )
