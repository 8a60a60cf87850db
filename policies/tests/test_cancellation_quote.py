"""The refund quote: what a cancellation would refund, told beforehand and then kept to."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from policies.models import Payment
from policies.services import policy_issue
from quotes.models import Product
from quotes.services import quote_accept, quote_create
from tests.helpers import ddmmyyyy, half_way

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def illness_policy(partner, customer):
    """Ben Stokes's critical illness cover: 290.00 net, 14.50 tax, a 15.00 fee (319.50),
    and 29.00 of it the partner's 10 % commission."""
    partner.commission_rate = Decimal("10.00")
    partner.save()
    quote = quote_create(customer=customer, product=Product.objects.get(code="critical-illness"))
    quote_accept(quote_id=quote.pk)
    return policy_issue(quote_id=quote.pk)


def refund_quote(client, policy, **params):
    return client.get(f"/api/v1/policies/{policy.pk}/cancellation-quote/", params)


def cancel(client, policy, **body):
    return client.post(
        f"/api/v1/policies/{policy.pk}/cancel/",
        {"reason": "customer_request", **body},
        format="json",
    )


def test_within_cooling_off_everything_is_refunded_fees_included(api, illness_policy):
    response = refund_quote(api, illness_policy)

    assert response.status_code == 200
    assert response.json() == {
        "effective_date": ddmmyyyy(today()),
        "refund": "319.50",
        "currency": "AED",
        "within_cooling_off": True,
        "parts": {
            "net_premium": "290.00",
            "tax": "14.50",
            "fees": "15.00",
            "commission_clawback": "29.00",
        },
        "written_off": "0.00",
        "instalments_cancelled": [],
    }


def test_after_cooling_off_net_premium_and_tax_are_pro_rata_and_fees_kept(api, illness_policy):
    half_way(illness_policy)

    body = refund_quote(api, illness_policy).json()

    assert body["within_cooling_off"] is False
    assert body["parts"] == {
        "net_premium": "145.40",  # 290.00 x 183 / 365 = 145.397...
        "tax": "7.27",  # 14.50 x 183 / 365 = 7.269...
        "fees": "0.00",
        "commission_clawback": "14.54",  # 29.00 x 183 / 365 = 14.539...
    }
    assert body["refund"] == "152.67"


@pytest.mark.parametrize("started_days_ago", [0, 182])
def test_cancel_then_refunds_exactly_what_the_quote_said_on_the_same_day(
    api, illness_policy, started_days_ago
):
    if started_days_ago:
        half_way(illness_policy)
    said = refund_quote(api, illness_policy).json()

    policy = cancel(api, illness_policy).json()

    refund = policy["refund"]
    assert refund["amount"] == said["refund"]
    parts = said["parts"]
    assert (refund["net_premium"], refund["tax"], refund["fees"]) == (
        parts["net_premium"],
        parts["tax"],
        parts["fees"],
    )
    assert refund["commission"] == parts["commission_clawback"]


def test_a_date_ahead_is_quoted_for_that_date(api, illness_policy):
    half_way(illness_policy)
    ahead = today() + 83 * DAY  # 100 days left

    body = refund_quote(api, illness_policy, effective_date=ddmmyyyy(ahead)).json()

    assert body["effective_date"] == ddmmyyyy(ahead)
    assert body["parts"]["net_premium"] == "79.45"  # 290.00 x 100 / 365 = 79.452...


def test_asking_changes_nothing(api, illness_policy):
    before = api.get(f"/api/v1/policies/{illness_policy.pk}/").json()
    history = api.get(f"/api/v1/policies/{illness_policy.pk}/history/").json()

    refund_quote(api, illness_policy)

    assert api.get(f"/api/v1/policies/{illness_policy.pk}/").json() == before
    assert api.get(f"/api/v1/policies/{illness_policy.pk}/history/").json() == history
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("effective", "why"),
    [
        (lambda policy: ddmmyyyy(today() - DAY), "before today"),
        (lambda policy: ddmmyyyy(policy.end_date + DAY), "after the term"),
        (lambda policy: "31-02-2027", "not a date"),
        (lambda policy: "2027/01/01", "not the documented shape"),
    ],
)
def test_a_date_cancel_would_refuse_is_a_400(api, illness_policy, effective, why):
    half_way(illness_policy)

    response = refund_quote(api, illness_policy, effective_date=effective(illness_policy))

    assert response.status_code == 400, why
    assert "effective_date" in response.json()["errors"]


def test_staff_may_ask_about_a_backdated_cancellation(staff_api, illness_policy):
    half_way(illness_policy)

    response = refund_quote(staff_api, illness_policy, effective_date=ddmmyyyy(today() - DAY))

    assert response.status_code == 200
    assert response.json()["parts"]["net_premium"] == "146.19"  # 184 days: 146.191...


def test_where_cancel_would_be_refused_the_quote_is_a_409(api, illness_policy):
    cancel(api, illness_policy)

    response = refund_quote(api, illness_policy)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_a_policy_with_a_cancellation_ahead_is_a_409(api, illness_policy):
    cancel(api, illness_policy, effective_date=ddmmyyyy(today() + 10 * DAY))

    assert refund_quote(api, illness_policy).status_code == 409


def test_an_unpaid_invoice_refunds_nothing(api, customer, personal_accident):
    quote = quote_create(customer=customer, product=personal_accident)
    quote_accept(quote_id=quote.pk)
    policy = policy_issue(quote_id=quote.pk, payment_method="invoice")

    body = refund_quote(api, policy).json()

    assert body["refund"] == "0.00"
    assert cancel(api, policy).json()["refund"] is None


def test_an_unknown_parameter_is_a_400(api, illness_policy):
    response = refund_quote(api, illness_policy, effective="01-01-2027")

    assert response.status_code == 400
    assert "effective" in response.json()["errors"]


def test_another_partners_policy_is_not_found(other_api, illness_policy):
    response = refund_quote(other_api, illness_policy)

    assert response.status_code == 404


def test_an_empty_date_is_a_400_not_today(api, illness_policy):
    response = api.get(f"/api/v1/policies/{illness_policy.pk}/cancellation-quote/?effective_date=")

    assert response.status_code == 400
    assert "effective_date" in response.json()["errors"]
