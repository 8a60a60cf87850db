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
    assert "cdn." not in page and "unpkg" not in page


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
