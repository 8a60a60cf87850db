"""Cancellation as an attacker tries it: backdating, scheduling, and what hangs off a policy."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from policies.models import Payment, Policy
from policies.services import policy_renew
from policies.tests.factories import policy_for
from quotes.models import Product, Quote
from quotes.services import quote_accept

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = dt.timedelta(days=1)


def ddmmyyyy(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


@pytest.fixture
def pricey(personal_accident):
    """A premium of 200.00, as in the attacker's report."""
    terms = personal_accident.current_version
    terms.minimum_premium = Decimal("200.00")
    terms.save()
    return personal_accident


issued = policy_for


def cancel(client, policy, **body):
    return client.post(
        f"/api/v1/policies/{policy.pk}/cancel/",
        {"reason": "customer_request", **body},
        format="json",
    )


def test_a_partner_cannot_backdate_a_cancellation_350_days_in_to_refund_everything(
    api, customer, pricey
):
    policy = issued(customer, pricey, started=TODAY() - 350 * DAY)

    backdated = cancel(api, policy, effective_date=ddmmyyyy(policy.start_date))

    assert backdated.status_code == 400
    assert "effective_date" in backdated.json()["errors"]
    assert not Payment.objects.filter(kind="refund").exists()
    today = cancel(api, policy)
    assert today.status_code == 200
    assert today.json()["refund"]["amount"] == "8.22"  # 15 of 365 days of 200.00


def test_staff_may_backdate_with_a_note_and_refund_only_the_uncovered_days(
    staff_api, customer, pricey
):
    policy = issued(customer, pricey, started=TODAY() - 350 * DAY)
    effective = policy.start_date + 3 * DAY  # inside the cooling-off days, but asked today

    without_note = cancel(staff_api, policy, effective_date=ddmmyyyy(effective))
    with_note = cancel(
        staff_api, policy, effective_date=ddmmyyyy(effective), note="Customer died on that day."
    )

    assert without_note.status_code == 400
    assert "note" in without_note.json()["errors"]
    assert with_note.status_code == 200
    assert with_note.json()["state"] == "cancelled"
    assert with_note.json()["refund"]["amount"] == "198.36"  # 362 of 365 days, not 200.00
    assert Policy.objects.get().cancellation_note == "Customer died on that day."


def test_cooling_off_is_judged_on_the_day_of_the_request(api, customer, pricey):
    policy = issued(customer, pricey, started=TODAY() - 13 * DAY)  # the 14th day of cover

    response = cancel(api, policy)

    assert response.json()["refund"]["amount"] == "200.00"


def test_a_future_dated_cancellation_keeps_the_policy_active_until_its_day(api, customer, pricey):
    policy = issued(customer, pricey, started=TODAY() - 100 * DAY)
    effective = TODAY() + 7 * DAY

    body = cancel(api, policy, effective_date=ddmmyyyy(effective)).json()

    assert body["state"] == "active"
    assert body["cancels_on"] == ddmmyyyy(effective)
    assert body["cancelled_on"] is None
    assert body["cancellation_reason"] == "customer_request"
    assert body["refund"]["amount"] == "141.37"  # 258 of 365 days of 200.00, paid at once
    history = api.get(f"/api/v1/policies/{policy.pk}/history/").json()
    assert [entry["state"] for entry in history][-1] == "active"
    assert api.get("/api/v1/policies/?state=active").json()["count"] == 1


def test_a_scheduled_cancellation_reads_cancelled_from_its_day_and_the_job_records_it(
    api, customer, pricey
):
    policy = issued(customer, pricey, started=TODAY() - 100 * DAY)
    from policies.services import policy_cancel

    policy_cancel(
        policy_id=policy.pk,
        reason="customer_request",
        effective_date=TODAY(),
        now=timezone.now() - 7 * DAY,  # asked for a week ago, for today
    )

    read = api.get(f"/api/v1/policies/{policy.pk}/").json()
    assert (read["state"], read["cancelled_on"], read["cancels_on"]) == (
        "cancelled",
        ddmmyyyy(TODAY()),
        None,
    )
    assert Policy.objects.get().state == "active"  # not recorded yet
    call_command("expire_policies")
    assert Policy.objects.get().state == "cancelled"
    history = api.get(f"/api/v1/policies/{policy.pk}/history/").json()
    assert [entry["state"] for entry in history][-2:] == ["active", "cancelled"]
    assert history[-1]["reason"] == "customer_request"


def test_a_scheduled_cancellation_cannot_be_scheduled_again(api, customer, pricey):
    policy = issued(customer, pricey, started=TODAY() - 100 * DAY)
    cancel(api, policy, effective_date=ddmmyyyy(TODAY() + 7 * DAY))

    again = cancel(api, policy)

    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert Payment.objects.filter(kind="refund").count() == 1


# Renewal and cancellation


def test_cancelling_declines_the_open_renewal_quote_which_can_never_be_paid(
    api, customer, personal_accident
):
    policy = issued(customer, personal_accident, started=TODAY() - 350 * DAY)
    renewal = api.post(f"/api/v1/policies/{policy.pk}/renew/").json()
    api.post(f"/api/v1/quotes/{renewal['id']}/accept/")

    cancel(api, policy)

    assert api.get(f"/api/v1/quotes/{renewal['id']}/").json()["state"] == "declined"
    paid = api.post(f"/api/v1/quotes/{renewal['id']}/pay/")
    assert paid.status_code == 409
    assert Policy.objects.count() == 1


def test_a_policy_with_a_scheduled_cancellation_cannot_be_renewed(api, customer, personal_accident):
    policy = issued(customer, personal_accident, started=TODAY() - 350 * DAY)
    cancel(api, policy, effective_date=ddmmyyyy(TODAY() + 3 * DAY))

    response = api.post(f"/api/v1/policies/{policy.pk}/renew/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_a_renewal_quote_of_a_cancelled_policy_is_refused_even_if_still_open(
    api, customer, personal_accident
):
    # As if the cancel had raced ahead of the decline: the renewal quote is still accepted.
    policy = issued(customer, personal_accident, started=TODAY() - 350 * DAY)
    renewal = policy_renew(policy_id=policy.pk)
    quote_accept(quote_id=renewal.pk)
    Policy.objects.filter(pk=policy.pk).update(state="cancelled", cancelled_on=TODAY())

    response = api.post(f"/api/v1/quotes/{renewal.pk}/pay/")

    assert response.status_code == 409
    assert Quote.objects.get(pk=renewal.pk).state == "accepted"
    assert Policy.objects.count() == 1


def test_a_renewal_quote_expires_with_the_cover_it_renews(api, customer, personal_accident):
    policy = issued(customer, personal_accident, started=TODAY() - 350 * DAY)

    renewal = policy_renew(policy_id=policy.pk)

    assert timezone.localtime(renewal.valid_until).date() == policy.end_date


def test_a_renewal_paid_after_the_old_policy_ended_is_refused_not_backdated(
    api, customer, personal_accident
):
    # Policy 42 of the report: renewed while active, paid after its term was over.
    policy = issued(customer, personal_accident, started=TODAY() - 371 * DAY)  # ended 7 days ago
    renewal = policy_renew(policy_id=policy.pk, now=timezone.now() - 10 * DAY)

    response = api.post(f"/api/v1/quotes/{renewal.pk}/pay/")

    assert response.status_code == 409
    assert response.json()["code"] == "quote_expired"
    assert Policy.objects.count() == 1


def test_renew_and_cancel_together_leave_no_payable_renewal(api, customer, personal_accident):
    policy = issued(customer, personal_accident, started=TODAY() - 350 * DAY)

    renewed = api.post(f"/api/v1/policies/{policy.pk}/renew/")
    cancelled = cancel(api, policy)

    assert (renewed.status_code, cancelled.status_code) == (201, 200)
    open_quotes = Quote.objects.in_current_state("quoted") | Quote.objects.in_current_state(
        "accepted"
    )
    assert not open_quotes.exists()


def test_a_partner_cannot_add_the_staff_note(api, customer, pricey):
    policy = issued(customer, pricey)

    response = cancel(api, policy, note="because I say so")

    assert response.status_code == 400
    assert "note" in response.json()["errors"]
    assert Policy.objects.get().state == "active"


# Cooling-off by product type: pure protection 30 days, the others 14, as sold.


def test_a_term_life_cancellation_on_day_25_is_a_full_refund(api, customer):
    policy = policy_for(customer, "term-life", started=timezone.localdate() - dt.timedelta(24))

    body = cancel(api, policy, reason="customer_request").json()

    assert body["cooling_off_days"] == 30
    assert Decimal(body["refund"]["amount"]) == policy.premium


def test_a_personal_accident_cancellation_on_day_25_is_pro_rata(api, customer):
    started = timezone.localdate() - dt.timedelta(24)
    policy = policy_for(customer, "personal-accident", started=started)

    body = cancel(api, policy, reason="customer_request").json()

    assert body["cooling_off_days"] == 14
    refunded = Decimal(body["refund"]["amount"])
    assert 0 < refunded < policy.premium
    days = (policy.end_date - timezone.localdate()).days + 1
    assert refunded == (policy.premium * days / 365).quantize(Decimal("0.01"))


def test_a_policy_keeps_the_cooling_off_it_was_sold_with(api, customer):
    policy = policy_for(
        customer, "critical-illness", started=timezone.localdate() - dt.timedelta(19)
    )
    product = Product.objects.get(code="critical-illness")
    product.cooling_off_days = 14  # changed after the sale
    product.save()

    body = cancel(api, policy, reason="customer_request").json()

    assert body["cooling_off_days"] == 30
    assert body["refund"]["amount"] == str(policy.premium)  # day 20 of its 30: everything
