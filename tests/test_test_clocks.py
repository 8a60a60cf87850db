"""Test clocks: a sandbox partner's customers live at a clock's time, and moving it forward
brings their quotes, policies and instalments through each day as real time would: the same
states, history and events, in the same order. Live partners have no clocks."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from customers import models as customer_models
from customers.clocks import noon
from customers.services import partner_token_create
from myproject.lifecycle import expire_due
from myproject.webhooks.models import Event
from policies.models import Policy
from quotes.models import Quote
from tests.helpers import client_with_token, ddmmyyyy

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
BEN = {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"}


@pytest.fixture
def sandbox():
    partner, token = partner_token_create(name="Sandbox Ltd", sandbox=True)
    client = client_with_token(token)
    client.partner = partner
    return client


def post(client, path, body=None, status=200):
    response = client.post(path, body or {}, format="json")
    assert response.status_code == status, (path, response.content)
    return response.json()


def clocked_customer(client, start=None) -> tuple[dict, dict]:
    clock = post(client, "/api/v1/test-clocks/", {"start": start} if start else {}, 201)
    customer = post(client, "/api/v1/customers/", {**BEN, "test_clock": clock["id"]}, 201)
    return clock, customer


def sold(client, customer, code="personal-accident", **payment) -> dict:
    quote = post(client, "/api/v1/quotes/", {"customer": customer["id"], "type": code}, 201)
    post(client, f"/api/v1/quotes/{quote['id']}/accept/")
    return post(client, f"/api/v1/quotes/{quote['id']}/pay/", payment)


def advance(client, clock, to: dt.date):
    return client.post(
        f"/api/v1/test-clocks/{clock['id']}/advance/", {"to": ddmmyyyy(to)}, format="json"
    )


def story(client, policy_id: int, owner) -> tuple[list, list, str]:
    history = client.get(f"/api/v1/policies/{policy_id}/history/").json()
    types = [
        e.type
        for e in Event.objects.filter(owner=owner).order_by("position")
        if e.type.split(".")[0] in {"policy", "instalment"}
    ]
    state = client.get(f"/api/v1/policies/{policy_id}/").json()["state"]
    return [h["state"] for h in history], types, state


def test_a_monthly_policy_on_a_clock_lapses_as_it_would_in_real_time(sandbox, api, customer):
    today = timezone.localdate()
    target = today + 75 * DAY  # past the second instalment's grace
    clock, clocked = clocked_customer(sandbox)
    on_clock = sold(sandbox, clocked, plan="monthly")
    live = sold(api, {"id": customer.pk}, plan="monthly")

    moved = advance(sandbox, clock, target)
    day = today
    while day < target:  # real time: the periodic jobs once a day
        day += DAY
        with freeze_time(noon(day)):
            for job in ("expire_instalments", "lapse_policies", "expire_policies"):
                call_command(job, verbosity=0)

    assert moved.status_code == 200
    assert moved.json()["today"] == ddmmyyyy(target)
    with freeze_time(noon(target)):
        real = story(api, live["id"], customer.partner.user)
    clocked_story = story(sandbox, on_clock["id"], sandbox.partner.user)
    assert clocked_story == real
    states, types, state = clocked_story
    assert state == "cancelled"
    assert states[-2:] == ["in_grace", "cancelled"]
    assert types.index("instalment.due") < types.index("policy.in_grace")
    assert types.index("policy.in_grace") < types.index("policy.lapsed")
    policy = Policy.objects.get(pk=on_clock["id"])
    assert policy.cancellation_reason == "non_payment"
    assert policy.lapsed_on is not None and policy.lapsed_on <= target


def test_a_renewal_window_and_the_end_of_cover_come_as_they_would_in_real_time(
    sandbox, api, customer
):
    today = timezone.localdate()
    clock, clocked = clocked_customer(sandbox)
    on_clock = sold(sandbox, clocked)
    live = sold(api, {"id": customer.pk})
    end = dt.datetime.strptime(live["end_date"], "%d-%m-%Y").date()
    window, target = end - 20 * DAY, end + 5 * DAY

    advance(sandbox, clock, window)
    sandbox.post(f"/api/v1/policies/{on_clock['id']}/renew/", {}, format="json")
    advance(sandbox, clock, target)
    day = today
    while day < target:  # real time: the periodic jobs once a day, the renewal on its day
        day += DAY
        with freeze_time(noon(day)):
            if day == window:
                api.post(f"/api/v1/policies/{live['id']}/renew/", {}, format="json")
            for job in ("expire_quotes", "expire_policies"):
                call_command(job, verbosity=0)

    with freeze_time(noon(target)):
        real = story(api, live["id"], customer.partner.user)
    clocked_story = story(sandbox, on_clock["id"], sandbox.partner.user)
    assert clocked_story == real
    assert clocked_story[2] == "expired"
    assert "policy.renewal_quoted" in clocked_story[1]


def test_a_clock_brings_a_renewal_window_then_the_end_of_cover(sandbox):
    clock, customer = clocked_customer(sandbox)
    policy = sold(sandbox, customer)
    end = dt.datetime.strptime(policy["end_date"], "%d-%m-%Y").date()

    early = sandbox.post(f"/api/v1/policies/{policy['id']}/renew/", {}, format="json")
    advance(sandbox, clock, end - 20 * DAY)
    renewal = sandbox.post(f"/api/v1/policies/{policy['id']}/renew/", {}, format="json")
    advance(sandbox, clock, end + 5 * DAY)
    ended = sandbox.get(f"/api/v1/policies/{policy['id']}/").json()

    assert early.status_code == 409
    assert renewal.status_code == 201
    assert ended["state"] == "expired"
    assert Policy.objects.get(pk=policy["id"]).state == "expired"  # recorded, with its event
    owner = sandbox.partner.user
    assert Event.objects.filter(owner=owner, type="policy.expired").count() == 1
    # The renewal quote, never paid, expired with the cover it renewed.
    assert Quote.objects.get(pk=renewal.json()["id"]).state == "expired"


def test_a_quote_on_a_clock_expires_when_the_clock_passes_its_validity(sandbox):
    clock, customer = clocked_customer(sandbox)
    quote = post(sandbox, "/api/v1/quotes/", {"customer": customer["id"], "type": "term-life"}, 201)

    advance(sandbox, clock, timezone.localdate() + 31 * DAY)
    accepted = sandbox.post(f"/api/v1/quotes/{quote['id']}/accept/", {}, format="json")

    assert sandbox.get(f"/api/v1/quotes/{quote['id']}/").json()["state"] == "expired"
    assert accepted.status_code == 409
    assert accepted.json()["code"] == "quote_expired"
    assert Event.objects.filter(type="quote.expired").count() == 1


def test_the_real_time_jobs_leave_a_clocks_objects_to_it(sandbox):
    clock, customer = clocked_customer(sandbox)
    quote = post(sandbox, "/api/v1/quotes/", {"customer": customer["id"], "type": "term-life"}, 201)

    changed = expire_due(Quote, now=timezone.now() + 400 * DAY)

    assert changed == 0
    assert Quote.objects.get(pk=quote["id"]).state == "quoted"


def test_a_clock_starting_later_prices_and_starts_cover_on_its_day(sandbox):
    start = timezone.localdate() + 10 * DAY
    clock, customer = clocked_customer(sandbox, start=ddmmyyyy(start))

    policy = sold(sandbox, customer)

    assert clock["today"] == ddmmyyyy(start)
    assert policy["start_date"] == ddmmyyyy(start)


@pytest.mark.parametrize(
    "to",
    [
        lambda today: ddmmyyyy(today),  # not later
        lambda today: ddmmyyyy(today - DAY),  # backwards
        lambda today: ddmmyyyy(today + 800 * DAY),  # too far at once
        lambda today: "2027-13-45",
        lambda today: None,
    ],
)
def test_a_clock_moved_back_or_badly_is_refused_and_nothing_changes(sandbox, to):
    clock, _ = clocked_customer(sandbox)

    response = sandbox.post(
        f"/api/v1/test-clocks/{clock['id']}/advance/",
        {"to": to(timezone.localdate())},
        format="json",
    )

    assert response.status_code == 400
    assert "to" in response.json()["errors"]
    assert customer_models.TestClock.objects.get().today_there == timezone.localdate()


def test_live_partners_have_no_clocks_and_cannot_use_anothers(sandbox, api, other_api):
    clock, _ = clocked_customer(sandbox)

    made = api.post("/api/v1/test-clocks/", {}, format="json")
    listed = api.get("/api/v1/test-clocks/")
    moved = api.post(
        f"/api/v1/test-clocks/{clock['id']}/advance/",
        {"to": ddmmyyyy(timezone.localdate() + DAY)},
        format="json",
    )
    attached = api.post("/api/v1/customers/", {**BEN, "test_clock": clock["id"]}, format="json")

    assert made.status_code == listed.status_code == moved.status_code == 404
    assert attached.status_code == 400
    assert "test_clock" in attached.json()["errors"]
    assert customer_models.TestClock.objects.count() == 1
    assert customer_models.TestClock.objects.get().today_there == timezone.localdate()


def test_a_clock_cannot_start_in_the_past(sandbox):
    response = sandbox.post(
        "/api/v1/test-clocks/", {"start": ddmmyyyy(timezone.localdate() - DAY)}, format="json"
    )

    assert response.status_code == 400
    assert "start" in response.json()["errors"]
    assert not customer_models.TestClock.objects.exists()
