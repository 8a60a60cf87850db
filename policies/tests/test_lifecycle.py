"""After the sale: quote expiry and decline, cancellation with refund, policy expiry, renewal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from myproject.lifecycle import expire_due
from policies.models import Payment, Policy
from policies.refunds import cancellation_refund
from policies.services import policy_cancel, policy_issue, policy_term
from quotes.models import Quote
from quotes.pricing import PremiumParts
from quotes.services import quote_accept, quote_create

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = dt.timedelta(days=1)


def issue(customer, product, **kwargs) -> Policy:
    quote = quote_create(customer=customer, product=product)
    quote_accept(quote_id=quote.pk)
    return policy_issue(quote_id=quote.pk, **kwargs)


def set_term(policy: Policy, start: dt.date) -> Policy:
    """Test set-up: move an issued policy's term (a plain save, so history sees it)."""
    policy.start_date, policy.end_date = policy_term(start)
    policy.save()
    return policy


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return dt.date(day.year - years, 2, 28)


def stale_quote(customer, product) -> Quote:
    return quote_create(
        customer=customer, product=product, now=timezone.now() - dt.timedelta(days=31)
    )


# Quote expiry


def test_a_quote_past_its_validity_reads_expired_before_any_job_runs(
    api, customer, personal_accident
):
    stale = stale_quote(customer, personal_accident)
    fresh = quote_create(customer=customer, product=personal_accident)

    def ids(**params):
        return [q["id"] for q in api.get("/api/v1/quotes/", params).json()["results"]]

    assert api.get(f"/api/v1/quotes/{stale.pk}/").json()["state"] == "expired"
    assert ids(state="expired") == [stale.pk]
    assert ids(state="quoted") == [fresh.pk]
    assert stale.history.count() == 1


@pytest.mark.parametrize("action", ["accept", "pay", "decline"])
def test_an_expired_quote_can_never_be_used(api, customer, personal_accident, action):
    quote = quote_create(customer=customer, product=personal_accident)
    quote_accept(quote_id=quote.pk) if action == "pay" else None
    quote.valid_until = timezone.now() - dt.timedelta(seconds=1)
    quote.save()

    response = api.post(f"/api/v1/quotes/{quote.pk}/{action}/")

    assert response.status_code == 409
    assert response.json()["code"] == "quote_expired"
    assert not Policy.objects.exists()


def test_expire_quotes_records_the_transition_once(customer, personal_accident, capsys):
    stale = stale_quote(customer, personal_accident)
    fresh = quote_create(customer=customer, product=personal_accident)

    call_command("expire_quotes", "--batch-size", "1")
    call_command("expire_quotes")

    assert capsys.readouterr().out.splitlines() == [
        "Recorded 1 quotes as changed by time.",
        "Recorded 0 quotes as changed by time.",
    ]
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.state, fresh.state) == ("expired", "quoted")
    latest = stale.history.latest()
    assert (latest.state, latest.history_change_reason) == ("expired", "validity ended")
    assert stale.history.count() == 2


def test_the_expiry_job_reads_what_each_quotes_event_shows_with_the_quotes(
    customer, personal_accident
):
    for _ in range(3):
        stale_quote(customer, personal_accident)

    with CaptureQueriesContext(connection) as captured:
        assert expire_due(Quote) == 3

    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    related = ("quotes_product", "quotes_rateversion", "customers_partner")
    assert not [sql for sql in reads if sql.split(" FROM ")[1].strip('"').startswith(related)]


def test_an_expired_quote_stays_expired_after_the_job(api, customer, personal_accident):
    stale = stale_quote(customer, personal_accident)
    call_command("expire_quotes")

    response = api.post(f"/api/v1/quotes/{stale.pk}/accept/")

    assert response.status_code == 409
    assert response.json()["code"] == "quote_expired"


# Decline


@pytest.mark.parametrize("accepted", [False, True])
def test_a_quoted_or_accepted_quote_can_be_declined(api, quote, accepted):
    if accepted:
        quote_accept(quote_id=quote.pk)

    response = api.post(
        f"/api/v1/quotes/{quote.pk}/decline/", {"reason": "too expensive"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["state"] == "declined"
    latest = quote.history.latest()
    assert (latest.state, latest.history_change_reason) == ("declined", "too expensive")


def test_declined_and_paid_quotes_cannot_be_declined(api, quote, accepted_quote):
    api.post(f"/api/v1/quotes/{quote.pk}/pay/")

    paid = api.post(f"/api/v1/quotes/{quote.pk}/decline/")

    assert paid.status_code == 409
    other = quote_create(customer=quote.customer, product=quote.product)
    assert api.post(f"/api/v1/quotes/{other.pk}/decline/").status_code == 200
    assert api.post(f"/api/v1/quotes/{other.pk}/decline/").status_code == 409
    assert api.post(f"/api/v1/quotes/{other.pk}/accept/").status_code == 409


# Cancellation


def test_cancelling_in_the_cooling_off_period_refunds_the_whole_premium(
    api, customer, personal_accident
):
    policy = issue(customer, personal_accident)

    response = api.post(
        f"/api/v1/policies/{policy.pk}/cancel/", {"reason": "customer_request"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "cancelled"
    assert body["cancellation_reason"] == "customer_request"
    assert body["cancelled_on"] == TODAY().strftime("%d-%m-%Y")
    assert body["refund"]["amount"] == body["premium"] == "100.00"
    assert body["refund"]["kind"] == "refund"
    assert body["payment"]["status"] == "refunded"  # the charge, refunded in whole


def test_a_later_cancellation_refunds_the_unused_days(api, customer, personal_accident):
    policy = set_term(issue(customer, personal_accident), TODAY() - dt.timedelta(days=100))
    effective = TODAY() + dt.timedelta(days=10)

    response = api.post(
        f"/api/v1/policies/{policy.pk}/cancel/",
        {"reason": "other", "effective_date": effective.strftime("%d-%m-%Y")},
        format="json",
    )

    paid = PremiumParts(Decimal("100.00"), Decimal(0), Decimal(0), Decimal(0))
    expected = cancellation_refund(
        paid=paid,
        annual=paid,
        start=policy.start_date,
        end=policy.end_date,
        effective=effective,
        requested_on=TODAY(),
        cooling_off_days=14,
        currency="AED",
    ).amount
    assert response.status_code == 200
    assert Decimal(response.json()["refund"]["amount"]) == expected
    assert Decimal("0") < expected < Decimal("100.00")
    assert Payment.objects.filter(kind="refund").count() == 1
    assert response.json()["state"] == "active"  # until the effective date
    assert response.json()["cancels_on"] == effective.strftime("%d-%m-%Y")


def test_an_iso_effective_date_is_accepted(api, customer, personal_accident):
    policy = issue(customer, personal_accident)

    response = api.post(
        f"/api/v1/policies/{policy.pk}/cancel/",
        {"reason": "fraud", "effective_date": TODAY().isoformat()},
        format="json",
    )

    assert response.status_code == 200


def test_cancelling_an_invoiced_policy_cancels_the_invoice_and_refunds_nothing(
    api, customer, personal_accident
):
    policy = issue(customer, personal_accident, payment_method="invoice")

    body = api.post(
        f"/api/v1/policies/{policy.pk}/cancel/", {"reason": "non_payment"}, format="json"
    ).json()

    assert body["state"] == "cancelled"
    assert body["payment"]["status"] == "cancelled"
    assert body["refund"] is None
    assert not Payment.objects.filter(kind="refund").exists()


def test_cancelling_twice_is_a_conflict_and_refunds_once(api, customer, personal_accident):
    policy = issue(customer, personal_accident)
    api.post(f"/api/v1/policies/{policy.pk}/cancel/", {"reason": "other"}, format="json")

    response = api.post(f"/api/v1/policies/{policy.pk}/cancel/", {"reason": "other"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Payment.objects.filter(kind="refund").count() == 1


def test_cancelling_an_expired_policy_is_a_conflict(api, customer, personal_accident):
    policy = set_term(issue(customer, personal_accident), TODAY() - dt.timedelta(days=400))

    response = api.post(f"/api/v1/policies/{policy.pk}/cancel/", {"reason": "other"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "policy_expired"
    policy.refresh_from_db()
    assert policy.state == "active"
    assert not Payment.objects.filter(kind="refund").exists()


@pytest.mark.parametrize("days", [-1, 365, 1000])
def test_an_effective_date_outside_the_term_is_refused(api, customer, personal_accident, days):
    policy = issue(customer, personal_accident)
    effective = policy.start_date + dt.timedelta(days=days)

    response = api.post(
        f"/api/v1/policies/{policy.pk}/cancel/",
        {"reason": "other", "effective_date": effective.strftime("%d-%m-%Y")},
        format="json",
    )

    assert response.status_code == 400
    assert "effective_date" in response.json()["errors"]
    policy.refresh_from_db()
    assert policy.state == "active"


@pytest.mark.parametrize(
    "body", [{}, {"reason": "bored"}, {"reason": "other", "effective_date": "31-02-2026"}]
)
def test_a_cancellation_needs_a_documented_reason(api, customer, personal_accident, body):
    policy = issue(customer, personal_accident)

    response = api.post(f"/api/v1/policies/{policy.pk}/cancel/", body, format="json")

    assert response.status_code == 400
    assert Policy.objects.get().state == "active"


def test_the_assessment_sequence_then_cancel_tells_the_whole_story(api, customer):
    quote = api.post(
        "/api/v1/quote/", {"customer_id": customer.pk, "type": "personal-accident"}, format="json"
    ).json()
    api.post("/api/v1/quote/", {"quote_id": quote["id"], "status": "accepted"}, format="json")
    api.post("/api/v1/quote/", {"quote_id": quote["id"], "status": "active"}, format="json")
    api.post(
        f"/api/v1/policies/{quote['id']}/cancel/", {"reason": "customer_request"}, format="json"
    )

    history = api.get(f"/api/v1/policies/{quote['id']}/history/").json()
    policy = api.get(f"/api/v1/policies/{quote['id']}/").json()

    assert [entry["state"] for entry in history] == ["quoted", "accepted", "active", "cancelled"]
    assert history[-1]["reason"] == "customer_request"
    assert history[-1]["by"] == "Partner A"
    assert policy["refund"]["amount"] == "100.00"


# Policy expiry


def test_a_policy_past_its_end_reads_expired_and_the_job_records_it_once(
    api, customer, personal_accident, capsys
):
    ended = set_term(issue(customer, personal_accident), TODAY() - dt.timedelta(days=366))
    running = issue(customer, personal_accident)

    assert api.get(f"/api/v1/policies/{ended.pk}/").json()["state"] == "expired"
    expired_ids = [p["id"] for p in api.get("/api/v1/policies/?state=expired").json()["results"]]
    assert expired_ids == [ended.pk]

    call_command("expire_policies")
    call_command("expire_policies")

    assert capsys.readouterr().out.splitlines() == [
        "Recorded 1 policies as changed by time.",
        "Recorded 0 policies as changed by time.",
    ]
    ended.refresh_from_db()
    running.refresh_from_db()
    assert (ended.state, running.state) == ("expired", "active")
    history = api.get(f"/api/v1/policies/{ended.pk}/history/").json()
    assert [entry["state"] for entry in history] == ["quoted", "accepted", "active", "expired"]


# Renewal


def test_renewing_too_early_is_a_conflict(api, customer, personal_accident):
    policy = issue(customer, personal_accident)

    response = api.post(f"/api/v1/policies/{policy.pk}/renew/")

    assert response.status_code == 409
    assert response.json()["code"] == "renewal_too_early"
    opens = policy.end_date - dt.timedelta(days=30)
    assert response.json()["renewable_from"] == opens.strftime("%d-%m-%Y")


def test_a_renewal_is_priced_at_the_age_on_its_start_and_starts_after_the_old_end(
    api, partner, personal_accident
):
    policy_start = TODAY() - dt.timedelta(days=345)
    renewal_start = policy_term(policy_start)[1] + dt.timedelta(days=1)
    # 29 today, 30 on the day the renewal starts: a dearer age band
    customer = CustomerFactory(partner=partner, dob=years_before(renewal_start, 30))
    policy = set_term(issue(customer, personal_accident), policy_start)
    assert policy.quote.age_band == "18-29"

    renewal = api.post(f"/api/v1/policies/{policy.pk}/renew/")

    assert renewal.status_code == 201
    quote = renewal.json()
    assert (quote["rated_age"], quote["age_band"], quote["premium"]) == (30, "30-44", "100.00")
    assert api.get(f"/api/v1/policies/{policy.pk}/").json()["renewal_quote"] == quote["id"]
    api.post(f"/api/v1/quotes/{quote['id']}/accept/")
    next_policy = api.post(f"/api/v1/quotes/{quote['id']}/pay/").json()
    assert next_policy["start_date"] == renewal_start.strftime("%d-%m-%Y")
    assert next_policy["state"] == "active"


def test_a_policy_is_renewed_once(api, customer, personal_accident):
    policy = set_term(issue(customer, personal_accident), TODAY() - dt.timedelta(days=350))

    first = api.post(f"/api/v1/policies/{policy.pk}/renew/")
    again = api.post(f"/api/v1/policies/{policy.pk}/renew/")

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["code"] == "already_renewed"
    api.post(f"/api/v1/quotes/{first.json()['id']}/decline/")
    assert api.post(f"/api/v1/policies/{policy.pk}/renew/").status_code == 201


@pytest.mark.parametrize("ended", ["cancelled", "expired"])
def test_an_ended_policy_cannot_be_renewed(api, customer, personal_accident, ended):
    policy = set_term(issue(customer, personal_accident), TODAY() - dt.timedelta(days=350))
    if ended == "cancelled":
        api.post(f"/api/v1/policies/{policy.pk}/cancel/", {"reason": "other"}, format="json")
    else:
        set_term(policy, TODAY() - dt.timedelta(days=400))

    response = api.post(f"/api/v1/policies/{policy.pk}/renew/")

    assert response.status_code == 409
    assert response.json()["state"] == ended


def test_a_customer_too_old_at_renewal_is_refused(api, partner, personal_accident):
    policy_start = TODAY() - dt.timedelta(days=350)
    renewal_start = policy_term(policy_start)[1] + dt.timedelta(days=1)
    customer = CustomerFactory(partner=partner, dob=years_before(renewal_start, 76))
    policy = set_term(issue(customer, personal_accident), policy_start)

    response = api.post(f"/api/v1/policies/{policy.pk}/renew/")

    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert Policy.objects.get().renewal_quote is None


def test_the_policy_state_filter_agrees_with_the_state_every_read_shows(
    customer, personal_accident
):
    recorded = set_term(issue(customer, personal_accident), TODAY() - dt.timedelta(days=500))
    expire_due(Policy)  # recorded as expired; the next one only reads as expired
    set_term(issue(customer, personal_accident), TODAY() - dt.timedelta(days=400))
    issue(customer, personal_accident)
    cancelled = issue(customer, personal_accident)
    policy_cancel(policy_id=cancelled.pk, reason="other")
    scheduled = issue(customer, personal_accident)  # reads active until its date
    policy_cancel(policy_id=scheduled.pk, reason="other", effective_date=TODAY() + DAY)
    took_effect = set_term(issue(customer, personal_accident), TODAY() - 20 * DAY)
    policy_cancel(  # scheduled ten days ago for three days ago: reads cancelled before the job
        policy_id=took_effect.pk,
        reason="other",
        effective_date=TODAY() - 3 * DAY,
        now=timezone.now() - 10 * DAY,
    )
    behind = issue(customer, personal_accident, plan="monthly")  # reads in grace
    behind.next_due = TODAY() - 2 * DAY
    behind.save()

    annotated = Policy.objects.with_current_state()
    for state in Policy.State.values:
        shown = {p.pk for p in annotated if p.current_state == state}
        assert shown, state
        assert set(Policy.objects.in_current_state(state).values_list("pk", flat=True)) == shown
    recorded.refresh_from_db()
    assert recorded.state == "expired"


# Showing renewal and expiry locally


def test_demo_time_travel_makes_a_demo_policy_renewable_then_expired(
    api, customer, personal_accident, settings, capsys
):
    settings.DEBUG = True
    policy = issue(customer, personal_accident)

    call_command("demo_time_travel", "--policy", str(policy.pk), "--days", "340")
    renewal = api.post(f"/api/v1/policies/{policy.pk}/renew/")
    call_command("demo_time_travel", "--policy", str(policy.pk), "--days", "60")

    assert renewal.status_code == 201
    assert api.get(f"/api/v1/policies/{policy.pk}/").json()["state"] == "expired"
    assert "reads expired" in capsys.readouterr().out


def test_demo_time_travel_moves_a_monthly_policys_instalments_into_grace_then_lapse(
    api, customer, personal_accident, settings, capsys
):
    settings.DEBUG = True
    policy = issue(customer, personal_accident, plan="monthly")

    call_command("demo_time_travel", "--policy", str(policy.pk), "--days", "40")
    in_grace = api.get(f"/api/v1/policies/{policy.pk}/").json()
    call_command("demo_time_travel", "--policy", str(policy.pk), "--days", "30")
    call_command("lapse_policies")

    assert in_grace["state"] == "in_grace"
    assert in_grace["instalments"][1]["due_date"] == in_grace["next_due"]
    lapsed = api.get(f"/api/v1/policies/{policy.pk}/").json()
    assert lapsed["state"] == "cancelled"
    due = dt.datetime.strptime(in_grace["next_due"], "%d-%m-%Y").date() - 30 * DAY
    assert lapsed["cancelled_on"] == due.strftime("%d-%m-%Y")  # moved back again, then lapsed
    assert "Lapsed 1 policies" in capsys.readouterr().out


def test_demo_time_travel_is_refused_outside_demo_data(customer, personal_accident, settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    policy = issue(customer, personal_accident)

    with pytest.raises(CommandError, match="Only on demo data"):
        call_command("demo_time_travel", "--policy", str(policy.pk), "--days", "10")

    policy.refresh_from_db()
    assert policy.start_date == TODAY()
