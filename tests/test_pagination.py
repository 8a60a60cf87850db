"""Keyset pages: a cursor walks every item once, numbered pages still work, counts are
bounded, and a cursor the API never sent is a 400."""

import pytest

from customers.tests.factories import CustomerFactory
from myproject.http.pagination import KeysetPagination

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven_customers(partner):
    return [CustomerFactory(partner=partner).pk for _ in range(7)]


def test_following_next_walks_every_item_once_in_order(api, seven_customers):
    seen, url = [], "/api/v1/customers/?page_size=3"
    while url:
        body = api.get(url).json()
        seen += [customer["id"] for customer in body["results"]]
        url = body["next"]

    assert seen == sorted(seven_customers)


def test_previous_leads_back(api, seven_customers):
    second = api.get(api.get("/api/v1/customers/?page_size=3").json()["next"]).json()

    first = api.get(second["previous"]).json()

    assert [c["id"] for c in first["results"]] == sorted(seven_customers)[:3]


def test_numbered_pages_link_by_number(api, seven_customers):
    body = api.get("/api/v1/customers/?page=2&page_size=3").json()

    assert [c["id"] for c in body["results"]] == sorted(seven_customers)[3:6]
    assert "page=3" in body["next"]
    assert "page=" not in body["previous"]
    assert api.get("/api/v1/customers/?page=4&page_size=3").status_code == 404


def test_the_count_is_exact_up_to_the_cap_and_says_when_capped(api, seven_customers, monkeypatch):
    assert api.get("/api/v1/customers/").json()["count"] == 7

    monkeypatch.setattr(KeysetPagination, "COUNT_CAP", 5)
    body = api.get("/api/v1/customers/").json()

    assert (body["count"], body["count_capped"]) == (5, True)


@pytest.mark.parametrize(
    "query", ["cursor=", "cursor=cD1hYmM=", "cursor=bz0tNQ==", "cursor=abc", "page=1&cursor=x"]
)
def test_a_cursor_the_api_never_sent_is_a_400(api, seven_customers, query):
    response = api.get(f"/api/v1/customers/?{query}")

    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_a_page_number_beyond_any_list_is_not_found_not_an_overflow(api, seven_customers):
    response = api.get("/api/v1/search/?page=555574720887852040192")

    assert response.status_code == 404


@pytest.mark.parametrize("query", ["customer_idd=1", "stat=active", "=null"])
def test_a_parameter_a_list_does_not_take_is_a_400(api, seven_customers, query):
    response = api.get(f"/api/v1/policies/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
