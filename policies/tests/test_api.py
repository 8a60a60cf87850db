import datetime as dt

import pytest
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from policies.models import Payment, Policy
from policies.services import policy_issue
from quotes.models import Product, Quote
from quotes.services import quote_accept, quote_create
from tests.helpers import AUTH_QUERIES, born_years_ago

pytestmark = pytest.mark.django_db


def paid_policy(customer, product, **kwargs) -> Policy:
    quote = quote_create(customer=customer, product=product)
    quote_accept(quote_id=quote.pk)
    return policy_issue(quote_id=quote.pk, **kwargs)


def test_paying_an_accepted_quote_issues_an_active_policy(api, accepted_quote):
    response = api.post(f"/api/v1/quotes/{accepted_quote.pk}/pay/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == accepted_quote.pk
    assert body["state"] == "active"
    assert body["type"] == "personal-accident"
    assert body["premium"] == "100.00"
    assert body["cover"] == "50000.00"
    assert body["currency"] == "AED"
    assert body["customer"]["id"] == accepted_quote.customer_id
    assert body["number"].startswith("POL-")
    today = timezone.localdate()
    assert body["start_date"] == today.strftime("%d-%m-%Y")
    assert body["payment"]["method"] == "card"
    assert body["payment"]["status"] == "succeeded"
    assert body["payment"]["amount"] == "100.00"
    accepted_quote.refresh_from_db()
    assert accepted_quote.state == Quote.State.PAID


def test_paying_by_invoice_leaves_the_payment_pending_but_the_policy_active(api, accepted_quote):
    response = api.post(
        f"/api/v1/quotes/{accepted_quote.pk}/pay/", {"payment_method": "invoice"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["state"] == "active"
    assert response.json()["payment"]["status"] == "pending"


def test_an_amount_equal_to_the_premium_is_accepted(api, accepted_quote):
    response = api.post(
        f"/api/v1/quotes/{accepted_quote.pk}/pay", {"amount": "100.00"}, format="json"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "99.99"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": -100}, "amount"),
        ({"payment_method": "cash"}, "payment_method"),
        ({"premium": "100.00"}, "premium"),
    ],
)
def test_invalid_payments_are_refused_and_change_nothing(api, accepted_quote, body, field):
    response = api.post(f"/api/v1/quotes/{accepted_quote.pk}/pay/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    accepted_quote.refresh_from_db()
    assert accepted_quote.state == Quote.State.ACCEPTED
    assert not Policy.objects.exists()
    assert not Payment.objects.exists()


def test_paying_a_quote_that_is_not_accepted_is_a_conflict(api, quote):
    response = api.post(f"/api/v1/quotes/{quote.pk}/pay/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert not Policy.objects.exists()


def test_paying_twice_is_a_conflict_and_charges_once(api, accepted_quote):
    api.post(f"/api/v1/quotes/{accepted_quote.pk}/pay/")

    response = api.post(f"/api/v1/quotes/{accepted_quote.pk}/pay/")

    assert response.status_code == 409
    assert response.json()["state"] == "paid"
    assert Policy.objects.count() == 1
    assert Payment.objects.count() == 1


def test_an_expired_accepted_quote_cannot_be_paid(api, customer, personal_accident):
    quote = quote_create(customer=customer, product=personal_accident)
    quote_accept(quote_id=quote.pk)
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.now() - dt.timedelta(seconds=1))

    response = api.post(f"/api/v1/quotes/{quote.pk}/pay/")

    assert response.status_code == 409
    assert response.json()["code"] == "quote_expired"
    assert not Policy.objects.exists()


@pytest.mark.parametrize("path", ["update", "update/"])
def test_the_seed_update_pays_with_is_accepted_true(api, accepted_quote, path):
    body = {
        "type": "personal-accident",
        "premium": "100.00",
        "cover": "50000.00",
        "state": "new",
        "is_accepted": True,
        "customer": accepted_quote.customer_id,
    }

    response = api.put(f"/api/v1/quotes/{accepted_quote.pk}/{path}", body, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "active"
    assert response.json()["id"] == accepted_quote.pk


@pytest.mark.parametrize("is_accepted", [False, None, "MISSING"])
def test_the_seed_update_without_is_accepted_true_is_refused(api, accepted_quote, is_accepted):
    body = {"type": "personal-accident"}
    if is_accepted != "MISSING":
        body["is_accepted"] = is_accepted

    response = api.put(f"/api/v1/quotes/{accepted_quote.pk}/update/", body, format="json")

    assert response.status_code == 400
    assert "is_accepted" in response.json()["errors"]
    assert not Policy.objects.exists()


def test_the_seed_update_with_a_contradicting_premium_is_a_mismatch(api, accepted_quote):
    body = {"is_accepted": True, "premium": "1.00"}

    response = api.put(f"/api/v1/quotes/{accepted_quote.pk}/update/", body, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "quote_mismatch"
    assert not Policy.objects.exists()


def test_pay_and_update_refuse_other_methods(api, accepted_quote):
    assert api.get(f"/api/v1/quotes/{accepted_quote.pk}/pay/").status_code == 405
    assert api.post(f"/api/v1/quotes/{accepted_quote.pk}/update/").status_code == 405


def test_paying_an_unknown_quote_is_not_found(api):
    assert api.post("/api/v1/quotes/424242/pay/").status_code == 404
    assert api.put("/api/v1/quotes/424242/update/", {}, format="json").status_code == 404


def test_policy_detail_carries_its_customer_and_payment(api, customer, personal_accident):
    policy = paid_policy(customer, personal_accident, payment_method="invoice")

    response = api.get(f"/api/v1/policies/{policy.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["customer"] == {
        "id": customer.pk,
        "partner": customer.partner_id,
        "first_name": "Ben",
        "last_name": "Stokes",
        "dob": customer.dob.strftime("%d-%m-%Y"),
        "external_ref": None,
        "created_at": body["customer"]["created_at"],
        "updated_at": body["customer"]["updated_at"],
    }
    assert body["payment"]["method"] == "invoice"
    assert body["payment"]["reference"].startswith("PAY-")


def test_unknown_policy_is_not_found(api):
    assert api.get("/api/v1/policies/31337/").status_code == 404
    assert api.get("/api/v1/policies/31337/history/").status_code == 404
    assert api.get("/api/v1/policies/nope/").status_code == 404


def test_policies_list_filters_by_customer_type_and_state(api, customer, personal_accident):
    other = CustomerFactory(dob=born_years_ago(40))
    mine = paid_policy(customer, personal_accident)
    theirs = paid_policy(other, Product.objects.get(code="term-life"))

    def ids(**params):
        response = api.get("/api/v1/policies", params)
        assert response.status_code == 200
        return [p["id"] for p in response.json()["results"]]

    assert ids() == [mine.pk, theirs.pk]
    assert ids(customer_id=customer.pk) == [mine.pk]
    assert ids(type="term-life") == [theirs.pk]
    assert ids(state="active") == [mine.pk, theirs.pk]
    assert ids(customer_id=customer.pk, type="term-life") == []


@pytest.mark.parametrize(
    ("parameter", "value"), [("state", "gone"), ("type", "gone"), ("customer_id", "one")]
)
def test_policies_list_refuses_invalid_filter_values(api, parameter, value):
    response = api.get("/api/v1/policies/", {parameter: value})

    assert response.status_code == 400
    assert parameter in response.json()["errors"]


def test_listing_policies_takes_a_fixed_number_of_queries(
    api, personal_accident, django_assert_max_num_queries
):
    for _ in range(8):
        paid_policy(CustomerFactory(dob=born_years_ago(33)), personal_accident)

    with django_assert_max_num_queries(AUTH_QUERIES + 4):  # count, page, payments, changes
        assert len(api.get("/api/v1/policies/").json()["results"]) == 8


def test_history_lists_the_contract_states_oldest_first(api, customer, personal_accident):
    policy = paid_policy(customer, personal_accident)

    response = api.get(f"/api/v1/policies/{policy.pk}/history/")

    assert response.status_code == 200
    entries = response.json()
    assert [entry["state"] for entry in entries] == ["quoted", "accepted", "active"]
    times = [dt.datetime.fromisoformat(e["at"].replace("Z", "+00:00")) for e in entries]
    assert times == sorted(times)
    assert all(entry["by"] is None for entry in entries)


def test_history_names_the_staff_user_who_acted(api, customer, personal_accident, admin_user):
    quote = quote_create(customer=customer, product=personal_accident, by=admin_user)
    api.force_authenticate(admin_user)
    api.post(f"/api/v1/quotes/{quote.pk}/accept/")
    api.post(f"/api/v1/quotes/{quote.pk}/pay/")

    entries = api.get(f"/api/v1/policies/{quote.pk}/history").json()

    assert [(e["state"], e["by"]) for e in entries] == [
        ("quoted", "admin"),
        ("accepted", "admin"),
        ("active", "admin"),
    ]


def test_history_collapses_saves_that_change_no_state(api, customer, personal_accident):
    policy = paid_policy(customer, personal_accident)
    policy.save()  # an edit that leaves the state alone still writes a history row

    entries = api.get(f"/api/v1/policies/{policy.pk}/history/").json()

    assert policy.history.count() == 2
    assert [entry["state"] for entry in entries] == ["quoted", "accepted", "active"]


def test_history_is_not_found_before_the_quote_is_paid(api, accepted_quote):
    response = api.get(f"/api/v1/policies/{accepted_quote.pk}/history/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_search_by_policy_type_lists_each_holder_once(api, customer, personal_accident):
    paid_policy(customer, personal_accident)
    paid_policy(customer, personal_accident)
    paid_policy(CustomerFactory(dob=born_years_ago(50)), Product.objects.get(code="term-life"))
    CustomerFactory()

    response = api.get("/api/v1/search/", {"policy_type": "personal-accident"})

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [customer.pk]
    combined = api.get("/api/v1/search/", {"policy_type": "personal-accident", "name": "zz"})
    assert combined.json()["results"] == []
