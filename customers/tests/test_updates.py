"""The partner's own reference for a customer, and changing a customer after the fact."""

import pytest

from customers.models import Customer
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BEN = {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"}


def test_a_reference_the_partner_used_before_is_a_409_naming_that_customer(api):
    first = api.post("/api/v1/create_customer/", {**BEN, "external_ref": "CRM-7"}, format="json")

    again = api.post(
        "/api/v1/customers/",
        {
            "first_name": "Benjamin",
            "last_name": "Stokes",
            "dob": "25-06-1991",
            "external_ref": "CRM-7",
        },
        format="json",
    )

    assert first.status_code == 201
    assert first.json()["external_ref"] == "CRM-7"
    assert again.status_code == 409
    assert again.json()["code"] == "customer_exists"
    assert again.json()["id"] == first.json()["id"]
    assert Customer.objects.count() == 1


def test_references_are_per_partner_and_optional(api, other_api):
    mine = api.post("/api/v1/create_customer/", {**BEN, "external_ref": "CRM-7"}, format="json")
    theirs = other_api.post(
        "/api/v1/create_customer/", {**BEN, "external_ref": "CRM-7"}, format="json"
    )
    without = [api.post("/api/v1/create_customer/", BEN, format="json") for _ in range(2)]

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert [r.json()["external_ref"] for r in without] == [None, None]


def test_customers_are_found_by_reference(api, partner):
    CustomerFactory(partner=partner, external_ref="CRM-1")
    CustomerFactory(partner=partner, external_ref="CRM-2")

    for path in ("/api/v1/customers/?external_ref=CRM-2", "/api/v1/search?external_ref=CRM-2"):
        assert [c["external_ref"] for c in api.get(path).json()["results"]] == ["CRM-2"]


def test_a_customer_is_changed_with_history(api, customer):
    response = api.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"last_name": "Stokes-Root", "external_ref": "CRM-9"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["last_name"], response.json()["external_ref"]) == (
        "Stokes-Root",
        "CRM-9",
    )
    latest = customer.history.latest()
    assert (latest.last_name, latest.history_change_reason) == ("Stokes-Root", "updated")


def test_the_date_of_birth_changes_only_until_a_quote_is_priced(api, customer, quote):
    response = api.patch(f"/api/v1/customers/{customer.pk}/", {"dob": "01-01-1990"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "customer_quoted"
    fresh = CustomerFactory(partner=customer.partner)
    assert (
        api.patch(f"/api/v1/customers/{fresh.pk}/", {"dob": "01-01-1990"}, format="json").json()[
            "dob"
        ]
        == "01-01-1990"
    )


def test_changing_to_a_reference_in_use_is_a_409(api, partner):
    CustomerFactory(partner=partner, external_ref="CRM-1")
    other = CustomerFactory(partner=partner)

    response = api.patch(f"/api/v1/customers/{other.pk}/", {"external_ref": "CRM-1"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "customer_exists"


def test_another_partners_customer_cannot_be_changed(other_api, customer):
    response = other_api.patch(
        f"/api/v1/customers/{customer.pk}/", {"first_name": "X"}, format="json"
    )

    assert response.status_code == 404
    customer.refresh_from_db()
    assert customer.first_name == "Ben"


def test_put_is_not_offered(api, customer):
    assert api.put(f"/api/v1/customers/{customer.pk}/", BEN, format="json").status_code == 405


def test_an_empty_change_records_nothing(api, customer):
    rows = customer.history.count()

    response = api.patch(f"/api/v1/customers/{customer.pk}/", {}, format="json")

    assert response.status_code == 200
    assert customer.history.count() == rows


def form_fields(html: str) -> dict:
    """What a browser posts back from an admin change form: every named input, select and
    textarea with its value (submit buttons left out)."""
    from html.parser import HTMLParser

    fields: dict = {}

    class Form(HTMLParser):
        select = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            name = attrs.get("name")
            if tag == "input" and name and attrs.get("type") not in ("submit", "checkbox"):
                fields[name] = attrs.get("value") or ""
            elif tag == "input" and name and "checked" in attrs:
                fields[name] = "on"
            elif tag == "select" and name:
                self.select = name
            elif tag == "option" and self.select and "selected" in attrs:
                fields[self.select] = attrs.get("value") or ""
            elif tag == "textarea" and name:
                fields[name] = ""

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None

    Form().feed(html)
    return fields


def test_staff_correct_the_name_of_a_customer_who_holds_a_policy(admin_client, accepted_quote):
    from policies.services import policy_issue

    policy_issue(quote_id=accepted_quote.pk)
    customer = accepted_quote.customer
    url = f"/admin/customers/customer/{customer.pk}/change/"
    fields = form_fields(admin_client.get(url).content.decode())

    response = admin_client.post(url, {**fields, "first_name": "Benjamin"})

    assert response.status_code == 302, response.context["errors"]
    customer.refresh_from_db()
    assert customer.first_name == "Benjamin"
