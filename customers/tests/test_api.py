import datetime as dt

import pytest
from django.utils import timezone

from customers.models import Customer
from customers.tests.factories import CustomerFactory
from tests.helpers import AUTH_QUERIES

pytestmark = pytest.mark.django_db

BEN = {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"}


@pytest.mark.parametrize("path", ["/api/v1/create_customer", "/api/v1/create_customer/"])
def test_create_customer_seed_example_with_and_without_slash(api, path):
    response = api.post(path, BEN, format="json")

    assert response.status_code == 201
    body = response.json()
    assert isinstance(body["id"], int)
    assert body["first_name"] == "Ben"
    assert body["last_name"] == "Stokes"
    assert body["dob"] == "25-06-1991"
    assert Customer.objects.get(pk=body["id"]).dob == dt.date(1991, 6, 25)


def test_create_customer_on_the_collection_route(api):
    response = api.post("/api/v1/customers/", BEN, format="json")

    assert response.status_code == 201
    assert api.get(f"/api/v1/customers/{response.json()['id']}").json()["dob"] == "25-06-1991"


def test_iso_date_of_birth_is_accepted_and_returned_as_dd_mm_yyyy(api):
    response = api.post("/api/v1/create_customer/", {**BEN, "dob": "1991-06-25"}, format="json")

    assert response.status_code == 201
    assert response.json()["dob"] == "25-06-1991"


def test_names_are_trimmed(api):
    response = api.post("/api/v1/create_customer/", {**BEN, "first_name": "  Ben  "}, format="json")

    assert response.status_code == 201
    assert response.json()["first_name"] == "Ben"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", ""),
        ("first_name", "   "),
        ("first_name", "x" * 101),
        ("last_name", "Sto\nkes"),
        ("last_name", "Sto\tkes"),
        ("last_name", "Sto\x7fkes"),
        ("first_name", 42),
        ("first_name", None),
        ("dob", "31-02-1990"),
        ("dob", "25/06/1991"),
        ("dob", "31-12-1899"),
        ("dob", ""),
        ("dob", 19910625),
        ("dob", "00-00-0000"),
        # Names made only of characters that show nothing: Hangul fillers, a braille blank,
        # a combining grapheme joiner, a lone combining mark.
        ("first_name", "\u3164"),
        ("last_name", "\u115f\u3164"),
        ("first_name", "\u2800"),
        ("last_name", "\u034f"),
        ("first_name", "\u0301"),
    ],
)
def test_invalid_customer_fields_are_refused_with_the_field_named(api, field, value):
    response = api.post("/api/v1/create_customer/", {**BEN, field: value}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["errors"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize("name", ["李", "O'Neil", "Ng", "X Æ A-12", "José\u0301"])
def test_a_name_with_one_visible_letter_or_digit_is_accepted(api, name):
    response = api.post("/api/v1/create_customer/", {**BEN, "first_name": name}, format="json")

    assert response.status_code == 201


def test_a_name_of_exactly_100_characters_is_accepted(api):
    response = api.post("/api/v1/create_customer/", {**BEN, "last_name": "x" * 100}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("days_from_today", [0, 1])
def test_date_of_birth_must_be_before_today(api, days_from_today):
    dob = timezone.localdate() + dt.timedelta(days=days_from_today)

    response = api.post(
        "/api/v1/create_customer/", {**BEN, "dob": dob.strftime("%d-%m-%Y")}, format="json"
    )

    assert response.status_code == 400
    assert "dob" in response.json()["errors"]


def test_the_first_of_january_1900_is_the_earliest_date_of_birth(api):
    response = api.post("/api/v1/create_customer/", {**BEN, "dob": "01-01-1900"}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("field", ["first_name", "last_name", "dob"])
def test_missing_fields_are_named(api, field):
    body = {key: value for key, value in BEN.items() if key != field}

    response = api.post("/api/v1/create_customer/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][field] == ["This field is required."]


@pytest.mark.parametrize("field", ["id", "created_at", "partner", "nickname"])
def test_fields_outside_the_documented_body_are_refused(api, field):
    response = api.post("/api/v1/create_customer/", {**BEN, field: 7}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Customer.objects.exists()


def test_customer_detail_and_unknown_id(api, customer):
    assert api.get(f"/api/v1/customers/{customer.pk}/").json()["first_name"] == "Ben"
    missing = api.get("/api/v1/customers/999999/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/search/"])
def test_search_without_filters_lists_customers_paginated(api, path):
    CustomerFactory.create_batch(3)

    response = api.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert set(body) == {"count", "count_capped", "next", "previous", "results"}


def test_search_by_name_matches_first_or_last_name_case_insensitively(api):
    CustomerFactory(first_name="Ben", last_name="Stokes")
    CustomerFactory(first_name="Joe", last_name="Benson")
    CustomerFactory(first_name="Jos", last_name="Buttler")

    response = api.get("/api/v1/search/", {"name": "BEN"})

    assert sorted(c["last_name"] for c in response.json()["results"]) == ["Benson", "Stokes"]


def test_search_filters_combine_with_and(api):
    CustomerFactory(first_name="Ben", last_name="Stokes", dob=dt.date(1991, 6, 25))
    CustomerFactory(first_name="Ben", last_name="Foakes", dob=dt.date(1993, 2, 15))

    by_first = api.get("/api/v1/search/", {"first_name": "ben", "last_name": "sto"}).json()
    by_dob = api.get("/api/v1/search/", {"first_name": "ben", "dob": "15-02-1993"}).json()
    by_iso_dob = api.get("/api/v1/search/", {"dob": "1993-02-15"}).json()

    assert [c["last_name"] for c in by_first["results"]] == ["Stokes"]
    assert [c["last_name"] for c in by_dob["results"]] == ["Foakes"]
    assert [c["last_name"] for c in by_iso_dob["results"]] == ["Foakes"]


def test_search_with_no_match_is_an_empty_page(api):
    CustomerFactory(first_name="Ben")

    response = api.get("/api/v1/search/", {"name": "zzz"})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("dob", "1991-13-45"), ("dob", "yesterday"), ("policy_type", "no-such-product")],
)
def test_search_with_an_invalid_value_names_the_parameter(api, parameter, value):
    response = api.get("/api/v1/search/", {parameter: value})

    assert response.status_code == 400
    assert parameter in response.json()["errors"]


def test_customer_list_pages_hold_20_by_default_and_at_most_100(api):
    CustomerFactory.create_batch(105)

    default = api.get("/api/v1/customers/").json()
    large = api.get("/api/v1/customers/", {"page_size": 500}).json()

    assert len(default["results"]) == 20
    assert default["next"] is not None
    assert default["previous"] is None
    assert len(large["results"]) == 100
    assert large["count"] == 105


def test_listing_customers_takes_a_fixed_number_of_queries(
    api, partner, django_assert_max_num_queries
):
    CustomerFactory.create_batch(30, partner=partner)

    with django_assert_max_num_queries(AUTH_QUERIES + 2):
        response = api.get("/api/v1/search/", {"page_size": 30})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 30


def test_customers_cannot_be_deleted_or_replaced_through_the_api(api, customer):
    assert api.delete(f"/api/v1/customers/{customer.pk}/").status_code == 405
    assert api.put(f"/api/v1/customers/{customer.pk}/", BEN, format="json").status_code == 405
    assert api.get("/api/v1/create_customer/").status_code == 405
    assert Customer.objects.filter(pk=customer.pk).exists()
