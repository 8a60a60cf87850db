"""Paying by instalments: the schedule, collection reported by the partner, grace, lapse and
reinstatement, and how cancelling and changing cover treat a policy paid monthly. Time is
moved with freezegun; the jobs run as cron runs them."""

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from myproject.webhooks.models import Event
from policies.models import Instalment, Payment, Policy
from quotes.models import PART_NAMES, Product, Quote
from quotes.tests.factories import quote_for
from tests.helpers import ddmmyyyy

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
# A start on the 31st: the instalments fall on each month's last day when it is shorter.
START = dt.date(2027, 1, 31)
SECOND_DUE = dt.date(2027, 2, 28)
GRACE_ENDS = SECOND_DUE + 30 * DAY  # 30-03-2027, the last day in grace
LAPSES = GRACE_ENDS + DAY


def at(day: dt.date):
    return freeze_time(f"{day.isoformat()} 12:00:00")


def pay(api, quote, **body):
    return api.post(f"/api/v1/quotes/{quote.pk}/pay/", body, format="json")


def monthly(api, customer, code="personal-accident", **body):
    """A policy paid monthly through the API (its first instalment now)."""
    response = pay(api, quote_for(customer, code, state="accepted"), plan="monthly", **body)
    assert response.status_code == 200, response.content
    return response.json()


def read(api, policy):
    response = api.get(f"/api/v1/policies/{policy['id']}/")
    assert response.status_code == 200
    return response.json()


def jobs():
    for job in ("expire_instalments", "lapse_policies", "expire_policies"):
        call_command(job, verbosity=0)


def events(kind: str) -> list[dict]:
    return [event.data for event in Event.objects.filter(type=kind).order_by("seq")]


def pay_when_due(api, policy: dict, until: dt.date) -> None:
    """The partner collects each instalment on its due date, up to `until`."""
    for instalment in Instalment.objects.filter(
        policy_id=policy["id"], status__in=Instalment.UNPAID, due_date__lte=until
    ).order_by("number"):
        with at(instalment.due_date):
            response = api.post(f"/api/v1/instalments/{instalment.pk}/pay/", {}, format="json")
            assert response.status_code == 200, response.content


def parts_sum(rows, name: str) -> Decimal:
    return sum((Decimal(row[name]) for row in rows), Decimal(0))


# The schedule


def test_paying_monthly_issues_twelve_instalments_the_first_paid_the_rest_scheduled(api, customer):
    with at(START):
        quote = quote_for(customer, "personal-accident", state="accepted")
        offered = {
            p["plan"]: p for p in api.get(f"/api/v1/quotes/{quote.pk}/").json()["instalment_plans"]
        }["monthly"]
        response = pay(api, quote, plan="monthly")

    assert response.status_code == 200
    policy = response.json()
    assert policy["plan"] == "monthly"
    instalments = policy["instalments"]
    assert [i["number"] for i in instalments] == list(range(1, 13))
    assert [i["due_date"] for i in instalments[:4]] == [
        "31-01-2027", "28-02-2027", "31-03-2027", "30-04-2027"
    ]  # fmt: skip
    assert [i["status"] for i in instalments] == ["paid"] + ["scheduled"] * 11
    assert instalments[0]["amount"] == offered["first_instalment"]["premium"]
    # Only the first is paid now, by the charge that issued the policy.
    assert [p["amount"] for p in policy["payments"]] == [instalments[0]["amount"]]
    assert instalments[0]["payment"] == policy["payments"][0]["reference"]
    assert policy["next_due"] == "28-02-2027"
    for name in ("amount", *PART_NAMES):
        total_name = "premium" if name == "amount" else name
        assert parts_sum(instalments, name) == Decimal(offered["total"][total_name]), name
    assert policy["premium"] == Decimal(quote.premium).to_eng_string()  # the annual premium


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    code=st.sampled_from(["personal-accident", "term-life", "critical-illness"]),
    steps=st.integers(min_value=0, max_value=1000),
)
def test_a_monthly_plan_adds_up_to_its_total_part_by_part_for_any_product_and_cover(
    api, customer, code, steps
):
    terms = Product.objects.get(code=code).current_version
    cover = terms.min_cover + (terms.max_cover - terms.min_cover) * steps / 1000
    cover = cover.quantize(Decimal("0.01"))
    quote = api.post(
        "/api/v1/quotes/",
        {"customer": customer.pk, "type": code, "cover": str(cover)},
        format="json",
    ).json()
    api.post(f"/api/v1/quotes/{quote['id']}/accept/", {}, format="json")
    plans = {p["plan"]: p for p in quote["instalment_plans"]}

    policy = pay(api, Quote.objects.get(pk=quote["id"]), plan="monthly").json()

    rows = policy["instalments"]
    assert len(rows) == 12
    for name in PART_NAMES:
        assert parts_sum(rows, name) == Decimal(plans["monthly"]["total"][name]), name
    assert parts_sum(rows, "amount") == Decimal(plans["monthly"]["total"]["premium"])
    # Each later instalment is the same; the remainder sits in the first.
    assert len({tuple(r[n] for n in PART_NAMES) for r in rows[1:]}) == 1
    fee = terms.instalment_fee
    assert parts_sum(rows, "fees") == Decimal(quote["fees"]) + 12 * fee


def test_paying_without_a_plan_pays_the_year_at_once_as_before(api, customer):
    quote = quote_for(customer, "personal-accident", state="accepted")

    policy = pay(api, quote).json()

    assert policy["plan"] == "annual"
    assert policy["instalments"] == []
    assert policy["next_due"] is None
    assert policy["payment"]["amount"] == str(quote.premium)
    assert not Instalment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan": "weekly"}, "plan"),
        ({"plan": "quarterly", "_product": "term-life"}, "plan"),  # offers annual and monthly
        ({"plan": "monthly", "payment_method": "invoice"}, "payment_method"),
        ({"plan": "monthly", "amount": 10.5}, "amount"),  # a float
        ({"plan": "monthly", "amount": "1.00"}, "amount"),  # not the first instalment
        ({"plan": ["monthly"]}, "plan"),
    ],
)
def test_a_plan_that_is_unknown_not_offered_or_badly_paid_is_refused_and_nothing_written(
    api, customer, body, field
):
    code = body.pop("_product", "personal-accident")
    quote = quote_for(customer, code, state="accepted")

    response = pay(api, quote, **body)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    quote.refresh_from_db()
    assert quote.state == "accepted"
    assert not Policy.objects.exists()
    assert not Payment.objects.exists()
    assert not Instalment.objects.exists()


# Collection


def test_instalments_are_listed_by_status_and_due_date_and_only_to_their_partner(
    api, other_api, customer
):
    with at(START):
        policy = monthly(api, customer)
    with at(SECOND_DUE - 2 * DAY):
        due = api.get("/api/v1/instalments/", {"status": "due"}).json()
        before = api.get(
            "/api/v1/instalments/", {"due_before": ddmmyyyy(dt.date(2027, 4, 1))}
        ).json()
        theirs = other_api.get("/api/v1/instalments/").json()
        bad = api.get("/api/v1/instalments/", {"due_before": "2027-13-01"})

    assert [i["number"] for i in due["results"]] == [2]
    assert [i["number"] for i in before["results"]] == [1, 2, 3]
    assert all(i["policy"] == policy["id"] for i in before["results"])
    assert theirs["results"] == []
    assert bad.status_code == 400


def test_a_reported_collection_pays_the_instalment_once(api, customer):
    with at(START):
        policy = monthly(api, customer)
    second = policy["instalments"][1]
    with at(SECOND_DUE - 5 * DAY):  # early is allowed
        paid = api.post(f"/api/v1/instalments/{second['id']}/pay/", {}, format="json")
        again = api.post(f"/api/v1/instalments/{second['id']}/pay/", {}, format="json")
        now = read(api, policy)

    assert paid.status_code == 200
    assert paid.json()["status"] == "paid"
    assert again.status_code == 409
    assert now["next_due"] == "31-03-2027"
    assert [p["amount"] for p in now["payments"]] == [
        policy["instalments"][0]["amount"],
        second["amount"],
    ]
    assert now["payments"][1]["status"] == "succeeded"
    assert events("instalment.paid")[0]["id"] == second["id"]


def test_a_repeated_request_with_its_idempotency_key_pays_once_and_answers_the_same(api, customer):
    policy = monthly(api, customer)
    second = policy["instalments"][1]
    path = f"/api/v1/instalments/{second['id']}/pay/"

    first = api.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="collect-2")
    repeated = api.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="collect-2")

    assert first.status_code == repeated.status_code == 200
    assert first.json() == repeated.json()
    assert Payment.objects.filter(kind="charge").count() == 2


@pytest.mark.parametrize(
    "body", [{"amount": 1.5}, {"amount": "0.01"}, {"payment_method": "cash"}, {"extra": 1}]
)
def test_a_badly_reported_collection_is_refused_and_nothing_written(api, customer, body):
    policy = monthly(api, customer)
    second = policy["instalments"][1]

    response = api.post(f"/api/v1/instalments/{second['id']}/pay/", body, format="json")

    assert response.status_code == 400
    assert Instalment.objects.get(pk=second["id"]).status == "scheduled"
    assert Payment.objects.count() == 1


def test_another_partners_instalment_is_not_found(api, other_api, customer):
    policy = monthly(api, customer)
    second = policy["instalments"][1]

    paid = other_api.post(f"/api/v1/instalments/{second['id']}/pay/", {}, format="json")
    failed = other_api.post(
        f"/api/v1/instalments/{second['id']}/fail/", {"reason": "x"}, format="json"
    )
    shown = other_api.get(f"/api/v1/instalments/{second['id']}/")

    assert paid.status_code == failed.status_code == shown.status_code == 404
    assert Instalment.objects.get(pk=second["id"]).status == "scheduled"


def test_a_failed_collection_is_recorded_with_its_reason_and_told(api, customer):
    with at(START):
        policy = monthly(api, customer)
    second = policy["instalments"][1]
    with at(SECOND_DUE):
        failed = api.post(
            f"/api/v1/instalments/{second['id']}/fail/", {"reason": "card declined"}, format="json"
        )
        empty = api.post(f"/api/v1/instalments/{second['id']}/fail/", {}, format="json")
        paid = api.post(f"/api/v1/instalments/{second['id']}/pay/", {}, format="json")

    assert failed.status_code == 200
    assert failed.json()["status"] == "failed"
    assert failed.json()["failure_reason"] == "card declined"
    assert events("instalment.failed")[0]["failure_reason"] == "card declined"
    assert empty.status_code == 400
    assert paid.status_code == 200  # a later try succeeds


# Dunning, grace and lapse


def test_an_unpaid_instalment_is_due_then_in_grace_then_the_policy_lapses_on_the_right_days(
    api, customer
):
    with at(START):
        policy = monthly(api, customer)
    with at(SECOND_DUE - 4 * DAY):
        jobs()
        assert not events("instalment.due")
    with at(SECOND_DUE - 3 * DAY):
        jobs()
        assert [e["number"] for e in events("instalment.due")] == [2]
    with at(SECOND_DUE):
        jobs()
        assert read(api, policy)["state"] == "active"  # due today, not yet late
    with at(SECOND_DUE + DAY):
        assert read(api, policy)["state"] == "in_grace"  # before the job records it
        jobs()
        assert len(events("policy.in_grace")) == 1
    with at(GRACE_ENDS):
        jobs()
        assert read(api, policy)["state"] == "in_grace"  # the last day of grace
    with at(LAPSES):
        jobs()
        lapsed = read(api, policy)
        history = api.get(f"/api/v1/policies/{policy['id']}/history/").json()

    assert lapsed["state"] == "cancelled"
    assert lapsed["cancellation_reason"] == "non_payment"
    assert lapsed["cancelled_on"] == "28-02-2027"  # the day the unpaid period began
    assert lapsed["lapsed_on"] == ddmmyyyy(LAPSES)
    assert lapsed["next_due"] is None
    assert {i["status"] for i in lapsed["instalments"][1:]} == {"cancelled"}
    assert [e["state"] for e in history][-3:] == ["active", "in_grace", "cancelled"]
    assert "was not paid" in history[-1]["reason"]
    assert events("policy.lapsed")[0]["id"] == policy["id"]


def test_paying_in_grace_makes_the_policy_active_again(api, customer):
    with at(START):
        policy = monthly(api, customer)
    second = policy["instalments"][1]
    with at(SECOND_DUE + 10 * DAY):
        jobs()
        paid = api.post(f"/api/v1/instalments/{second['id']}/pay/", {}, format="json")
        now = read(api, policy)
        history = api.get(f"/api/v1/policies/{policy['id']}/history/").json()
    with at(LAPSES):
        jobs()
        later = read(api, policy)

    assert paid.status_code == 200
    assert now["state"] == "active"
    assert [e["state"] for e in history][-2:] == ["in_grace", "active"]
    assert later["state"] == "active"  # the next instalment is due on 31-03, not late yet


def test_a_collection_after_grace_ended_is_refused_and_points_to_reinstatement(api, customer):
    with at(START):
        policy = monthly(api, customer)
    second = policy["instalments"][1]
    with at(LAPSES):  # the job has not run yet
        response = api.post(f"/api/v1/instalments/{second['id']}/pay/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "policy_lapsed"
    assert Instalment.objects.get(pk=second["id"]).status == "scheduled"


def test_a_lapse_is_recorded_once_however_often_the_job_runs(api, customer):
    with at(START):
        policy = monthly(api, customer)
    with at(LAPSES):
        jobs()
        jobs()

    assert len(events("policy.lapsed")) == 1
    assert Policy.objects.get(pk=policy["id"]).cancelled_on == SECOND_DUE


# Reinstatement


def test_reinstating_within_the_window_takes_the_arrears_and_restores_cover_without_a_gap(
    api, customer
):
    with at(START):
        policy = monthly(api, customer)
    amounts = [Decimal(i["amount"]) for i in policy["instalments"]]
    with at(LAPSES):
        jobs()
        lapsed = read(api, policy)
    refund = sum(Decimal(p["amount"]) for p in lapsed["payments"] if p["kind"] == "refund")
    arrears = amounts[1] + amounts[2] + refund  # due 28-02 and 31-03, and the lapse's refund
    with at(LAPSES + 10 * DAY):
        wrong = api.post(
            f"/api/v1/policies/{policy['id']}/reinstate/", {"amount": "1.00"}, format="json"
        )
        response = api.post(
            f"/api/v1/policies/{policy['id']}/reinstate/", {"amount": str(arrears)}, format="json"
        )
        history = api.get(f"/api/v1/policies/{policy['id']}/history/").json()

    assert wrong.status_code == 400
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "active"
    assert body["cancelled_on"] is None and body["lapsed_on"] is None
    assert body["start_date"] == ddmmyyyy(START)  # the same term: no gap
    assert [i["status"] for i in body["instalments"][:4]] == ["paid", "paid", "paid", "scheduled"]
    assert body["next_due"] == "30-04-2027"
    assert history[-1]["state"] == "reinstated"
    assert events("policy.reinstated")[0]["id"] == policy["id"]
    charges = sum(Decimal(p["amount"]) for p in body["payments"] if p["kind"] == "charge")
    refunds = sum(Decimal(p["amount"]) for p in body["payments"] if p["kind"] == "refund")
    assert charges - refunds == sum(amounts[:3])  # as if it had never lapsed


def test_reinstating_after_the_window_or_a_policy_that_did_not_lapse_is_refused(api, customer):
    with at(START):
        policy = monthly(api, customer)
        early = api.post(f"/api/v1/policies/{policy['id']}/reinstate/", {}, format="json")
    with at(LAPSES):
        jobs()
    with at(LAPSES + 30 * DAY):
        late = api.post(f"/api/v1/policies/{policy['id']}/reinstate/", {}, format="json")

    assert early.status_code == 409
    assert late.status_code == 409
    assert late.json()["code"] == "reinstatement_closed"
    assert Policy.objects.get(pk=policy["id"]).state == "cancelled"


def test_reinstating_before_the_job_ran_lapses_and_reinstates_at_once(api, customer):
    with at(START):
        policy = monthly(api, customer)
    with at(LAPSES + DAY):
        response = api.post(f"/api/v1/policies/{policy['id']}/reinstate/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "active"
    states = [e["state"] for e in api.get(f"/api/v1/policies/{policy['id']}/history/").json()]
    assert states[-2:] == ["cancelled", "reinstated"]


# Cancelling and changing cover


def oracle_refund(policy: dict, effective: dt.date) -> dict:
    """The rules, written again here from what the API shows: each part's unused share of the
    policy's annual parts, less what is still unpaid, within nothing and what was paid; the
    earned net and tax left unpaid is written off."""
    start, end = (
        dt.datetime.strptime(policy[d], "%d-%m-%Y").date() for d in ("start_date", "end_date")
    )
    unused_days, term_days = (end - effective).days + 1, (end - start).days + 1
    rows = policy["instalments"]
    paid = {n: parts_sum([i for i in rows if i["status"] == "paid"], n) for n in PART_NAMES}
    owed = {n: parts_sum([i for i in rows if i["status"] in {"scheduled", "due"}], n)
            for n in PART_NAMES}  # fmt: skip
    if (effective - start).days < policy["cooling_off_days"]:  # asked and effective within it
        return {"refund": paid, "written_off": Decimal(0), "paid": paid}
    refund, written_off = {}, Decimal(0)
    for name in ("net_premium", "tax", "commission"):
        share = (Decimal(policy[name]) * unused_days / term_days).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        refund[name] = max(Decimal(0), min(share - owed[name], paid[name]))
        if name != "commission":
            written_off += max(Decimal(0), owed[name] - share)
    return {"refund": refund, "written_off": written_off, "paid": paid}


@pytest.mark.parametrize("days_in", [20, 45, 100, 200, 364])
@pytest.mark.parametrize("paid_ahead", [0, 2, 11])
def test_cancelling_a_monthly_policy_refunds_only_what_was_paid_beyond_earned(
    api, customer, days_in, paid_ahead
):
    with at(START):
        policy = monthly(api, customer, "critical-illness")
    unpaid = [i for i in policy["instalments"] if i["status"] == "scheduled"]
    for instalment in unpaid[:paid_ahead]:  # paid early
        with at(START + DAY):
            api.post(f"/api/v1/instalments/{instalment['id']}/pay/", {}, format="json")
    cancel_day = START + days_in * DAY
    pay_when_due(api, policy, cancel_day)
    with at(cancel_day):
        before = read(api, policy)
        expected = oracle_refund(before, cancel_day)
        preview = api.get(f"/api/v1/policies/{policy['id']}/cancellation-quote/").json()
        response = api.post(
            f"/api/v1/policies/{policy['id']}/cancel/",
            {"reason": "customer_request"},
            format="json",
        )

    assert response.status_code == 200, response.content
    body = response.json()
    refund = body["refund"]
    got = {n: Decimal(refund[n]) if refund else Decimal(0) for n in ("net_premium", "tax")}
    got["commission"] = Decimal(refund["commission"]) if refund else Decimal(0)
    assert got == {n: expected["refund"][n] for n in got}
    assert Decimal(body["written_off"]) == expected["written_off"]
    assert Decimal(preview["written_off"]) == expected["written_off"]
    assert Decimal(preview["refund"]) == (Decimal(refund["amount"]) if refund else 0)
    # Never more back than was paid, nothing ever charged on cancelling.
    assert sum(got[n] for n in ("net_premium", "tax")) <= sum(
        expected["paid"][n] for n in ("net_premium", "tax")
    )
    charges = [p for p in body["payments"] if p["kind"] == "charge"]
    assert len(charges) == len([i for i in before["instalments"] if i["status"] == "paid"])
    assert {i["status"] for i in body["instalments"]} <= {"paid", "cancelled"}


def test_a_monthly_policy_is_cancelled_from_today_not_a_later_date(api, customer):
    policy = monthly(api, customer)
    later = ddmmyyyy(dt.date.today() + 40 * DAY)

    response = api.post(
        f"/api/v1/policies/{policy['id']}/cancel/",
        {"reason": "customer_request", "effective_date": later},
        format="json",
    )

    assert response.status_code == 400
    assert "effective_date" in response.json()["errors"]
    assert Policy.objects.get(pk=policy["id"]).cancelled_on is None


def test_more_cover_on_a_monthly_policy_is_spread_over_the_instalments_left(api, customer):
    with at(START):
        policy = monthly(api, customer, "critical-illness")
    pay_when_due(api, policy, START + 100 * DAY)
    with at(START + 100 * DAY):
        preview = api.get(
            f"/api/v1/policies/{policy['id']}/endorsement-quote/", {"cover": "150000.00"}
        ).json()
        response = api.post(
            f"/api/v1/policies/{policy['id']}/endorse/", {"cover": "150000.00"}, format="json"
        )

    assert response.status_code == 200, response.content
    body = response.json()
    before = policy["instalments"][4:]
    after = body["instalments"][4:]
    assert [i["amount"] for i in after] == [i["amount"] for i in preview["instalments"]]
    for name in PART_NAMES:
        assert parts_sum(after, name) - parts_sum(before, name) == Decimal(
            preview["change"][name]
        ), name
    assert len(body["payments"]) == 4  # nothing charged at once
    assert body["endorsements"][0]["payment"] is None


def test_a_renewal_keeps_the_plan_of_the_policy_it_renews(api, customer):
    with at(START):
        policy = monthly(api, customer)
    pay_when_due(api, policy, dt.date(2028, 1, 10))
    with at(dt.date(2028, 1, 10)):
        renewal = api.post(f"/api/v1/policies/{policy['id']}/renew/", {}, format="json").json()
        api.post(f"/api/v1/quotes/{renewal['id']}/accept/", {}, format="json")
        renewed = api.post(f"/api/v1/quotes/{renewal['id']}/pay/", {}, format="json")

    assert renewed.status_code == 200, renewed.content
    assert renewed.json()["plan"] == "monthly"
    assert renewed.json()["instalments"][0]["due_date"] == "31-01-2028"


def test_staff_waive_an_instalment_with_a_note_in_admin(admin_client, admin_user, api, customer):
    with at(START):
        policy = monthly(api, customer)
    second = policy["instalments"][1]
    with at(SECOND_DUE + 5 * DAY):
        admin_client.force_login(admin_user)  # a session of that day
        jobs()
        without = admin_client.post(
            "/admin/policies/instalment/",
            {"action": "waive", "_selected_action": [second["id"]], "note": ""},
        )
        assert Instalment.objects.get(pk=second["id"]).status == "due"
        admin_client.post(
            "/admin/policies/instalment/",
            {"action": "waive", "_selected_action": [second["id"]], "note": "hospital stay"},
        )
        now = read(api, policy)
        page = admin_client.get(f"/admin/policies/policy/{policy['id']}/change/")

    assert without.status_code == 302
    waived = Instalment.objects.get(pk=second["id"])
    assert waived.status == "waived"
    assert waived.note == "hospital stay"
    assert now["state"] == "active"
    assert now["next_due"] == "31-03-2027"
    assert page.status_code == 200
    assert "hospital stay" in page.content.decode()


def test_the_schedule_pdf_lists_the_instalments(api, customer):
    policy = monthly(api, customer)

    response = api.get(f"/api/v1/policies/{policy['id']}/document/")

    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Instalments" in text
    assert "monthly, 12 instalments" in text
    assert policy["instalments"][11]["due_date"] in text


@pytest.mark.parametrize("cover", ["150000.00", "60000.00"])  # more cover, then less
def test_cancelling_after_a_change_of_cover_refunds_by_the_same_rules(api, customer, cover):
    with at(START):
        policy = monthly(api, customer, "critical-illness")
    changed_on = START + 100 * DAY
    pay_when_due(api, policy, changed_on)
    with at(changed_on):
        endorsed = api.post(
            f"/api/v1/policies/{policy['id']}/endorse/", {"cover": cover}, format="json"
        )
    assert endorsed.status_code == 200, endorsed.content
    cancel_day = START + 230 * DAY
    pay_when_due(api, policy, cancel_day)
    with at(cancel_day):
        before = read(api, policy)
        expected = oracle_refund(before, cancel_day)  # from the new annual parts
        response = api.post(
            f"/api/v1/policies/{policy['id']}/cancel/",
            {"reason": "customer_request"},
            format="json",
        )

    body = response.json()
    refund = body["refund"] or dict.fromkeys(("net_premium", "tax", "commission"), "0")
    named = ("net_premium", "tax", "commission")
    assert {n: Decimal(refund[n]) for n in named} == {n: expected["refund"][n] for n in named}
    assert Decimal(body["written_off"]) == expected["written_off"]
    taken = sum(Decimal(p["amount"]) for p in body["payments"] if p["kind"] == "charge")
    given = sum(Decimal(p["amount"]) for p in body["payments"] if p["kind"] == "refund")
    assert 0 <= given <= taken


def test_cancelling_in_grace_charges_nothing_and_writes_off_the_earned_premium_left_unpaid(
    api, customer
):
    with at(START):
        policy = monthly(api, customer, "critical-illness")
    cancel_day = SECOND_DUE + 15 * DAY  # the second instalment is 15 days late
    with at(cancel_day):
        before = read(api, policy)
        expected = oracle_refund(before, cancel_day)
        response = api.post(
            f"/api/v1/policies/{policy['id']}/cancel/",
            {"reason": "non_payment"},
            format="json",
        )

    assert before["state"] == "in_grace"
    body = response.json()
    assert response.status_code == 200
    assert body["refund"] is None  # nothing paid beyond earned
    assert Decimal(body["written_off"]) == expected["written_off"] > 0
    assert [p["kind"] for p in body["payments"]] == ["charge"]  # no charge on cancelling
    assert {i["status"] for i in body["instalments"][1:]} == {"cancelled"}
