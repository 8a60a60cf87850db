"""What Schemathesis found, kept as plain regression tests."""

import pytest

pytestmark = pytest.mark.django_db

HUGE = "10063326823156221230335930543586280665584640888"


@pytest.mark.parametrize(
    "path",
    [
        f"policies/{HUGE}/",
        f"policies/{HUGE}/history/",
        f"quotes/{HUGE}/",
        f"customers/{HUGE}/",
        "policies/9223372036854775808/",
    ],
)
def test_an_id_too_large_for_any_column_is_not_found_not_a_server_error(api, path):
    response = api.get(f"/api/v1/{path}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("policies/", "customer_id"),
        ("quotes/", "customer"),
    ],
)
def test_an_id_filter_too_large_for_any_column_is_a_400(api, path, parameter):
    response = api.get(f"/api/v1/{path}", {parameter: "2617955296658476474108200909067517952"})

    assert response.status_code == 400
    assert parameter in response.json()["errors"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("customers/", "dob"),
        ("search/", "dob"),
        ("search/", "policy_type"),
        ("policies/", "state"),
        ("policies/", "type"),
        ("quotes/", "state"),
        ("quotes/", "customer"),
        ("customers/", "external_ref"),
        ("search/", "external_ref"),
        ("events/", "type"),
        ("events/", "after"),
    ],
)
def test_an_empty_filter_that_is_not_free_text_is_a_400(api, path, parameter):
    response = api.get(f"/api/v1/{path}?{parameter}=")

    assert response.status_code == 400
    assert parameter in response.json()["errors"]


def test_an_empty_text_filter_matches_everything(api, customer):
    assert api.get("/api/v1/search/?name=").json()["count"] == 1


@pytest.mark.parametrize(
    "query", ["page=0", "page=-1", "page=abc", "page_size=0", "page_size=null", "page_size=1.5"]
)
def test_page_numbers_must_be_whole_numbers_from_1(api, query):
    response = api.get(f"/api/v1/products/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]


def test_a_page_past_the_last_is_not_found(api):
    assert api.get("/api/v1/products/?page=99").status_code == 404


@pytest.mark.parametrize("dob", ["1-6-1991", " 25-06-1991", "25-06-91"])
def test_dates_must_have_the_documented_shape(api, dob):
    response = api.get("/api/v1/search/", {"dob": dob})
    created = api.post(
        "/api/v1/create_customer/",
        {"first_name": "Ben", "last_name": "Stokes", "dob": dob},
        format="json",
    )

    assert response.status_code == created.status_code == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [("cover", 50000), ("cover", 50000.5), ("cover", "1e5"), ("cover", " 50000"), ("cover", "")],
)
def test_money_must_be_a_decimal_string(api, customer, field, value):
    response = api.post(
        "/api/v1/quotes/",
        {"customer": customer.pk, "type": "personal-accident", field: value},
        format="json",
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("value", ["1", "true", 1, None])
def test_booleans_and_ids_must_be_json_booleans_and_integers(api, accepted_quote, value):
    pay = api.put(
        f"/api/v1/quotes/{accepted_quote.pk}/update/", {"is_accepted": value}, format="json"
    )
    quote = api.post(
        "/api/v1/quotes/", {"customer": str(accepted_quote.customer_id), "type": "term-life"},
        format="json",
    )  # fmt: skip

    assert pay.status_code == 400
    assert quote.status_code == 400


def test_an_idempotency_key_must_be_printable_ascii(api):
    response = api.post(
        "/api/v1/create_customer/",
        {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="clé",
    )

    assert response.status_code == 400


def test_request_bodies_document_that_other_fields_are_refused(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    component = schema["components"]["schemas"]["CustomerInputRequest"]

    assert component["additionalProperties"] is False


@pytest.mark.parametrize("path", ["search/", "customers/", "policies/"])
def test_an_unknown_parameter_with_a_percent_sign_is_a_400_naming_it(api, path):
    response = api.get(f"/api/v1/{path}", {"±Ð+èÇ%J?": "1"})

    assert response.status_code == 400
    assert "`±Ð+èÇ%J?` is not a parameter of this list." in str(response.json()["errors"])


@pytest.mark.parametrize("query", ["=false", "code=x", "page=1&search=a"])
def test_a_list_without_filters_refuses_any_other_parameter(api, query):
    response = api.get(f"/api/v1/products/?{query}")

    assert response.status_code == 400
    assert "is not a parameter of this list" in response.json()["errors"]["non_field_errors"][0]
