import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from quotes.models import Product, Quote
from quotes.services import quote_create
from tests.helpers import AUTH_QUERIES, born_years_ago

pytestmark = pytest.mark.django_db


def post_quote(api, **body):
    return api.post("/api/v1/quotes/", body, format="json")


def test_products_list_the_catalogue_with_bands(api):
    response = api.get("/api/v1/products/")

    assert response.status_code == 200
    products = {p["code"]: p for p in response.json()["results"]}
    assert {"personal-accident", "term-life", "critical-illness"} <= set(products)
    pa = products["personal-accident"]
    assert pa["currency"] == "AED"
    assert pa["default_cover"] == "50000.00"
    assert (pa["min_age"], pa["max_age"]) == (18, 75)
    assert [b["label"] for b in pa["bands"]] == ["18-29", "30-44", "45-59", "60-75"]
    assert pa["bands"][0]["rate_per_mille"] == "1.6000"


def test_inactive_products_are_hidden_and_cannot_be_quoted(api, customer):
    Product.objects.filter(code="term-life").update(is_active=False)

    codes = [p["code"] for p in api.get("/api/v1/products").json()["results"]]
    response = post_quote(api, customer=customer.pk, type="term-life")

    assert "term-life" not in codes
    assert response.status_code == 400
    assert "type" in response.json()["errors"]


@pytest.mark.parametrize("path", ["/api/v1/quotes", "/api/v1/quotes/"])
def test_a_quote_is_priced_by_product_code(api, customer, path):
    response = api.post(path, {"customer": customer.pk, "type": "personal-accident"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["customer"] == customer.pk
    assert body["type"] == "personal-accident"
    assert body["state"] == "quoted"
    assert body["cover"] == "50000.00"
    assert body["premium"] == "100.00"
    assert body["currency"] == "AED"
    assert body["age_band"] == "30-44"
    assert body["rated_age"] == 35
    valid_until = dt.datetime.fromisoformat(body["valid_until"].replace("Z", "+00:00"))
    assert valid_until - timezone.now() > dt.timedelta(days=29, hours=23)


def test_the_seed_example_body_prices_by_product_id(api, customer, personal_accident):
    response = post_quote(
        api,
        customer=customer.pk,
        policy=personal_accident.pk,
        age_band="30-44",
        quoted_premium="100.00",
    )

    assert response.status_code == 201
    assert response.json()["premium"] == "100.00"


def test_cover_sets_the_price(api, customer):
    response = post_quote(api, customer=customer.pk, type="personal-accident", cover="250000")

    assert response.status_code == 201
    assert response.json()["cover"] == "250000.00"
    assert response.json()["premium"] == "500.00"


@pytest.mark.parametrize(
    ("age", "band", "premium"),
    [
        (18, "18-29", "80.00"),
        (25, "18-29", "80.00"),
        (29, "18-29", "80.00"),
        (30, "30-44", "100.00"),
        (55, "45-59", "145.00"),
        (60, "60-75", "225.00"),
        (75, "60-75", "225.00"),
    ],
)
def test_price_follows_the_age_band_on_the_quote_date(api, age, band, premium):
    customer = CustomerFactory(dob=born_years_ago(age))

    response = post_quote(api, customer=customer.pk, type="personal-accident")

    assert response.status_code == 201
    assert (response.json()["age_band"], response.json()["premium"]) == (band, premium)


def test_the_day_before_a_birthday_still_prices_the_younger_age(api):
    customer = CustomerFactory(dob=born_years_ago(30, days_later=1))

    response = post_quote(api, customer=customer.pk, type="personal-accident")

    assert response.json()["rated_age"] == 29
    assert response.json()["age_band"] == "18-29"


@pytest.mark.parametrize(("age", "days_later"), [(17, 0), (18, 1), (76, 0), (90, 0)])
def test_customers_outside_the_product_ages_are_refused(api, age, days_later):
    customer = CustomerFactory(dob=born_years_ago(age, days_later=days_later))

    response = post_quote(api, customer=customer.pk, type="personal-accident")

    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert not Quote.objects.exists()


@pytest.mark.parametrize("cover", ["9999.99", "1000000.01", "0", "-5", "0.001", "1e20", "NaN"])
def test_cover_outside_the_product_limits_is_refused(api, customer, cover):
    response = post_quote(api, customer=customer.pk, type="personal-accident", cover=cover)

    assert response.status_code == 400
    assert "cover" in response.json()["errors"]
    assert not Quote.objects.exists()


def test_cover_at_the_product_limits_is_accepted(api, customer):
    low = post_quote(api, customer=customer.pk, type="personal-accident", cover="10000.00")
    high = post_quote(api, customer=customer.pk, type="personal-accident", cover="1000000.00")

    assert (low.status_code, high.status_code) == (201, 201)


def test_a_wrong_age_band_is_a_client_error(api, customer):
    response = post_quote(api, customer=customer.pk, type="personal-accident", age_band="25-35")

    assert response.status_code == 400
    assert "30-44" in response.json()["errors"]["age_band"][0]
    assert not Quote.objects.exists()


def test_a_stale_quoted_premium_is_a_conflict_carrying_the_server_price(api, customer):
    response = post_quote(
        api, customer=customer.pk, type="personal-accident", quoted_premium="150.00"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "premium_mismatch"
    assert body["premium"] == "100.00"
    assert body["currency"] == "AED"
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "personal-accident"}, "customer"),
        ({"customer": 999999, "type": "personal-accident"}, "customer"),
        ({"customer": "abc", "type": "personal-accident"}, "customer"),
        ({"customer": 1.5, "type": "personal-accident"}, "customer"),
        ({"customer": True, "type": "personal-accident"}, "customer"),
        ({"customer": 2**70, "type": "personal-accident"}, "customer"),
        ({"customer": "CUSTOMER"}, "type"),
        ({"customer": "CUSTOMER", "type": "no-such-product"}, "type"),
        ({"customer": "CUSTOMER", "policy": 999999}, "policy"),
        ({"customer": "CUSTOMER", "type": "term-life", "policy": "PA"}, "type"),
        ({"customer": "CUSTOMER", "type": "personal-accident", "premium": "1.00"}, "premium"),
        ({"customer": "CUSTOMER", "type": "personal-accident", "state": "accepted"}, "state"),
        ({"customer": "CUSTOMER", "type": "personal-accident", "cover": True}, "cover"),
        ({"customer": "CUSTOMER", "type": "personal-accident", "age_band": 30}, "age_band"),
    ],
)
def test_invalid_quote_requests_name_the_field(api, customer, personal_accident, body, field):
    values = {"CUSTOMER": customer.pk, "PA": personal_accident.pk}
    body = {key: values.get(value, value) if isinstance(value, str) else value
            for key, value in body.items()}  # fmt: skip

    response = post_quote(api, **body)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Quote.objects.exists()


def test_accept_moves_a_quote_to_accepted(api, quote):
    response = api.post(f"/api/v1/quotes/{quote.pk}/accept/")

    assert response.status_code == 200
    assert response.json()["state"] == "accepted"
    quote.refresh_from_db()
    assert quote.state == Quote.State.ACCEPTED


def test_accept_takes_the_seed_example_body(api, quote):
    body = {
        "type": "personal-accident",
        "premium": "100.00",
        "cover": "50000.00",
        "state": "new",
        "is_accepted": False,
        "customer": quote.customer_id,
    }

    response = api.post(f"/api/v1/quotes/{quote.pk}/accept", body, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "accepted"


@pytest.mark.parametrize(
    ("field", "value"),
    [("type", "term-life"), ("premium", "99.99"), ("cover", "60000.00"), ("customer", 999)],
)
def test_accept_with_a_body_that_contradicts_the_quote_changes_nothing(api, quote, field, value):
    response = api.post(f"/api/v1/quotes/{quote.pk}/accept/", {field: value}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "quote_mismatch"
    assert field in response.json()["errors"]
    quote.refresh_from_db()
    assert quote.state == Quote.State.QUOTED
    assert quote.history.count() == 1


def test_accepting_twice_is_a_conflict(api, quote):
    api.post(f"/api/v1/quotes/{quote.pk}/accept/")

    response = api.post(f"/api/v1/quotes/{quote.pk}/accept/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["state"] == "accepted"
    assert quote.history.count() == 2


def test_an_expired_quote_cannot_be_accepted(api, customer, personal_accident):
    long_ago = timezone.now() - dt.timedelta(days=31)
    quote = quote_create(customer=customer, product=personal_accident, now=long_ago)

    response = api.post(f"/api/v1/quotes/{quote.pk}/accept/")

    assert response.status_code == 409
    assert response.json()["code"] == "quote_expired"
    quote.refresh_from_db()
    assert quote.state == Quote.State.QUOTED


def test_accepting_an_unknown_quote_is_not_found(api):
    assert api.post("/api/v1/quotes/999999/accept/").status_code == 404
    assert api.post("/api/v1/quotes/abc/accept/").status_code == 404
    assert api.post(f"/api/v1/quotes/{2**70}/accept/").status_code == 404


def test_accept_only_takes_post(api, quote):
    assert api.get(f"/api/v1/quotes/{quote.pk}/accept/").status_code == 405


def test_quotes_list_filters_by_customer_state_and_type(api, customer, personal_accident):
    other = CustomerFactory(dob=born_years_ago(40))
    first = quote_create(customer=customer, product=personal_accident)
    quote_create(customer=other, product=personal_accident)
    quote_create(customer=other, product=Product.objects.get(code="term-life"))
    api.post(f"/api/v1/quotes/{first.pk}/accept/")

    def ids(**params):
        return [q["id"] for q in api.get("/api/v1/quotes/", params).json()["results"]]

    assert len(ids()) == 3
    assert ids(customer=customer.pk) == [first.pk]
    assert ids(state="accepted") == [first.pk]
    assert len(ids(type="term-life")) == 1
    assert ids(customer=other.pk, type="personal-accident", state="accepted") == []


@pytest.mark.parametrize(
    ("parameter", "value"), [("state", "bogus"), ("type", "bogus"), ("customer", "x")]
)
def test_quotes_list_refuses_invalid_filter_values(api, parameter, value):
    response = api.get("/api/v1/quotes/", {parameter: value})

    assert response.status_code == 400
    assert parameter in response.json()["errors"]


def test_quote_detail(api, quote):
    body = api.get(f"/api/v1/quotes/{quote.pk}").json()

    assert body["id"] == quote.pk
    assert body["premium"] == "100.00"
    assert Decimal(body["cover"]) == quote.cover


def test_listing_quotes_takes_a_fixed_number_of_queries(
    api, customer, personal_accident, django_assert_max_num_queries
):
    for _ in range(10):
        quote_create(customer=customer, product=personal_accident)

    with django_assert_max_num_queries(AUTH_QUERIES + 2):
        assert len(api.get("/api/v1/quotes/").json()["results"]) == 10


@pytest.mark.parametrize("length", [101, 200])
def test_a_decline_reason_up_to_200_characters_is_kept_in_history(api, quote, length):
    reason = "r" * length

    response = api.post(f"/api/v1/quotes/{quote.pk}/decline/", {"reason": reason}, format="json")

    assert response.status_code == 200
    assert quote.history.latest().history_change_reason == reason


def test_a_decline_reason_over_200_characters_is_a_400(api, quote):
    response = api.post(f"/api/v1/quotes/{quote.pk}/decline/", {"reason": "r" * 201}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    quote.refresh_from_db()
    assert quote.state == "quoted"
