"""A partner's own reference and metadata on quotes, offers and policies: they round-trip,
filter, reach the policy and its events, and bad or reused ones are refused with nothing
written."""

import pytest

from customers.tests.factories import CustomerFactory
from myproject.webhooks.models import Event
from quotes.models import Quote

pytestmark = pytest.mark.django_db

META = {"order": "A-1042", "channel": "checkout"}


def quote(api, customer, **body):
    return api.post(
        "/api/v1/quotes/",
        {"customer": customer.pk, "type": "personal-accident", **body},
        format="json",
    )


def test_a_reference_and_metadata_go_from_the_quote_to_its_policy_and_events(api, customer):
    made = quote(api, customer, partner_reference="ORDER-1042", metadata=META).json()
    api.post(f"/api/v1/quotes/{made['id']}/accept/", {}, format="json")
    policy = api.post(f"/api/v1/quotes/{made['id']}/pay/", {}, format="json").json()

    assert (made["partner_reference"], made["metadata"]) == ("ORDER-1042", META)
    assert (policy["partner_reference"], policy["metadata"]) == ("ORDER-1042", META)
    issued = Event.objects.get(type="policy.issued").data
    assert (issued["partner_reference"], issued["metadata"]) == ("ORDER-1042", META)
    assert Event.objects.get(type="quote.created").data["metadata"] == META


def test_lists_filter_by_reference(api, customer):
    first = quote(api, customer, partner_reference="A-1").json()
    quote(api, customer, partner_reference="A-2")
    quote(api, customer)
    api.post(f"/api/v1/quotes/{first['id']}/accept/", {}, format="json")
    api.post(f"/api/v1/quotes/{first['id']}/pay/", {}, format="json")

    quotes = api.get("/api/v1/quotes/", {"partner_reference": "A-1"}).json()["results"]
    policies = api.get("/api/v1/policies/", {"partner_reference": "A-1"}).json()["results"]
    none = api.get("/api/v1/policies/", {"partner_reference": "A-2"}).json()["results"]
    empty = api.get("/api/v1/quotes/", {"partner_reference": ""})

    assert [q["id"] for q in quotes] == [first["id"]]
    assert [p["id"] for p in policies] == [first["id"]]
    assert none == []
    assert empty.status_code == 400


def test_a_reference_used_again_is_a_409_naming_the_quote_that_has_it(
    api, other_api, customer, other_partner
):
    first = quote(api, customer, partner_reference="ORDER-7").json()

    again = quote(api, customer, partner_reference="ORDER-7", metadata=META)
    theirs = CustomerFactory(partner=other_partner)
    elsewhere = quote(other_api, theirs, partner_reference="ORDER-7")  # another partner's own

    assert again.status_code == 409
    assert again.json()["code"] == "reference_exists"
    assert again.json()["id"] == first["id"]
    assert elsewhere.status_code == 201
    assert Quote.objects.filter(partner_reference="ORDER-7").count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metadata", {f"k{n}": "v" for n in range(21)}),  # too many keys
        ("metadata", {"note": "x" * 501}),  # a value too long
        ("metadata", {"k" * 41: "v"}),  # a key too long
        ("metadata", {"": "v"}),
        ("metadata", {"amount": 10.5}),  # not a string
        ("metadata", {"nested": {"a": "b"}}),
        ("metadata", ["a", "b"]),
        ("metadata", {"bidi": "\u202eevil"}),
        ("partner_reference", "x" * 65),
        ("partner_reference", 42),
        ("partner_reference", "zero\u200bwidth"),
    ],
)
def test_bad_references_and_metadata_are_400_on_the_field_and_nothing_written(
    api, customer, field, value
):
    response = quote(api, customer, **{field: value})

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Quote.objects.exists()


def test_an_offers_metadata_is_on_each_of_its_quotes(api, customer):
    offer = api.post(
        "/api/v1/offers/", {"customer": customer.pk, "metadata": META}, format="json"
    ).json()

    assert offer["quotes"]
    assert all(q["metadata"] == META for q in offer["quotes"])
    assert all(q["partner_reference"] == "" for q in offer["quotes"])
