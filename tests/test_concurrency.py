"""Races with real threads and real transactions: one effect, the loser gets 409, never 500.

They run on SQLite (a file database, writers queue) and on PostgreSQL (row locks).
"""

import datetime as dt
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connections
from django.test import Client
from django.utils import timezone
from werkzeug import Response

from customers.models import Customer
from customers.tests.factories import CustomerFactory, PartnerFactory, partner_token
from myproject.webhooks.models import Attempt, Delivery
from myproject.webhooks.sending import deliver
from myproject.webhooks.services import endpoint_create
from policies.models import Instalment, Payment, Policy
from policies.services import lapse_due, policy_issue
from quotes.models import Product, Quote, RateVersion
from quotes.services import quote_accept, quote_create
from quotes.tests.helpers import version_form
from tests.helpers import born_years_ago, client_with_token

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def at_once(*calls):
    """Run the calls in threads released together by a barrier; return their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = []

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # surfaced below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture
def token_and_quote():
    partner = PartnerFactory()
    customer = CustomerFactory(partner=partner, dob=born_years_ago(35))
    quote = quote_create(customer=customer, product=Product.objects.get(code="personal-accident"))
    return partner_token(partner), quote


def post(token, path, body=None, **headers):
    response = client_with_token(token).post(
        f"/api/v1/{path}", body or {}, format="json", **headers
    )
    return response.status_code


def test_two_simultaneous_payments_issue_one_policy_and_one_charge(token_and_quote):
    token, quote = token_and_quote
    quote_accept(quote_id=quote.pk)

    statuses = at_once(*[lambda: post(token, f"quotes/{quote.pk}/pay/")] * 2)

    assert sorted(statuses) == [200, 409]
    assert Policy.objects.count() == 1
    assert Payment.objects.count() == 1
    assert Policy.objects.get().history.count() == 1
    assert quote.history.filter(state=Quote.State.PAID).count() == 1


def test_two_simultaneous_accepts_accept_once(token_and_quote):
    token, quote = token_and_quote

    statuses = at_once(*[lambda: post(token, f"quotes/{quote.pk}/accept/")] * 2)

    assert sorted(statuses) == [200, 409]
    assert list(quote.history.order_by("history_id").values_list("state", flat=True)) == [
        "quoted",
        "accepted",
    ]


def test_the_same_idempotency_key_sent_at_once_has_one_effect(token_and_quote):
    token, _ = token_and_quote
    body = {"first_name": "Joe", "last_name": "Root", "dob": "30-12-1990"}
    customers_before = Customer.objects.count()

    statuses = at_once(
        *[lambda: post(token, "create_customer/", body, HTTP_IDEMPOTENCY_KEY="race")] * 3
    )

    assert Customer.objects.count() == customers_before + 1
    assert set(statuses) <= {201, 409}
    assert 201 in statuses


def test_the_database_refuses_a_second_charge_for_one_policy(token_and_quote):
    token, quote = token_and_quote
    quote_accept(quote_id=quote.pk)
    assert post(token, f"quotes/{quote.pk}/pay/") == 200
    charge = Payment.objects.get()

    with pytest.raises(IntegrityError):
        Payment.objects.create(
            policy=charge.policy,
            amount=charge.amount,
            currency=charge.currency,
            method=charge.method,
            status=charge.status,
            reference="PAY-SECOND",
        )


@pytest.fixture
def token_and_renewable_policy():
    import datetime as dt

    from django.utils import timezone

    from policies.services import policy_issue, policy_term

    partner = PartnerFactory()
    customer = CustomerFactory(partner=partner, dob=born_years_ago(35))
    quote = quote_create(customer=customer, product=Product.objects.get(code="personal-accident"))
    quote_accept(quote_id=quote.pk)
    policy = policy_issue(quote_id=quote.pk)
    policy.start_date, policy.end_date = policy_term(timezone.localdate() - dt.timedelta(days=350))
    policy.save()
    return partner_token(partner), policy


def test_a_renew_and_a_cancel_together_leave_no_payable_renewal(token_and_renewable_policy):
    token, policy = token_and_renewable_policy

    renewed, cancelled = at_once(
        lambda: post(token, f"policies/{policy.pk}/renew/"),
        lambda: post(token, f"policies/{policy.pk}/cancel/", {"reason": "other"}),
    )

    assert cancelled == 200
    assert renewed in (201, 409)
    assert Policy.objects.get(pk=policy.pk).state == "cancelled"
    assert not Quote.objects.exclude(pk=policy.pk).filter(state__in=["quoted", "accepted"])


def test_paying_a_renewal_while_its_policy_is_cancelled_never_deadlocks(
    token_and_renewable_policy,
):
    from policies.services import policy_renew

    token, policy = token_and_renewable_policy
    renewal = policy_renew(policy_id=policy.pk)
    quote_accept(quote_id=renewal.pk)

    paid, cancelled = at_once(
        lambda: post(token, f"quotes/{renewal.pk}/pay/"),
        lambda: post(token, f"policies/{policy.pk}/cancel/", {"reason": "other"}),
    )

    assert cancelled == 200
    assert paid in (200, 409)
    renewal.refresh_from_db()
    assert renewal.state == ("paid" if paid == 200 else "declined")
    assert Policy.objects.count() == (2 if paid == 200 else 1)


def test_two_customers_with_one_reference_at_once_make_one_and_a_409(token_and_quote):
    token, _ = token_and_quote
    body = {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991", "external_ref": "R-1"}

    statuses = at_once(*[lambda: post(token, "create_customer/", body) for _ in range(2)])

    assert sorted(statuses) == [201, 409]
    assert Customer.objects.filter(external_ref="R-1").count() == 1


def test_two_changes_of_cover_at_once_charge_once_and_an_endorse_and_a_cancel_never_both_win(
    token_and_renewable_policy,
):
    token, policy = token_and_renewable_policy
    body = {"cover": "75000.00"}

    statuses = at_once(*[lambda: post(token, f"policies/{policy.pk}/endorse/", body)] * 2)

    assert sorted(statuses) == [200, 400]  # the second finds the cover already 75,000
    assert Payment.objects.filter(policy=policy, kind="charge").count() == 2  # issue + change
    endorsed, cancelled = at_once(
        lambda: post(token, f"policies/{policy.pk}/endorse/", {"cover": "50000.00"}),
        lambda: post(token, f"policies/{policy.pk}/cancel/", {"reason": "other"}),
    )
    policy.refresh_from_db()
    assert cancelled == 200
    assert endorsed in (200, 409)  # before the cancellation, or refused after it
    assert policy.state == "cancelled"
    charges = Payment.objects.filter(policy=policy, kind="charge")
    refunds = Payment.objects.filter(policy=policy, kind="refund")
    paid = sum(p.amount for p in charges) - sum(p.amount for p in refunds)
    assert paid > 0  # never more given back than was taken


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


def test_two_workers_never_deliver_the_same_try_twice(token_and_quote, httpserver, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    # A receiver slow enough that the two workers' tries would overlap.
    httpserver.expect_request("/hooks").respond_with_handler(
        lambda request: (time.sleep(0.3), Response("ok"))[1]
    )
    _, quote = token_and_quote
    endpoint_create(owner_id=quote.partner.user_id, url=httpserver.url_for("/hooks"), events=["*"])
    quote_accept(quote_id=quote.pk)  # quote.accepted, delivered below by two workers at once
    delivery = Delivery.objects.get()

    attempts = at_once(*[lambda: deliver(delivery.pk) for _ in range(2)])

    assert len(httpserver.log) == 1
    assert sum(attempt is not None for attempt in attempts) == 1
    assert Attempt.objects.count() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries) == (Delivery.Status.DELIVERED, 1)


def test_a_slow_transaction_never_makes_a_poller_skip_its_event():
    """A change that commits after a quicker one takes its place in the feed before it: a
    poller that has read the quicker one's event still gets the slow one's (with insert-time
    numbering, the slow one's event came before the poller's `after` and was never seen)."""
    from django.db import transaction

    from myproject.webhooks.outbox import record

    partner = PartnerFactory()
    token = partner_token(partner)
    slow_has_written = threading.Event()
    seen: list[list[str]] = []

    def slow():
        with transaction.atomic():
            record("quote.created", owner_id=partner.user_id, data={"n": "slow"})
            slow_has_written.set()
            time.sleep(1.5)  # still open while the quick one tries and the poller reads

    def quick():
        slow_has_written.wait(5)
        with transaction.atomic():
            record("quote.created", owner_id=partner.user_id, data={"n": "quick"})

    def poll():
        slow_has_written.wait(5)
        time.sleep(0.5)
        feed = client_with_token(token).get("/api/v1/events/").json()["results"]
        seen.append([event["data"]["n"] for event in feed])

    at_once(slow, quick, poll)
    feed = client_with_token(token).get("/api/v1/events/").json()["results"]

    assert seen == [[]]  # neither shows while the slow one is open
    assert [event["data"]["n"] for event in feed] == ["slow", "quick"]  # in commit order
    later = client_with_token(token).get("/api/v1/events/", {"after": feed[0]["id"]})
    assert [event["data"]["n"] for event in later.json()["results"]] == ["quick"]


@pytest.fixture
def token_and_monthly_policy(token_and_quote):
    token, quote = token_and_quote
    quote_accept(quote_id=quote.pk)
    return token, policy_issue(quote_id=quote.pk, plan="monthly")


def overdue(policy: Policy, days: int) -> Instalment:
    """Test set-up: the second instalment fell due `days` ago, unpaid."""
    second = Instalment.objects.get(policy=policy, number=2)
    second.due_date = policy.next_due = timezone.localdate() - dt.timedelta(days=days)
    second.save()
    policy.save()
    return second


def test_two_simultaneous_collections_of_one_instalment_charge_once(token_and_monthly_policy):
    token, policy = token_and_monthly_policy
    second = Instalment.objects.get(policy=policy, number=2)

    statuses = at_once(*[lambda: post(token, f"instalments/{second.pk}/pay/")] * 2)

    assert sorted(statuses) == [200, 409]
    assert Payment.objects.filter(policy=policy).count() == 2  # the first, and this one
    assert second.history.filter(status="paid").count() == 1


@pytest.mark.parametrize(("late_by", "lapses"), [(30, False), (31, True)])
def test_a_collection_and_the_lapse_job_at_once_have_one_effect(
    token_and_monthly_policy, late_by, lapses
):
    token, policy = token_and_monthly_policy
    second = overdue(policy, late_by)  # grace is 30 days: the last day of it, or the day after

    status, lapsed = at_once(lambda: post(token, f"instalments/{second.pk}/pay/"), lapse_due)

    policy.refresh_from_db()
    second.refresh_from_db()
    if lapses:
        assert (status, lapsed) == (409, 1)
        assert (policy.state, second.status) == ("cancelled", "cancelled")
        assert second.payment_id is None
    else:
        assert (status, lapsed) == (200, 0)
        assert (policy.state, second.status) == ("active", "paid")


def test_two_quotes_with_one_reference_at_once_make_one_and_a_409(token_and_quote):
    token, quote = token_and_quote
    body = {"customer": quote.customer_id, "type": "term-life", "partner_reference": "R-1"}

    statuses = at_once(*[lambda: post(token, "quotes/", body)] * 2)

    assert sorted(statuses) == [201, 409]
    assert Quote.objects.filter(partner_reference="R-1").count() == 1


def test_two_staff_saving_versions_for_one_day_at_once_make_one_and_a_form_error():
    staff = get_user_model().objects.create_superuser("staff", "s@example.com", "pw")
    current = Product.objects.get(code="term-life").current_version
    form = version_form(current, effective_from=timezone.localdate() + dt.timedelta(days=40))

    def save():
        client = Client()
        client.force_login(staff)
        return client.post("/admin/quotes/rateversion/add/", form).status_code

    statuses = at_once(save, save)

    assert sorted(statuses) == [200, 302]  # the second is told on its form, not a 500
    assert RateVersion.objects.filter(product=current.product).count() == 2
