"""The OpenAPI schema, validation and the database agree on every limit, and every response
carries what the schema says it always carries."""

import re

import pytest
from django.db import models
from drf_spectacular.generators import SchemaGenerator

from customers.models import Customer
from myproject.webhooks.models import WebhookEndpoint
from policies.models import Instalment, Policy
from quotes.models import MONEY, Product, Quote

pytestmark = pytest.mark.django_db

HISTORY_REASON = Quote.history.model._meta.get_field("history_change_reason")

# Every free-text request field with a length limit, and the column that stores it. A text
# field the API takes but never stores is named with None, and why.
COLUMNS = {
    ("CustomerInputRequest", "first_name"): Customer._meta.get_field("first_name"),
    ("CustomerInputRequest", "last_name"): Customer._meta.get_field("last_name"),
    ("CustomerInputRequest", "external_ref"): Customer._meta.get_field("external_ref"),
    ("PatchedCustomerUpdateInputRequest", "first_name"): Customer._meta.get_field("first_name"),
    ("PatchedCustomerUpdateInputRequest", "last_name"): Customer._meta.get_field("last_name"),
    ("PatchedCustomerUpdateInputRequest", "external_ref"): Customer._meta.get_field("external_ref"),
    ("QuoteCreateInputRequest", "type"): Product._meta.get_field("code"),
    ("QuoteCommandCreateRequest", "type"): Product._meta.get_field("code"),
    ("QuoteAcceptInputRequest", "type"): Product._meta.get_field("code"),
    # a document id, compared with the quote's own, never stored: at most a code and ".v"
    ("QuoteAcceptInputRequest", "disclosure"): None,
    ("QuoteCommandStatusRequest", "disclosure"): None,
    ("PaymentByUpdateInputRequest", "type"): Product._meta.get_field("code"),
    ("QuoteCreateInputRequest", "age_band"): Quote._meta.get_field("age_band"),
    ("QuoteCreateInputRequest", "partner_reference"): Quote._meta.get_field("partner_reference"),
    ("QuoteDeclineInputRequest", "reason"): HISTORY_REASON,
    ("CancelInputRequest", "note"): Policy._meta.get_field("cancellation_note"),
    ("InstalmentFailureInputRequest", "reason"): Instalment._meta.get_field("failure_reason"),
    ("QuoteAcceptInputRequest", "state"): None,  # the seed's "state": "new", ignored
    ("PaymentByUpdateInputRequest", "state"): None,
    ("WebhookEndpointInputRequest", "url"): WebhookEndpoint._meta.get_field("url"),
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def request_strings(schema):
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            for field, spec in component.get("properties", {}).items():
                if spec.get("type") == "string" and "enum" not in spec:
                    yield name, field, spec


def test_every_text_field_a_request_takes_is_bounded_like_its_column(schema):
    texts = {
        (name, field): spec
        for name, field, spec in request_strings(schema)
        if "pattern" not in spec  # dates and money: checked below
    }

    assert set(texts) == set(COLUMNS)
    for key, spec in texts.items():
        column = COLUMNS[key]
        assert "maxLength" in spec, key
        if column is not None:
            assert isinstance(column, models.CharField)
            assert spec["maxLength"] == column.max_length, key


def test_every_money_field_fits_its_column(schema):
    digits = MONEY["max_digits"] - MONEY["decimal_places"]
    money = [spec for _, _, spec in request_strings(schema) if spec.get("format") == "decimal"]

    assert money
    for spec in money:
        assert f"[0-9]{{1,{digits}}}" in spec["pattern"]
        assert f"[0-9]{{1,{MONEY['decimal_places']}}}" in spec["pattern"]


def test_the_limits_are_enforced_as_documented(api, customer, schema):
    limit = schema["components"]["schemas"]["CustomerInputRequest"]["properties"]["first_name"]
    body = {"last_name": "Stokes", "dob": "25-06-1991"}

    at_limit = api.post(
        "/api/v1/customers/", {**body, "first_name": "B" * limit["maxLength"]}, format="json"
    )
    over = api.post(
        "/api/v1/customers/", {**body, "first_name": "B" * (limit["maxLength"] + 1)}, format="json"
    )

    assert at_limit.status_code == 201
    assert over.status_code == 400


# Responses against the schema


def resolve(schema, spec):
    while "$ref" in spec:
        spec = schema["components"]["schemas"][spec["$ref"].rsplit("/", 1)[1]]
    if "allOf" in spec:
        return resolve(schema, spec["allOf"][0])
    return spec


def conforms(schema, spec, value, where="body"):
    """Every required member present; null only where the schema allows it; types right."""
    if value is None:
        assert spec.get("nullable") or resolve(schema, spec).get("nullable"), f"{where} is null"
        return
    spec = resolve(schema, spec)
    if spec.get("type") == "array":
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            conforms(schema, spec["items"], item, f"{where}[{index}]")
    elif spec.get("type") == "object" or "properties" in spec:
        assert isinstance(value, dict), where
        for name in spec.get("required", []):
            assert name in value, f"{where}.{name} is required but missing"
        for name, member in value.items():
            if name in spec.get("properties", {}):
                conforms(schema, spec["properties"][name], member, f"{where}.{name}")
    elif spec.get("type") == "string":
        assert isinstance(value, str), where
        if "pattern" in spec:
            assert re.match(spec["pattern"], value), f"{where}={value!r}"


def response_spec(schema, path, method, status):
    operation = schema["paths"][path][method]
    content = operation["responses"][str(status)]["content"]
    return next(iter(content.values()))["schema"]


def test_every_response_of_the_whole_story_matches_the_schema(api, schema):
    calls = []

    def call(method, template, url, body=None, status=200):
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == status, response.content
        calls.append((template, method, status, response.json()))
        return response.json()

    customer = call(
        "post",
        "/api/v1/create_customer/",
        "/api/v1/create_customer/",
        {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"},
        201,
    )
    quote = call(
        "post",
        "/api/v1/quotes/",
        "/api/v1/quotes/",
        {"customer": customer["id"], "type": "personal-accident"},
        201,
    )
    call("post", "/api/v1/quotes/{id}/accept/", f"/api/v1/quotes/{quote['id']}/accept/")
    call("post", "/api/v1/quotes/{id}/pay/", f"/api/v1/quotes/{quote['id']}/pay/")
    call("get", "/api/v1/policies/{id}/", f"/api/v1/policies/{quote['id']}/")
    call(
        "post",
        "/api/v1/policies/{id}/cancel/",
        f"/api/v1/policies/{quote['id']}/cancel/",
        {"reason": "other"},
    )
    call("get", "/api/v1/policies/{id}/history/", f"/api/v1/policies/{quote['id']}/history/")
    call("get", "/api/v1/policies/", "/api/v1/policies/")
    call("get", "/api/v1/search/", "/api/v1/search?name=ben")

    for template, method, status, body in calls:
        conforms(schema, response_spec(schema, template, method, status), body, template)
