"""Mid-term changes of cover (endorsements): priced pro rata, settled at once, and what a
later cancellation refunds."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from policies.models import Endorsement, Payment
from policies.tests.factories import policy_for
from quotes.tests.factories import next_rate_version
from tests.helpers import ddmmyyyy, half_way

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
PARTS = ("premium", "net_premium", "tax", "fees", "commission")


def today() -> dt.date:
    return timezone.localdate()


def issued(customer, code: str = "critical-illness", **kwargs):
    return policy_for(customer, code, **kwargs)


@pytest.fixture
def illness_policy(partner, customer):
    """Ben Stokes's critical illness cover, 100,000 at 2.90 per mille: 290.00 net, 14.50 tax
    (5 %), a 15.00 fee, and the partner's 10 % commission of 29.00."""
    partner.commission_rate = Decimal("10.00")
    partner.save()
    return issued(customer)


def endorse(client, policy, **body):
    return client.post(f"/api/v1/policies/{policy.pk}/endorse/", body, format="json")


def endorsement_quote(client, policy, **params):
    return client.get(f"/api/v1/policies/{policy.pk}/endorsement-quote/", params)


def cancel(client, policy):
    return client.post(
        f"/api/v1/policies/{policy.pk}/cancel/", {"reason": "customer_request"}, format="json"
    )


def test_more_cover_half_way_charges_the_difference_for_the_days_left(api, illness_policy):
    half_way(illness_policy)  # 183 of 365 days left

    response = endorse(api, illness_policy, cover="150000.00")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "active"
    assert body["cover"] == "150000.00"
    # the new annual premium: 435.00 net (150 x 2.90), 21.75 tax, the same 15.00 fee
    assert {name: body[name] for name in PARTS} == {
        "premium": "471.75",
        "net_premium": "435.00",
        "tax": "21.75",
        "fees": "15.00",
        "commission": "43.50",
    }
    first, change = body["payments"]
    assert first == body["payment"]
    assert change["kind"] == "charge"
    assert change["method"] == "card"
    assert change["status"] == "succeeded"
    assert change["net_premium"] == "72.70"  # 145.00 x 183 / 365 = 72.698...
    assert change["tax"] == "3.63"  # 7.25 x 183 / 365 = 3.634...
    assert change["fees"] == "0.00"
    assert change["amount"] == "76.33"
    assert change["commission"] == "7.27"  # 14.50 x 183 / 365 = 7.269...
    assert body["endorsements"] == [
        {
            "effective_date": ddmmyyyy(today()),
            "old_cover": "100000.00",
            "new_cover": "150000.00",
            "old_premium": "319.50",
            "new_premium": "471.75",
            "premium_change": "76.33",
            "payment": change["reference"],
            "created_at": body["endorsements"][0]["created_at"],
        }
    ]
    assert body["refund"] is None  # the cancellation's refund: there is none


def test_after_more_cover_a_cancellation_refunds_from_the_new_premium(api, illness_policy):
    half_way(illness_policy)
    endorse(api, illness_policy, cover="150000.00")
    said = api.get(f"/api/v1/policies/{illness_policy.pk}/cancellation-quote/").json()

    body = cancel(api, illness_policy).json()

    refund = body["refund"]
    assert refund["net_premium"] == "218.10"  # 435.00 x 183 / 365 = 218.095...
    assert refund["tax"] == "10.90"  # 21.75 x 183 / 365 = 10.904...
    assert refund["fees"] == "0.00"
    assert refund["amount"] == said["refund"] == "229.00"
    assert refund["commission"] == said["parts"]["commission_clawback"] == "21.81"
    assert [p["kind"] for p in body["payments"]] == ["charge", "charge", "refund"]
    # 229.00 repays the first charge (319.50) in part, oldest first
    assert [p["status"] for p in body["payments"]] == [
        "partially_refunded",
        "succeeded",
        "succeeded",
    ]


def test_less_cover_half_way_refunds_the_difference_then_a_cancellation(api, illness_policy):
    half_way(illness_policy)

    body = endorse(api, illness_policy, cover="50000.00").json()

    # 50 x 2.90 = 145.00 is under the product's minimum premium: 150.00 net, 7.50 tax, the fee
    assert body["premium"] == "172.50"
    change = body["payments"][-1]
    assert change["kind"] == "refund"
    assert change["net_premium"] == "70.19"  # 140.00 x 183 / 365 = 70.191...
    assert change["tax"] == "3.51"  # 7.00 x 183 / 365 = 3.509...
    assert change["amount"] == "73.70"
    assert change["commission"] == "7.02"  # clawed back: 14.00 x 183 / 365 = 7.019...
    assert body["endorsements"][0]["premium_change"] == "-73.70"
    assert body["payment"]["status"] == "partially_refunded"
    assert body["refund"] is None  # a change's refund is not the cancellation's

    cancelled = cancel(api, illness_policy).json()

    refund = cancelled["refund"]
    assert refund["net_premium"] == "75.21"  # 150.00 x 183 / 365 = 75.205...
    assert refund["tax"] == "3.76"  # 7.50 x 183 / 365 = 3.760...
    assert refund["amount"] == "78.97"
    assert [p["kind"] for p in cancelled["payments"]] == ["charge", "refund", "refund"]
    # The customer paid for the 182 days covered at the old price, and the fee.
    paid = sum(
        Decimal(p["amount"]) * (1 if p["kind"] == "charge" else -1) for p in cancelled["payments"]
    )
    assert paid == Decimal("166.83")  # (290.00 + 14.50) x 182 / 365 = 151.83..., + 15.00


def test_cancelling_in_cooling_off_after_a_change_refunds_everything_paid(api, illness_policy):
    endorse(api, illness_policy, cover="150000.00")

    body = cancel(api, illness_policy).json()

    charges = sum(Decimal(p["amount"]) for p in body["payments"] if p["kind"] == "charge")
    assert Decimal(body["refund"]["amount"]) == charges
    assert body["refund"]["fees"] == "15.00"
    assert {p["status"] for p in body["payments"] if p["kind"] == "charge"} == {"refunded"}


def test_the_history_shows_the_change_as_endorsed_while_the_policy_stays_active(
    api, illness_policy
):
    endorse(api, illness_policy, cover="150000.00")

    history = api.get(f"/api/v1/policies/{illness_policy.pk}/history/").json()

    assert [entry["state"] for entry in history] == ["quoted", "accepted", "active", "endorsed"]
    assert history[-1]["reason"] == (f"cover 100000.00 to 150000.00 from {ddmmyyyy(today())}")
    assert history[-1]["by"] == "Partner A"


def test_a_later_effective_date_charges_only_from_that_day(api, illness_policy):
    half_way(illness_policy)  # ends in 182 days
    later = today() + 82 * DAY  # 101 days left

    body = endorse(api, illness_policy, cover="150000.00", effective_date=ddmmyyyy(later))

    assert body.status_code == 200
    assert body.json()["payments"][-1]["net_premium"] == "40.12"  # 145 x 101 / 365 = 40.123...
    assert body.json()["endorsements"][0]["effective_date"] == ddmmyyyy(later)


def test_the_preview_prices_the_same_change_and_changes_nothing(api, illness_policy):
    half_way(illness_policy)

    response = endorsement_quote(api, illness_policy, cover="150000.00")

    assert response.status_code == 200
    assert response.json() == {
        "effective_date": ddmmyyyy(today()),
        "currency": "AED",
        "old_cover": "100000.00",
        "new_cover": "150000.00",
        "old_annual": {
            "premium": "319.50",
            "net_premium": "290.00",
            "tax": "14.50",
            "fees": "15.00",
            "commission": "29.00",
        },
        "new_annual": {
            "premium": "471.75",
            "net_premium": "435.00",
            "tax": "21.75",
            "fees": "15.00",
            "commission": "43.50",
        },
        "change": {
            "premium": "76.33",
            "net_premium": "72.70",
            "tax": "3.63",
            "fees": "0.00",
            "commission": "7.27",
        },
        "instalments": [],
    }
    assert Payment.objects.count() == 1
    assert not Endorsement.objects.exists()
    assert endorse(api, illness_policy, cover="150000.00").json()["payments"][-1]["amount"] == (
        "76.33"
    )


def test_the_new_price_uses_the_policys_rate_version_not_a_later_one(api, illness_policy):
    later = next_rate_version(
        "critical-illness", dt.date.today(), rates={35: Decimal("3.00")}, tax_rate=Decimal("10")
    )
    assert illness_policy.rate_version_id != later.pk

    body = endorsement_quote(api, illness_policy, cover="150000.00").json()

    assert body["new_annual"]["net_premium"] == "435.00"  # 150 x 2.90, as sold
    assert body["new_annual"]["tax"] == "21.75"  # 5 %, as sold
    assert body["new_annual"]["fees"] == "15.00"  # the policy's fee, not charged again


@pytest.mark.parametrize(
    ("cover", "field"),
    [
        ("100000.00", "cover"),  # the same cover
        ("24999.99", "cover"),  # below the product's minimum
        ("1000000.01", "cover"),  # above its maximum
        ("-1.00", "cover"),
        (150000, "cover"),  # a JSON number, not a decimal string
    ],
)
def test_a_cover_the_product_refuses_or_the_same_cover_is_a_400(api, illness_policy, cover, field):
    response = endorse(api, illness_policy, cover=cover)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Endorsement.objects.exists()


@pytest.mark.parametrize(
    "effective",
    [
        lambda policy: ddmmyyyy(today() - DAY),
        lambda policy: ddmmyyyy(policy.end_date + DAY),
        lambda policy: "30-02-2027",
    ],
)
def test_a_date_before_today_or_outside_the_term_is_a_400(api, illness_policy, effective):
    half_way(illness_policy)

    response = endorse(
        api, illness_policy, cover="150000.00", effective_date=effective(illness_policy)
    )

    assert response.status_code == 400
    assert "effective_date" in response.json()["errors"]


def test_a_cancelled_policy_cannot_change(api, illness_policy):
    cancel(api, illness_policy)

    for response in (
        endorse(api, illness_policy, cover="150000.00"),
        endorsement_quote(api, illness_policy, cover="150000.00"),
    ):
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"


def test_an_ended_policy_cannot_change(api, illness_policy):
    illness_policy.start_date = today() - 400 * DAY
    illness_policy.end_date = today() - 35 * DAY
    illness_policy.save()

    response = endorse(api, illness_policy, cover="150000.00")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["state"] == "expired"


def test_a_policy_with_a_cancellation_ahead_cannot_change(api, illness_policy):
    api.post(
        f"/api/v1/policies/{illness_policy.pk}/cancel/",
        {"reason": "other", "effective_date": ddmmyyyy(today() + 5 * DAY)},
        format="json",
    )

    assert endorse(api, illness_policy, cover="150000.00").status_code == 409


def test_a_policy_with_an_unpaid_invoice_cannot_change(api, customer):
    policy = issued(customer, payment_method="invoice")

    response = endorse(api, policy, cover="150000.00")

    assert response.status_code == 409
    assert response.json()["code"] == "payment_pending"


def test_the_same_idempotency_key_changes_cover_once(api, illness_policy):
    first = api.post(
        f"/api/v1/policies/{illness_policy.pk}/endorse/",
        {"cover": "150000.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="endorse-1",
    )
    again = api.post(
        f"/api/v1/policies/{illness_policy.pk}/endorse/",
        {"cover": "150000.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="endorse-1",
    )

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert Endorsement.objects.count() == 1
    assert Payment.objects.count() == 2


def test_another_partners_policy_is_not_found(other_api, illness_policy):
    assert endorse(other_api, illness_policy, cover="150000.00").status_code == 404
    assert endorsement_quote(other_api, illness_policy, cover="150000.00").status_code == 404
    assert not Endorsement.objects.exists()


def test_the_preview_needs_a_cover(api, illness_policy):
    response = endorsement_quote(api, illness_policy)

    assert response.status_code == 400
    assert "cover" in response.json()["errors"]


def test_cancelling_before_a_change_dated_ahead_refunds_the_old_price_and_the_whole_change(
    api, illness_policy
):
    half_way(illness_policy)  # 183 days left
    later = ddmmyyyy(today() + 82 * DAY)  # 101 days left from then
    change = endorse(api, illness_policy, cover="150000.00", effective_date=later).json()
    charge = change["payments"][-1]
    assert (charge["net_premium"], charge["tax"], charge["amount"]) == ("40.12", "2.01", "42.13")

    said = api.get(f"/api/v1/policies/{illness_policy.pk}/cancellation-quote/").json()
    body = cancel(api, illness_policy).json()

    refund = body["refund"]
    # 183 days at the price before the change (290.00 and 14.50 a year), and the change's
    # whole charge back: not 183 days at the new price, which was never in effect.
    assert refund["net_premium"] == "185.52"  # 145.40 + 40.12
    assert refund["tax"] == "9.28"  # 7.27 + 2.01
    assert refund["amount"] == said["refund"] == "194.80"
    assert refund["commission"] == "18.55"  # 14.54 + 4.01
    paid = sum(
        Decimal(p["amount"]) * (1 if p["kind"] == "charge" else -1) for p in body["payments"]
    )
    assert paid == Decimal("166.83")  # as if the change had never been asked for


def test_a_cancellation_on_the_day_a_change_takes_effect_gives_the_change_back(api, illness_policy):
    half_way(illness_policy)
    day = ddmmyyyy(today() + 82 * DAY)
    endorse(api, illness_policy, cover="150000.00", effective_date=day)

    quote = api.get(
        f"/api/v1/policies/{illness_policy.pk}/cancellation-quote/", {"effective_date": day}
    ).json()

    assert quote["parts"]["net_premium"] == "120.37"  # 290.00 x 101 / 365 = 80.25, + 40.12


def test_a_change_cannot_take_effect_before_one_already_dated(api, illness_policy):
    half_way(illness_policy)
    later = today() + 82 * DAY
    endorse(api, illness_policy, cover="150000.00", effective_date=ddmmyyyy(later))

    earlier = endorse(api, illness_policy, cover="120000.00")
    same_day = endorse(api, illness_policy, cover="120000.00", effective_date=ddmmyyyy(later))

    assert earlier.status_code == 400
    assert "effective_date" in earlier.json()["errors"]
    assert same_day.status_code == 200


@pytest.mark.parametrize("when", ["before the dated change", "yesterday", "31-12-9999"])
def test_the_preview_refuses_the_dates_endorse_refuses(api, illness_policy, when):
    """The preview prices from the policy and changes read with it: a date before a change
    already dated, a past date or one past the term is refused as endorse refuses it."""
    half_way(illness_policy)
    later = today() + 82 * DAY
    endorse(api, illness_policy, cover="150000.00", effective_date=ddmmyyyy(later))
    date = {
        "before the dated change": ddmmyyyy(later - DAY),
        "yesterday": ddmmyyyy(today() - DAY),
    }.get(when, when)

    preview = endorsement_quote(api, illness_policy, cover="120000.00", effective_date=date)
    change = endorse(api, illness_policy, cover="120000.00", effective_date=date)

    assert preview.status_code == change.status_code == 400
    assert "effective_date" in preview.json()["errors"]
    assert Endorsement.objects.filter(policy=illness_policy).count() == 1


def test_the_cancellation_quote_with_a_change_dated_ahead_is_what_cancel_refunds(
    api, illness_policy
):
    half_way(illness_policy)
    later = today() + 82 * DAY
    endorse(api, illness_policy, cover="150000.00", effective_date=ddmmyyyy(later))

    quoted = api.get(f"/api/v1/policies/{illness_policy.pk}/cancellation-quote/").json()
    refund = cancel(api, illness_policy).json()["refund"]

    assert quoted["refund"] == refund["amount"]
    for part in ("net_premium", "tax", "fees"):
        assert quoted["parts"][part] == refund[part]


def test_an_empty_date_in_the_preview_is_a_400_not_today(api, illness_policy):
    response = api.get(
        f"/api/v1/policies/{illness_policy.pk}/endorsement-quote/?cover=150000.00&effective_date="
    )

    assert response.status_code == 400
    assert "effective_date" in response.json()["errors"]


def test_an_endorsement_and_a_partners_commission_rate_keep_their_history(
    api, partner, illness_policy
):
    from customers.models import Partner
    from policies.models import Endorsement

    api.post(
        f"/api/v1/policies/{illness_policy.pk}/endorse/", {"cover": "150000.00"}, format="json"
    )
    partner.commission_rate = "12.50"
    partner.save()

    (record,) = Endorsement.history.all()
    assert record.history_user == partner.user  # who made the change
    rates = [str(r.commission_rate) for r in Partner.history.filter(id=partner.pk)]
    assert rates == ["12.50", "10.00", "0.00"]  # newest first
