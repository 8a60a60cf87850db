"""Scoped keys: a token limited to some scopes is refused (403 `insufficient_scope`, naming
the scope) outside them, on the resources and the published contracts alike, and changes
nothing; a token made without scopes may do everything."""

import pytest
from django.core.management import CommandError, call_command
from knox.models import AuthToken

from customers.models import Partner, TokenGrant
from customers.services import partner_token_create
from policies.models import Policy
from policies.tests.factories import policy_for
from quotes.models import Quote
from quotes.tests.factories import quote_for
from tests.helpers import client_with_token

pytestmark = pytest.mark.django_db


def key(partner, *scopes):
    return client_with_token(partner_token_create(name=partner.name, scopes=list(scopes))[1])


def refused(response, scope: str) -> bool:
    body = response.json()
    return (
        response.status_code == 403
        and body["code"] == "insufficient_scope"
        and body["scope"] == scope
        and scope in body["detail"]
    )


def test_a_key_without_payments_write_cannot_pay_but_reads_and_quotes(partner, customer):
    client = key(partner, "read", "quotes:write")
    quote = quote_for(customer, "personal-accident", state="accepted")

    paid = client.post(f"/api/v1/quotes/{quote.pk}/pay/", {}, format="json")
    by_contract = client.post(
        "/api/v1/quote/", {"quote_id": quote.pk, "status": "active"}, format="json"
    )
    by_update = client.put(f"/api/v1/quotes/{quote.pk}/update/", {}, format="json")
    read = client.get(f"/api/v1/quotes/{quote.pk}/")
    created = client.post(
        "/api/v1/quote/", {"customer_id": customer.pk, "type": "term-life"}, format="json"
    )

    assert refused(paid, "payments:write")
    assert refused(by_contract, "payments:write")
    assert refused(by_update, "payments:write")
    assert read.status_code == 200
    assert created.status_code == 201
    quote.refresh_from_db()
    assert quote.state == "accepted"
    assert not Policy.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("post", "/api/v1/customers/", "customers:write"),
        ("post", "/api/v1/create_customer/", "customers:write"),
        ("post", "/api/v1/quotes/", "quotes:write"),
        ("post", "/api/v1/offers/", "quotes:write"),
        ("post", "/api/v1/policies/{policy}/cancel/", "policies:write"),
        ("post", "/api/v1/policies/{policy}/endorse/", "policies:write"),
        ("post", "/api/v1/policies/{policy}/reinstate/", "payments:write"),
        ("post", "/api/v1/instalments/1/pay/", "payments:write"),
        ("post", "/api/v1/webhook-endpoints/", "webhooks:manage"),
    ],
)
def test_a_read_only_key_is_refused_every_write_naming_the_scope(
    partner, customer, method, path, scope
):
    policy = policy_for(customer)
    client = key(partner, "read")

    response = getattr(client, method)(path.format(policy=policy.pk), {}, format="json")

    assert refused(response, scope)
    assert client.get(f"/api/v1/policies/{policy.pk}/").status_code == 200
    assert client.get("/api/v1/events/").status_code == 200


def test_a_key_made_without_scopes_may_do_everything(partner, customer):
    client = client_with_token(partner_token_create(name=partner.name)[1])
    quote = quote_for(customer, "personal-accident", state="accepted")

    assert client.post(f"/api/v1/quotes/{quote.pk}/pay/", {}, format="json").status_code == 200
    assert not TokenGrant.objects.exists()


def test_a_grant_changed_by_staff_applies_from_the_next_request(partner, customer):
    client = key(partner, "read")
    assert client.post("/api/v1/customers/", {}, format="json").status_code == 403

    grant = TokenGrant.objects.get()
    grant.scopes = ["read", "customers:write"]
    grant.save()

    assert client.post("/api/v1/customers/", {}, format="json").status_code == 400  # allowed


def test_create_partner_limits_a_key_to_the_scopes_given_and_refuses_unknown_ones(capsys):
    call_command("create_partner", "Scoped Ltd", "--scopes", "read,payments:write")
    token = capsys.readouterr().out.strip().splitlines()[-1]

    with pytest.raises(CommandError, match="Unknown scope bookings:view"):
        call_command("create_partner", "Other Ltd", "--scopes", "read,bookings:view")
    with pytest.raises(CommandError, match="Each scope once"):
        call_command("create_partner", "Other Ltd", "--scopes", "read,read")

    assert TokenGrant.objects.get().scopes == ["payments:write", "read"]
    assert not Partner.objects.filter(name="Other Ltd").exists()
    assert AuthToken.objects.count() == 1
    assert refused(
        client_with_token(token).post("/api/v1/quotes/", {}, format="json"), "quotes:write"
    )


def test_admin_lists_each_keys_scopes(admin_client, partner):
    partner_token_create(name=partner.name, scopes=["read", "webhooks:manage"])
    partner_token_create(name=partner.name)

    page = admin_client.get("/admin/knox/authtoken/").content.decode()

    assert "read, webhooks:manage" in page
    assert ">all<" in page


def test_staff_signed_in_to_admin_have_every_scope(staff_api, customer):
    quote = quote_for(customer, "personal-accident", state="accepted")

    assert staff_api.post(f"/api/v1/quotes/{quote.pk}/pay/", {}, format="json").status_code == 200
    assert Quote.objects.get(pk=quote.pk).state == "paid"


def test_staff_limit_a_key_to_scopes_in_admin_and_it_applies_at_once(
    admin_client, partner, customer
):
    auth_token, token = AuthToken.objects.create(user=partner.user, expiry=None)
    client = client_with_token(token)
    assert client.post("/api/v1/customers/", {}, format="json").status_code == 400  # allowed
    page = f"/admin/knox/authtoken/{auth_token.pk}/change/"

    shown = admin_client.get(page)
    saved = admin_client.post(
        page,
        {
            # The key as it is (knox's own form), with the scopes ticked below it.
            "digest": auth_token.digest,
            "token_key": auth_token.token_key,
            "user": partner.user.pk,
            "grant-TOTAL_FORMS": 1,
            "grant-INITIAL_FORMS": 0,
            "grant-MIN_NUM_FORMS": 0,
            "grant-MAX_NUM_FORMS": 1,
            "grant-0-token": auth_token.pk,
            "grant-0-scopes": ["read", "quotes:write"],
        },
    )

    assert shown.status_code == 200
    assert "customers:write" in shown.content.decode()
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert TokenGrant.objects.get().scopes == ["read", "quotes:write"]
    assert refused(client.post("/api/v1/customers/", {}, format="json"), "customers:write")
