"""Disclosure before purchase and rate versions through a policy's life: the product
information document, its id recorded on acceptance and shown on the policy and its
schedule, cooling-off counted from it, renewals priced by the version in force at renewal."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from policies import refunds
from policies.tests.factories import policy_for
from quotes.models import Product, Quote
from quotes.pricing import PremiumParts
from quotes.tests.factories import next_rate_version, quote_for
from tests.helpers import ddmmyyyy, pdf_text

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def ipid(api, code="personal-accident", **params):
    return api.get(f"/api/v1/products/{code}/documents/ipid/", params)


@pytest.mark.parametrize("code", ["personal-accident", "term-life", "critical-illness"])
def test_the_product_information_document_renders_its_key_facts_on_two_pages(api, code):
    response = ipid(api, code)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{code}.v1.pdf"'
    assert len(PdfReader(io.BytesIO(response.content)).pages) <= 2
    text = " ".join(pdf_text(response.content).split())
    product = Product.objects.get(code=code)
    days = product.current_version.cooling_off_days
    assert f"Document {code}.v1" in text
    assert product.name in text
    assert f"Within {days} days of the start of cover" in text
    assert "What is not insured?" in text
    assert "Example Insurance Company" in text  # the insurer


def test_the_longest_texts_staff_may_write_still_fit_two_pages(api):
    terms = Product.objects.get(code="personal-accident").current_version
    terms.cover_summary = "A lump sum on an accident, worded at length. " * 33
    terms.exclusions = "\n".join(f"Exclusion number {n}: something not insured" for n in range(35))
    assert len(terms.cover_summary) <= 1500 and len(terms.exclusions) <= 1500
    terms.full_clean()
    terms.save()

    response = ipid(api)

    assert len(PdfReader(io.BytesIO(response.content)).pages) <= 2
    assert "Exclusion number 34" in pdf_text(response.content)


def test_each_version_has_its_own_document_and_an_unknown_one_is_a_404(api):
    next_rate_version("personal-accident", timezone.localdate() + 40 * DAY, cooling_off_days=21)

    later = ipid(api, version=2)

    assert later["Content-Disposition"].endswith('filename="personal-accident.v2.pdf"')
    assert "Within 21 days" in " ".join(pdf_text(later.content).split())
    assert ipid(api).content != later.content
    assert ipid(api, version=3).status_code == 404
    assert ipid(api, version="two").status_code == 400
    assert api.get("/api/v1/products/no-such/documents/ipid/").status_code == 404


def test_the_document_given_is_recorded_on_the_policy_and_printed_on_its_schedule(api, customer):
    quote = quote_for(customer, "term-life")

    accepted = api.post(
        f"/api/v1/quotes/{quote.pk}/accept/", {"disclosure": "term-life.v1"}, format="json"
    )
    policy = api.post(f"/api/v1/quotes/{quote.pk}/pay/", {}, format="json").json()

    assert accepted.status_code == 200
    assert accepted.json()["disclosed_at"] is not None
    assert policy["rate_version"] == 1
    assert policy["disclosure"] == {
        "document": "term-life.v1",
        "at": accepted.json()["disclosed_at"],
    }
    schedule = " ".join(
        pdf_text(api.get(f"/api/v1/policies/{policy['id']}/document/").content).split()
    )
    assert "Rate version 1" in schedule
    assert f"term-life.v1, given on {ddmmyyyy(timezone.localdate())}" in schedule


def test_a_policy_accepted_without_a_document_shows_none(api, customer):
    policy = policy_for(customer, "personal-accident")

    body = api.get(f"/api/v1/policies/{policy.pk}/").json()

    assert (body["disclosure"], body["rate_version"]) == (None, 1)
    assert "Product information" not in pdf_text(
        api.get(f"/api/v1/policies/{policy.pk}/document/").content
    )


@pytest.fixture
def required(db):
    product = Product.objects.get(code="critical-illness")
    product.disclosure_required = True
    product.save()
    return product


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/quotes/{id}/accept/", {}),
        ("/api/v1/quotes/{id}/accept", {}),  # the seed contract, without its slash
        ("/api/v1/quote/", {"status": "accepted", "quote_id": None}),  # the assessment's
    ],
)
def test_a_product_that_requires_disclosure_refuses_acceptance_without_it(
    api, customer, required, path, body
):
    quote = quote_for(customer, required)
    history = quote.history.count()
    body = {name: quote.pk if name == "quote_id" else value for name, value in body.items()}

    response = api.post(path.format(id=quote.pk), body, format="json")

    assert response.status_code == 400
    assert "critical-illness.v1" in response.json()["errors"]["disclosure"][0]
    quote.refresh_from_db()
    assert (quote.state, quote.disclosed_at, quote.history.count()) == ("quoted", None, history)
    given = api.post(
        path.format(id=quote.pk), {**body, "disclosure": "critical-illness.v1"}, format="json"
    )
    assert given.status_code == 200
    assert given.json()["state"] == "accepted"


def test_the_published_contracts_accept_as_before_where_disclosure_is_not_required(
    api, customer, required
):
    created = api.post(
        "/api/v1/quote/", {"customer_id": customer.pk, "type": "personal-accident"}, format="json"
    ).json()

    accepted = api.post(
        "/api/v1/quote/", {"quote_id": created["id"], "status": "accepted"}, format="json"
    )
    active = api.post(
        "/api/v1/quote/", {"quote_id": created["id"], "status": "active"}, format="json"
    )

    assert (accepted.status_code, active.status_code) == (200, 200)
    assert active.json()["disclosure"] is None


@pytest.mark.parametrize(
    ("disclosure", "why"),
    [
        ("term-life.v1", "not 'term-life.v1'"),  # another product's
        ("personal-accident.v2", "not 'personal-accident.v2'"),  # another version's
        ("anything", "not 'anything'"),
    ],
)
def test_a_document_of_another_product_or_version_is_refused(api, customer, disclosure, why):
    next_rate_version("personal-accident", timezone.localdate() + 10 * DAY)
    quote = quote_for(customer, "personal-accident")

    response = api.post(
        f"/api/v1/quotes/{quote.pk}/accept/", {"disclosure": disclosure}, format="json"
    )

    assert response.status_code == 400
    assert why in response.json()["errors"]["disclosure"][0]
    assert "personal-accident.v1" in response.json()["errors"]["disclosure"][0]
    quote.refresh_from_db()
    assert (quote.state, quote.disclosed_at) == ("quoted", None)


@pytest.mark.parametrize("disclosure", [7, ["term-life.v1"], "x" * 65, ""])
def test_a_disclosure_that_is_not_a_short_string_is_a_400(api, customer, disclosure):
    quote = quote_for(customer, "personal-accident")

    response = api.post(
        f"/api/v1/quotes/{quote.pk}/accept/", {"disclosure": disclosure}, format="json"
    )

    assert response.status_code == 400
    assert "disclosure" in response.json()["errors"]
    assert Quote.objects.get(pk=quote.pk).state == "quoted"


def test_disclosure_goes_with_acceptance_not_payment_in_the_assessment_contract(api, customer):
    quote = quote_for(customer, "personal-accident", state="accepted")

    response = api.post(
        "/api/v1/quote/",
        {"quote_id": quote.pk, "status": "active", "disclosure": "personal-accident.v1"},
        format="json",
    )

    assert response.status_code == 400
    assert "disclosure" in response.json()["errors"]
    assert not hasattr(Quote.objects.get(pk=quote.pk), "policy")


def test_another_partners_quote_is_not_found_whatever_the_disclosure(other_api, customer):
    quote = quote_for(customer, "personal-accident")

    response = other_api.post(
        f"/api/v1/quotes/{quote.pk}/accept/", {"disclosure": "personal-accident.v1"}, format="json"
    )

    assert response.status_code == 404
    assert Quote.objects.get(pk=quote.pk).disclosed_at is None


# Cooling-off counts from the later of the start and the day of disclosure.


def cooling_off_refund(*, start, requested_on, cooling_off_from=None):
    paid = PremiumParts(Decimal("365.00"), Decimal(0), Decimal("10.00"), Decimal("36.50"))
    return refunds.cancellation_refund(
        paid=paid,
        annual=paid,
        start=start,
        end=start + 364 * DAY,
        effective=requested_on,
        requested_on=requested_on,
        cooling_off_days=14,
        currency="AED",
        cooling_off_from=cooling_off_from,
    )


def test_cooling_off_counts_from_a_disclosure_made_after_the_start():
    start = dt.date(2026, 3, 1)
    day_20 = start + 19 * DAY

    late = cooling_off_refund(start=start, requested_on=day_20, cooling_off_from=start + 10 * DAY)
    without = cooling_off_refund(start=start, requested_on=day_20)
    early = cooling_off_refund(start=start, requested_on=day_20, cooling_off_from=start - 5 * DAY)

    assert (late.within_cooling_off, late.amount) == (True, Decimal("375.00"))
    assert not without.within_cooling_off
    assert without.amount == Decimal("346.00")  # 346 of 365 days' net; the fee kept
    assert early == without  # a disclosure before the start changes nothing


# Renewals and changes of cover keep to rate versions.


def test_a_renewal_is_priced_by_the_version_in_force_on_its_start(api, customer):
    today = timezone.localdate()
    policy = policy_for(customer, "personal-accident", started=today - 350 * DAY)
    renewal_starts = policy.end_date + DAY
    next_rate_version("personal-accident", renewal_starts, rates={30: Decimal("2.40")})

    renewal = api.post(f"/api/v1/policies/{policy.pk}/renew/").json()
    today_quote = api.post(
        "/api/v1/quotes/", {"customer": customer.pk, "type": "personal-accident"}, format="json"
    ).json()

    assert (renewal["rate_version"], renewal["net_premium"]) == (2, "120.00")
    assert (today_quote["rate_version"], today_quote["net_premium"]) == (1, "100.00")


def test_a_renewal_starting_before_a_later_version_keeps_the_current_one(api, customer):
    today = timezone.localdate()
    policy = policy_for(customer, "personal-accident", started=today - 350 * DAY)
    next_rate_version("personal-accident", policy.end_date + 2 * DAY, rates={30: Decimal("9")})

    renewal = api.post(f"/api/v1/policies/{policy.pk}/renew/").json()

    assert (renewal["rate_version"], renewal["net_premium"]) == (1, "100.00")
