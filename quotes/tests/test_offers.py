"""Offers: every product priced for a customer in one call, at the point of sale."""

import pytest

from customers.tests.factories import CustomerFactory
from quotes.models import Quote
from tests.helpers import born_years_ago

pytestmark = pytest.mark.django_db


def offer(client, **body):
    return client.post("/api/v1/offers/", body, format="json")


def test_a_70_year_old_is_offered_only_the_products_covering_70(api, partner):
    seventy = CustomerFactory(partner=partner, dob=born_years_ago(70))

    response = offer(api, customer=seventy.pk)

    assert response.status_code == 201
    body = response.json()
    assert body["customer"] == seventy.pk
    assert [quote["type"] for quote in body["quotes"]] == ["personal-accident"]
    assert {(u["type"], u["code"]) for u in body["unavailable"]} == {
        ("term-life", "age_out_of_range"),
        ("critical-illness", "age_out_of_range"),
    }
    assert all(u["detail"] for u in body["unavailable"])


def test_every_offered_quote_is_a_real_quote_ready_to_accept(api, customer):
    body = offer(api, customer=customer.pk).json()

    assert len(body["quotes"]) == 3
    assert Quote.objects.filter(state="quoted").count() == 3
    first = body["quotes"][0]
    assert api.get(f"/api/v1/quotes/{first['id']}/").json() == first
    assert api.post(f"/api/v1/quotes/{first['id']}/accept/").status_code == 200
    assert first["premium"] == "100.00"  # Ben Stokes's personal accident, as quotes/ prices it


def test_a_cover_outside_a_products_limits_makes_that_product_unavailable(api, customer):
    body = offer(api, customer=customer.pk, cover="50000.00").json()

    assert sorted(quote["type"] for quote in body["quotes"]) == [
        "critical-illness",
        "personal-accident",
    ]
    assert body["unavailable"][0]["type"] == "term-life"  # covers from 100,000
    assert body["unavailable"][0]["code"] == "cover_out_of_range"


def test_another_partners_customer_is_refused_like_an_unknown_one(api, other_partner):
    stranger = CustomerFactory(partner=other_partner)

    response = offer(api, customer=stranger.pk)

    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert not Quote.objects.exists()


def test_a_retried_offer_replays_and_quotes_once(api, customer):
    first = api.post(
        "/api/v1/offers/", {"customer": customer.pk}, format="json", HTTP_IDEMPOTENCY_KEY="o-1"
    )
    again = api.post(
        "/api/v1/offers/", {"customer": customer.pk}, format="json", HTTP_IDEMPOTENCY_KEY="o-1"
    )

    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Quote.objects.count() == 3


def test_offers_need_a_partner(anonymous, customer):
    assert offer(anonymous, customer=customer.pk).status_code == 401
