"""What an attacker sends: chunked, deep, wide and huge bodies, look-alike digits, invisible
characters. Each is a clear 4xx in the one error format, cheap to answer, and changes nothing."""

import json
import time

import pytest

from customers.models import Customer
from quotes.models import Quote
from tests.helpers import assert_problem, post_raw

pytestmark = pytest.mark.django_db

BEN = {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"}


def test_a_chunked_body_is_refused_with_411_not_read_as_empty(api):
    response = api.generic(
        "POST",
        "/api/v1/create_customer/",
        json.dumps(BEN),
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )

    assert_problem(response, 411, "length_required")
    assert not Customer.objects.exists()


def test_a_chunked_payment_never_becomes_a_card_charge(api, accepted_quote):
    response = api.generic(
        "POST",
        f"/api/v1/quotes/{accepted_quote.pk}/pay/",
        json.dumps({"payment_method": "invoice"}),
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )

    assert response.status_code == 411
    assert Quote.objects.get().state == "accepted"


def test_two_hundred_thousand_unknown_keys_get_a_small_quick_error(api):
    body = json.dumps({str(n): 1 for n in range(200_000)})  # 2.3 MB, as in the report
    started = time.monotonic()

    response = post_raw(api, "/api/v1/create_customer/", body)

    assert time.monotonic() - started < 1.5
    problem = assert_problem(response, 400, "parse_error")
    assert "1000 keys" in problem["detail"]
    assert len(response.content) < 2048


def test_an_error_lists_at_most_twenty_fields_and_counts_the_rest(api):
    body = {**BEN, **{f"unknown_{n}": 1 for n in range(900)}}

    response = api.post("/api/v1/create_customer/", body, format="json")

    problem = assert_problem(response, 400, "validation_error")
    assert len(problem["errors"]) == 20
    assert problem["more_errors"] == 880
    assert len(response.content) < 4096


def test_long_field_names_are_cut_short_in_errors(api):
    response = api.post("/api/v1/create_customer/", {**BEN, "x" * 100_000: 1}, format="json")

    problem = assert_problem(response, 400, "validation_error")
    assert all(len(name) <= 64 for name in problem["errors"])
    assert len(response.content) < 4096


def nested(depth: int) -> str:
    return '{"first_name": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("depth", [33, 500, 100_000])
def test_deep_json_is_a_400_not_a_recursion_error(api, depth):
    response = post_raw(api, "/api/v1/create_customer/", nested(depth))

    problem = assert_problem(response, 400, "parse_error")
    assert "32 levels" in problem["detail"]


def test_thirty_two_levels_are_parsed_and_judged_by_their_fields(api):
    response = post_raw(api, "/api/v1/create_customer/", nested(32))

    assert_problem(response, 400, "validation_error")


@pytest.mark.parametrize("cover", ["５００００", "٥٠٠٠٠.٠٠", "５0000.00", "50000.٠٠"])
def test_money_takes_ascii_digits_only(api, customer, cover):
    response = api.post(
        "/api/v1/quotes/",
        {"customer": customer.pk, "type": "personal-accident", "cover": cover},
        format="json",
    )

    problem = assert_problem(response, 400, "validation_error")
    assert "cover" in problem["errors"]
    assert not Quote.objects.exists()


@pytest.mark.parametrize("dob", ["٢٥-٠٦-١٩٩١", "２５-06-1991", "1991-06-２５"])
def test_dates_take_ascii_digits_only(api, dob):
    response = api.post("/api/v1/create_customer/", {**BEN, "dob": dob}, format="json")

    assert "dob" in assert_problem(response, 400, "validation_error")["errors"]


@pytest.mark.parametrize("path", ["/api/v1/customers/١/", "/api/v1/policies/?customer_id=١"])
def test_ids_take_ascii_digits_only(api, customer, path):
    assert api.get(path).status_code in (400, 404)


@pytest.mark.parametrize(
    "name",
    [
        "Ben\u202enaj",  # right-to-left override: displays as "Benjan"
        "Ben\u200b",  # zero-width space
        "\ufeffBen",  # byte order mark
        "Ben\u2028Stokes",  # line separator
        "Ben\u2029Stokes",  # paragraph separator
        "Ben\u200d",  # zero-width joiner
        "Ben\u2066x\u2069",  # isolates
    ],
)
def test_names_refuse_invisible_and_direction_changing_characters(api, name):
    response = api.post("/api/v1/create_customer/", {**BEN, "first_name": name}, format="json")

    assert "first_name" in assert_problem(response, 400, "validation_error")["errors"]
    assert not Customer.objects.exists()


def test_names_are_stored_in_one_normal_form(api):
    decomposed = "Zoe\u0301"  # e + combining acute accent

    response = api.post(
        "/api/v1/create_customer/", {**BEN, "first_name": decomposed}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["first_name"] == "Zo\u00e9"
    assert api.get("/api/v1/search?name=Zo\u00e9").json()["count"] == 1


def test_other_free_text_refuses_invisible_characters_too(api, quote):
    response = api.post(
        f"/api/v1/quotes/{quote.pk}/decline/", {"reason": "too \u202edear"}, format="json"
    )

    assert "reason" in assert_problem(response, 400, "validation_error")["errors"]
