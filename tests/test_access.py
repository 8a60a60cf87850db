"""Authentication and partner scoping, checked over every route the URL configuration has."""

import datetime as dt
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from knox.models import AuthToken

from customers import models as customer_models
from customers.models import Customer
from customers.tests.factories import CustomerFactory, partner_token
from myproject.webhooks.models import Event, WebhookEndpoint
from myproject.webhooks.services import endpoint_create
from policies.models import Instalment, Payment, Policy
from policies.services import policy_issue
from quotes.models import Quote
from quotes.services import quote_accept, quote_create
from tests.helpers import client_with_token

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(actions)
    view = callback.view_class
    return sorted(m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m))


def api_routes():
    """(regex route, methods, has an id) for every route under /api/v1/."""
    routes = []
    for route, callback in _walk(get_resolver().url_patterns):
        route = route.replace("^", "").replace("$", "")
        if route.startswith(API_PREFIX):
            routes.append((route, _methods(callback), bool(GROUP.search(route))))
    return routes


def concrete(route: str, object_id: int | str = 1) -> str:
    def fill(group: re.Match) -> str:
        # Events are named evt_...; everything else by number.
        if "evt_" in group.group() and not str(object_id).startswith("evt_"):
            return f"evt_{object_id:0>24}"
        return str(object_id)

    return "/" + GROUP.sub(fill, route).replace("/?", "/")


ROUTES = api_routes()
DETAIL_ROUTES = [(route, methods) for route, methods, has_id in ROUTES if has_id]


def test_the_route_table_is_found():
    assert len(ROUTES) >= 12
    assert any("policies" in route for route, _ in DETAIL_ROUTES)


@pytest.mark.parametrize(
    ("route", "method"), [(route, m) for route, methods, _ in ROUTES for m in methods]
)
def test_every_api_route_refuses_anonymous_callers(anonymous, route, method):
    response = getattr(anonymous, method)(concrete(route), {}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


@pytest.fixture
def partner_a_objects(partner, customer, personal_accident, settings):
    """Partner A's customer, an accepted quote, an issued policy and a webhook endpoint."""
    accepted = quote_accept(quote_id=quote_create(customer=customer, product=personal_accident).pk)
    paid = quote_create(customer=customer, product=personal_accident)
    quote_accept(quote_id=paid.pk)
    policy = policy_issue(quote_id=paid.pk, plan="monthly")
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    endpoint = endpoint_create(
        owner_id=partner.user_id, url="http://127.0.0.1:9/hooks", events=["*"]
    )
    return {
        "customers": customer.pk,
        "quotes": accepted.pk,
        "policies": policy.pk,
        "instalments": Instalment.objects.filter(policy=policy).last().pk,
        "events": Event.objects.filter(owner=partner.user).last().uid,
        # A clock of its own (made directly: a live partner may not make one through the API).
        "test-clocks": customer_models.TestClock.objects.create(
            partner=partner, now=timezone.now()
        ).pk,
        "webhook-endpoints": endpoint.pk,
    }


SHARED = {"products"}  # the catalogue is shared by every partner


@pytest.mark.parametrize(
    ("route", "method"), [(route, m) for route, methods in DETAIL_ROUTES for m in methods]
)
def test_another_partners_objects_are_not_found_on_any_detail_route(
    other_api, partner_a_objects, route, method
):
    resource = route.removeprefix(API_PREFIX).split("/")[0]
    if resource in SHARED:
        assert getattr(other_api, method)(concrete(route)).status_code == 200
        return
    assert resource in partner_a_objects, f"new detail route {route}: say whose objects it shows"
    body = {"is_accepted": True} if method == "put" else {}

    response = getattr(other_api, method)(
        concrete(route, partner_a_objects[resource]), body, format="json"
    )

    assert response.status_code == 404
    assert Quote.objects.get(pk=partner_a_objects["quotes"]).state == Quote.State.ACCEPTED
    assert Policy.objects.count() == 1
    assert WebhookEndpoint.objects.get().is_active


def test_lists_and_search_show_only_the_callers_own_data(api, other_api, partner_a_objects):
    customer_id = partner_a_objects["customers"]
    for path in ["customers/", "search/", "quotes/", "policies/", "events/", "webhook-endpoints/"]:
        assert other_api.get(f"/api/v1/{path}").json()["results"] == [], path
        assert api.get(f"/api/v1/{path}").json()["count"] >= 1, path
    assert other_api.get("/api/v1/quotes/", {"customer": customer_id}).json()["results"] == []
    assert other_api.get("/api/v1/policies/", {"customer_id": customer_id}).json()["count"] == 0
    search = other_api.get("/api/v1/search/", {"policy_type": "personal-accident", "name": "b"})
    assert search.json()["results"] == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("quotes/", {"customer": "CUSTOMER", "type": "personal-accident"}, "customer"),
        ("quote/", {"customer_id": "CUSTOMER", "type": "personal-accident"}, "customer_id"),
        ("quote/", {"quote_id": "QUOTE", "status": "accepted"}, "quote_id"),
        ("quote/", {"quote_id": "QUOTE", "status": "active"}, "quote_id"),
    ],
)
def test_naming_another_partners_object_in_a_body_is_like_an_unknown_id(
    other_api, partner_a_objects, path, body, field
):
    ids = {"CUSTOMER": partner_a_objects["customers"], "QUOTE": partner_a_objects["quotes"]}
    body = {key: ids.get(value, value) for key, value in body.items()}
    quotes_before = Quote.objects.count()

    response = other_api.post(f"/api/v1/{path}", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][field] == [
        f'Invalid pk "{body[field]}" - object does not exist.'
    ]
    assert Quote.objects.count() == quotes_before
    assert Quote.objects.get(pk=partner_a_objects["quotes"]).state == Quote.State.ACCEPTED


def test_a_partners_customer_belongs_to_it(api, partner):
    response = api.post(
        "/api/v1/create_customer/",
        {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"},
        format="json",
    )

    assert response.status_code == 201
    assert Customer.objects.get(pk=response.json()["id"]).partner == partner


def test_staff_see_every_partner_and_must_name_the_owner_of_a_new_customer(
    staff_api, partner_a_objects, other_partner
):
    CustomerFactory(partner=other_partner)
    body = {"first_name": "Joe", "last_name": "Root", "dob": "30-12-1990"}

    assert staff_api.get("/api/v1/customers/").json()["count"] == 2
    assert staff_api.get(f"/api/v1/policies/{partner_a_objects['policies']}/").status_code == 200
    missing = staff_api.post("/api/v1/customers/", body, format="json")
    named = staff_api.post(
        "/api/v1/customers/", {**body, "partner": other_partner.pk}, format="json"
    )

    assert missing.status_code == 400
    assert "partner" in missing.json()["errors"]
    assert named.status_code == 201
    assert named.json()["partner"] == other_partner.pk


def test_bearer_is_accepted_like_token(partner):
    token = partner_token(partner)
    client = client_with_token(token)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert client.get("/api/v1/customers/").status_code == 200


def test_a_token_pasted_with_its_keyword_into_swagger_uis_bearer_dialog_works(partner):
    token = partner_token(partner)
    client = client_with_token(token)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer Token {token}")

    assert client.get("/api/v1/customers/").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token not-a-real-token",
        "Token a b",
        "Bearer ",
        "Token \u00e9\u00e9",
        "Basic eA==",
        "Token Token x",
        "Bearer Token",
        "Bearer Bearer x",
    ],
)
def test_bad_credentials_are_refused_with_401(header, db):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/customers/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_expired_token_is_refused(partner):
    instance, token = AuthToken.objects.create(user=partner.user, expiry=dt.timedelta(days=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - dt.timedelta(1))

    assert client_with_token(token).get("/api/v1/customers/").status_code == 401


def test_a_revoked_token_is_refused(partner):
    instance, token = AuthToken.objects.create(user=partner.user, expiry=None)
    client = client_with_token(token)
    assert client.get("/api/v1/customers/").status_code == 200

    instance.delete()

    assert client.get("/api/v1/customers/").status_code == 401


def test_a_signed_in_user_that_is_neither_staff_nor_a_partner_is_forbidden(django_user_model):
    user = django_user_model.objects.create_user("someone", password="x")
    token = AuthToken.objects.create(user=user, expiry=None)[1]

    response = client_with_token(token).get("/api/v1/customers/")

    assert response.status_code == 403


def test_each_partner_is_throttled_on_its_own(api, other_api, settings):
    settings.API_THROTTLE_RATE = "3/min"

    statuses = [api.get("/api/v1/products/").status_code for _ in range(4)]
    others = other_api.get("/api/v1/products/")

    assert statuses == [200, 200, 200, 429]
    throttled = api.get("/api/v1/products/")
    assert throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert others.status_code == 200


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("create_customer/", "partner", "OTHER"),
        ("create_customer/", "id", 99),
        ("create_customer/", "created_at", "2020-01-01T00:00:00Z"),
        ("quotes/", "state", "accepted"),
        ("quotes/", "premium", "1.00"),
        ("quotes/", "id", 99),
        ("quotes/", "valid_until", "2099-01-01T00:00:00Z"),
        ("quotes/", "currency", "USD"),
        ("quote/", "state", "active"),
        ("quote/", "premium", "1.00"),
    ],
)
def test_fields_a_client_must_not_set_are_refused(api, customer, other_partner, path, field, value):
    bodies = {
        "create_customer/": {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"},
        "quotes/": {"customer": customer.pk, "type": "personal-accident"},
        "quote/": {"customer_id": customer.pk, "type": "personal-accident"},
    }
    value = other_partner.pk if value == "OTHER" else value

    response = api.post(f"/api/v1/{path}", {**bodies[path], field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Customer.objects.count() == 1
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"state": "active", "number": "POL-1"}, "state"),
        ({"premium": "1.00"}, "premium"),
        ({"id": 5}, "id"),
        ({"customer": 1}, "customer"),
    ],
)
def test_paying_refuses_fields_a_client_must_not_set(api, accepted_quote, body, field):
    response = api.post(f"/api/v1/quotes/{accepted_quote.pk}/pay/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Policy.objects.exists()
    assert not Payment.objects.exists()


def test_history_names_the_partner_that_made_each_change(api, customer, partner):
    quote = api.post(
        "/api/v1/quote/", {"customer_id": customer.pk, "type": "personal-accident"}, format="json"
    ).json()
    api.post("/api/v1/quote/", {"quote_id": quote["id"], "status": "accepted"}, format="json")
    api.post("/api/v1/quote/", {"quote_id": quote["id"], "status": "active"}, format="json")

    history = api.get(f"/api/v1/policies/{quote['id']}/history/").json()

    assert [(entry["state"], entry["by"]) for entry in history] == [
        ("quoted", "Partner A"),
        ("accepted", "Partner A"),
        ("active", "Partner A"),
    ]


def test_partners_see_staff_changes_as_staff_and_staff_see_the_username(
    api, staff_api, customer, admin_user
):
    quote = api.post(
        "/api/v1/quote/", {"customer_id": customer.pk, "type": "personal-accident"}, format="json"
    ).json()
    api.post("/api/v1/quote/", {"quote_id": quote["id"], "status": "accepted"}, format="json")
    api.post("/api/v1/quote/", {"quote_id": quote["id"], "status": "active"}, format="json")
    staff_api.post(f"/api/v1/policies/{quote['id']}/cancel/", {"reason": "fraud"}, format="json")

    seen_by_partner = api.get(f"/api/v1/policies/{quote['id']}/history/").json()
    seen_by_staff = staff_api.get(f"/api/v1/policies/{quote['id']}/history/").json()

    assert seen_by_partner[-1]["by"] == "staff"
    assert seen_by_staff[-1]["by"] == admin_user.username
    assert [entry["by"] for entry in seen_by_partner[:-1]] == ["Partner A"] * 3
    assert all(admin_user.username not in str(entry) for entry in seen_by_partner)
