import pytest
from django.test import RequestFactory

from customers.models import Customer
from myproject import problems
from tests.helpers import assert_problem, post_raw

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw",
    [
        "{",
        "not json",
        '{"first_name": "Ben",}',
        '{"first_name": NaN, "last_name": "S", "dob": "25-06-1991"}',
        '{"first_name": "B", "last_name": "S", "dob": "25-06-1991", "x": Infinity}',
        '{"first_name": "B", "last_name": "S", "dob": "25-06-1991", "x": -Infinity}',
        "[]",
        '"Ben"',
        "42",
        "null",
        '{"first_name": "B\\u0000en", "last_name": "S", "dob": "25-06-1991"}',
        b"\xff\xfe{}",
    ],
)
def test_unparseable_bodies_are_a_parse_error(api, raw):
    response = post_raw(api, "/api/v1/create_customer/", raw)

    assert_problem(response, 400, "parse_error")
    assert not Customer.objects.exists()


def test_a_body_that_is_not_json_is_refused(api):
    response = post_raw(
        api, "/api/v1/create_customer/", "first_name=Ben", "application/x-www-form-urlencoded"
    )

    assert_problem(response, 415, "unsupported_media_type")


def test_an_oversized_body_is_refused(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    raw = '{"first_name": "%s", "last_name": "S", "dob": "25-06-1991"}' % ("x" * 200)

    response = post_raw(api, "/api/v1/create_customer/", raw)

    assert_problem(response, 413, "payload_too_large")


def test_field_errors_list_messages_per_field(api):
    response = api.post("/api/v1/create_customer/", {"dob": "nope"}, format="json")

    body = assert_problem(response, 400, "validation_error")
    assert set(body["errors"]) == {"first_name", "last_name", "dob"}
    assert all(isinstance(m, list) and m for m in body["errors"].values())


@pytest.mark.parametrize(
    "path", ["/api/v1/nowhere/", "/api/v1/customers/abc/", "/api/v1/policies/1.5/", "/api/x"]
)
def test_unknown_routes_under_api_are_problem_documents(api, path):
    assert_problem(api.get(path), 404, "not_found")


def test_an_id_beyond_any_integer_column_is_not_found(api):
    assert_problem(api.get(f"/api/v1/customers/{10**30}/"), 404, "not_found")


def test_a_wrong_method_is_405(api):
    body = assert_problem(api.delete("/api/v1/quotes/"), 405, "method_not_allowed")
    assert "DELETE" in body["detail"]


def test_outside_the_api_django_keeps_its_own_pages(client):
    assert client.get("/nowhere/").status_code == 404
    assert "problem" not in client.get("/nowhere/")["Content-Type"]


def test_server_errors_under_the_api_are_problem_documents_without_a_traceback():
    response = problems.handler500(RequestFactory().get("/api/v1/customers/"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert b"Traceback" not in response.content
    assert b'"code": "server_error"' in response.content


def test_an_unexpected_exception_in_a_view_is_a_problem_500(api, monkeypatch):
    from customers import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.services, "customer_create", explode)
    api.raise_request_exception = False

    response = api.post(
        "/api/v1/create_customer/",
        {"first_name": "B", "last_name": "S", "dob": "25-06-1991"},
        format="json",
    )

    assert_problem(response, 500, "server_error")
    assert b"boom" not in response.content


def test_an_unexpected_constraint_violation_is_a_500_with_the_request_id(api, monkeypatch):
    from django.db import IntegrityError

    from customers import views

    def break_a_constraint(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(views.services, "customer_create", break_a_constraint)
    api.raise_request_exception = False

    response = api.post(
        "/api/v1/create_customer/",
        {"first_name": "B", "last_name": "S", "dob": "25-06-1991"},
        format="json",
        HTTP_X_REQUEST_ID="trace-integrity",
    )

    body = assert_problem(response, 500, "server_error")
    assert body["request_id"] == "trace-integrity"
    assert b"duplicate key" not in response.content


def test_a_second_policy_for_one_quote_lost_to_a_race_is_a_409(api, accepted_quote, monkeypatch):
    from django.db import IntegrityError

    from policies.models import Payment, Policy

    def lose_the_race(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Policy, "save", lose_the_race)

    response = api.post(f"/api/v1/quotes/{accepted_quote.pk}/pay/")

    body = assert_problem(response, 409, "concurrent_change")
    assert "duplicate key" not in body["detail"]
    assert not Payment.objects.exists()
    accepted_quote.refresh_from_db()
    assert accepted_quote.state == "accepted"
