import re

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_documents_every_route(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = set(schema["paths"])
    assert {
        "/api/v1/create_customer/",
        "/api/v1/search/",
        "/api/v1/customers/",
        "/api/v1/customers/{id}/",
        "/api/v1/products/",
        "/api/v1/products/{id}/",
        "/api/v1/products/{id}/documents/ipid/",
        "/api/v1/quote/",
        "/api/v1/quotes/",
        "/api/v1/quotes/{id}/",
        "/api/v1/offers/",
        "/api/v1/quotes/{id}/accept/",
        "/api/v1/quotes/{id}/pay/",
        "/api/v1/quotes/{id}/update/",
        "/api/v1/quotes/{id}/decline/",
        "/api/v1/policies/{id}/cancel/",
        "/api/v1/policies/{id}/cancellation-quote/",
        "/api/v1/policies/{id}/document/",
        "/api/v1/policies/{id}/endorse/",
        "/api/v1/policies/{id}/endorsement-quote/",
        "/api/v1/policies/{id}/renew/",
        "/api/v1/policies/{id}/reinstate/",
        "/api/v1/instalments/",
        "/api/v1/instalments/{id}/",
        "/api/v1/instalments/{id}/pay/",
        "/api/v1/instalments/{id}/fail/",
        "/api/v1/policies/",
        "/api/v1/policies/{id}/",
        "/api/v1/policies/{id}/history/",
        "/api/v1/events/",
        "/api/v1/webhook-endpoints/",
        "/api/v1/webhook-endpoints/{id}/",
        "/api/v1/webhook-endpoints/{id}/deliveries/",
        "/api/v1/webhook-endpoints/{id}/disable/",
        "/api/v1/webhook-endpoints/{id}/enable/",
        "/api/v1/webhook-endpoints/{id}/rotate-secret/",
        "/api/v1/webhook-endpoints/{id}/test/",
        "/api/v1/events/{id}/redeliver/",
        "/api/v1/test-clocks/",
        "/api/v1/test-clocks/{id}/",
        "/api/v1/test-clocks/{id}/advance/",
        "/api/v1/reports/bordereau/",
    } == paths


def test_every_operation_documents_its_errors_as_problem_details(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
            assert errors, f"{method} {path} documents no error"
            for response in errors.values():
                assert list(response["content"]) == ["application/problem+json"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_their_assets_from_this_server(client, path):
    response = client.get(path)

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert not re.search(r'(src|href)="https?://', page)  # no script, style or image elsewhere


@pytest.mark.parametrize(
    "path",
    [
        "/admin/customers/customer/",
        "/admin/quotes/product/",
        "/admin/quotes/product/1/change/",
        "/admin/quotes/quote/",
        "/admin/policies/policy/",
        "/admin/policies/payment/",
    ],
)
def test_admin_pages_render_for_staff(admin_client, path, accepted_quote):
    assert admin_client.get(path).status_code == 200


def test_admin_quote_and_policy_pages_show_history(admin_client, accepted_quote):
    quote_history = admin_client.get(f"/admin/quotes/quote/{accepted_quote.pk}/history/")

    assert quote_history.status_code == 200
    assert b"accepted" in quote_history.content


@pytest.mark.parametrize("preview", ["cancellation-quote", "endorsement-quote"])
def test_the_previews_document_their_400_for_a_bad_query(client, preview):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    responses = schema["paths"][f"/api/v1/policies/{{id}}/{preview}/"]["get"]["responses"]

    assert "400" in responses


def operation(schema, path, method="get"):
    return schema["paths"][path][method]


def test_a_cursor_is_documented_as_never_empty(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    (cursor,) = [
        p for p in operation(schema, "/api/v1/customers/")["parameters"] if p["name"] == "cursor"
    ]
    assert cursor["schema"]["minLength"] == 1


def test_the_date_pattern_admits_no_zero_day_or_month(client):
    import re

    schema = yaml.safe_load(client.get("/api/schema/").content)
    pattern = schema["components"]["schemas"]["CustomerInputRequest"]["properties"]["dob"]

    for day in ("25-06-1991", "1991-06-25", "31-12-1999"):
        assert re.match(pattern["pattern"], day)
    for day in ("00-00-0000", "32-01-1990", "01-13-1990", "1990-00-10", "1990-01-00"):
        assert not re.match(pattern["pattern"], day)


def test_the_partner_field_is_documented_as_staff_only(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    partner = schema["components"]["schemas"]["CustomerInputRequest"]["properties"]["partner"]

    assert partner["description"].startswith("Staff only")
    assert "A partner never sends it (400)" in partner["description"]


@pytest.mark.parametrize(
    ("path", "name"), [("/api/v1/quotes/", "customer"), ("/api/v1/policies/", "customer_id")]
)
def test_the_customer_filter_is_bounded_by_what_a_javascript_client_holds(client, api, path, name):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    (customer,) = [p for p in operation(schema, path)["parameters"] if p["name"] == name]

    assert customer["schema"]["maximum"] == 2**53 - 1
    assert api.get(path, {name: 2**53 - 1}).status_code == 200
    assert api.get(path, {name: 2**53}).status_code == 400


def test_the_webhook_example_names_a_reserved_host_and_the_docs_explain_local_receivers(
    client, api
):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    create = operation(schema, "/api/v1/webhook-endpoints/", "post")
    example = next(iter(create["requestBody"]["content"]["application/json"]["examples"].values()))

    url = example["value"]["url"]
    assert url.startswith("https://") and url.split("/")[2].endswith(".example")
    assert "WEBHOOKS_ALLOW_LOOPBACK=1" in create["description"]
    assert "http://127.0.0.1:<port>/" in create["description"]
    # Tried as shown, it posts nowhere: the name is refused, nothing is registered.
    response = api.post("/api/v1/webhook-endpoints/", example["value"], format="json")
    assert response.status_code == 400


def test_the_docs_lead_a_newcomer_from_tokens_to_webhooks(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)

    tags = [tag["name"] for tag in schema["tags"]]
    used = {op["tags"][0] for ops in schema["paths"].values() for op in ops.values()}

    assert tags == [
        "Partners and tokens",
        "Customers",
        "Quotes and offers",
        "Payment",
        "Policies",
        "Sandbox",
        "Reports",
        "Events and webhooks",
        "Published contracts",
    ]
    assert all(tag["description"] for tag in schema["tags"])
    assert used <= set(tags)
    assert operation(schema, "/api/v1/quotes/{id}/pay/", "post")["tags"] == ["Payment"]
    assert operation(schema, "/api/v1/search/")["tags"] == ["Published contracts"]
    assert "**Getting started**" in schema["info"]["description"]
