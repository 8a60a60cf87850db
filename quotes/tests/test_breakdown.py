"""What a price is made of: net premium, tax, fees and the partner's commission."""

import datetime as dt
from decimal import Decimal

import pytest

from quotes.models import Commission, Product
from quotes.tests.factories import next_rate_version

pytestmark = pytest.mark.django_db

PARTS = ("net_premium", "tax", "fees")


def quote(client, customer, product_code: str, **body):
    return client.post(
        "/api/v1/quotes/", {"customer": customer.pk, "type": product_code, **body}, format="json"
    )


def test_a_product_without_tax_or_fee_keeps_ben_stokess_premium_of_100(api, customer):
    body = quote(api, customer, "personal-accident").json()

    assert body["premium"] == body["net_premium"] == "100.00"
    assert (body["tax"], body["fees"], body["commission"]) == ("0.00", "0.00", "0.00")


def test_the_sample_critical_illness_cover_carries_5_percent_tax_and_a_fee(api, customer):
    response = quote(api, customer, "critical-illness")

    assert response.status_code == 201
    body = response.json()
    # 35 years old: band 35-44 at 2.90 per mille of the default 100,000
    assert body["net_premium"] == "290.00"
    assert body["tax"] == "14.50"
    assert body["fees"] == "15.00"
    assert body["premium"] == "319.50"
    assert sum(Decimal(body[part]) for part in PARTS) == Decimal(body["premium"])


def test_the_products_list_shows_each_tax_rate_and_fee(api):
    products = {p["code"]: p for p in api.get("/api/v1/products/").json()["results"]}

    assert products["critical-illness"]["tax_rate"] == "5.00"
    assert products["critical-illness"]["policy_fee"] == "15.00"
    assert products["personal-accident"]["tax_rate"] == "0.00"


def test_commission_is_the_partners_rate_for_the_product_or_else_its_default(
    api, partner, customer
):
    partner.commission_rate = Decimal("10.00")
    partner.save()
    Commission.objects.create(
        partner=partner, product=Product.objects.get(code="critical-illness"), rate="12.50"
    )

    accident = quote(api, customer, "personal-accident").json()
    illness = quote(api, customer, "critical-illness").json()

    assert accident["commission"] == "10.00"  # the default: 10 % of 100.00
    assert illness["commission"] == "36.25"  # this product's: 12.5 % of 290.00
    # the commission is the partner's share of the premium, not added to it
    assert accident["premium"] == "100.00"
    assert illness["premium"] == "319.50"


def test_another_partners_commission_is_not_this_partners(api, other_partner, customer):
    Commission.objects.create(
        partner=other_partner, product=Product.objects.get(code="personal-accident"), rate="20"
    )

    assert quote(api, customer, "personal-accident").json()["commission"] == "0.00"


def test_a_price_change_never_alters_an_existing_quote_or_its_policy(api, customer):
    quoted = quote(api, customer, "critical-illness").json()
    next_rate_version(
        "critical-illness",
        dt.date.today(),
        tax_rate=Decimal("10.00"),
        policy_fee=Decimal("50.00"),
    )

    assert api.get(f"/api/v1/quotes/{quoted['id']}/").json() == quoted
    api.post(f"/api/v1/quotes/{quoted['id']}/accept/")
    policy = api.post(f"/api/v1/quotes/{quoted['id']}/pay/").json()
    assert {name: policy[name] for name in (*PARTS, "commission", "premium")} == {
        name: quoted[name] for name in (*PARTS, "commission", "premium")
    }
    assert quote(api, customer, "critical-illness").json()["premium"] == "369.00"  # 290+29+50


def test_the_policy_and_its_charge_carry_the_parts(api, partner, customer):
    partner.commission_rate = Decimal("10.00")
    partner.save()
    quoted = quote(api, customer, "critical-illness").json()
    api.post(f"/api/v1/quotes/{quoted['id']}/accept/")

    policy = api.post(f"/api/v1/quotes/{quoted['id']}/pay/").json()

    charge = policy["payment"]
    assert (policy["net_premium"], policy["tax"], policy["fees"]) == ("290.00", "14.50", "15.00")
    assert policy["commission"] == "29.00"
    assert charge["amount"] == policy["premium"] == "319.50"
    assert (charge["net_premium"], charge["tax"], charge["fees"]) == ("290.00", "14.50", "15.00")
    assert charge["commission"] == "29.00"
    assert policy["payments"] == [charge]


def test_a_client_showing_the_net_premium_as_the_price_is_told_the_total(api, customer):
    response = quote(api, customer, "critical-illness", quoted_premium="290.00")

    assert response.status_code == 409
    assert response.json()["code"] == "premium_mismatch"
    assert response.json()["premium"] == "319.50"
