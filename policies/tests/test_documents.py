"""The policy schedule as a PDF: read back with pypdf, as a customer's viewer would show it."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from policies import documents
from policies.services import policy_issue
from quotes.models import Product
from quotes.services import quote_accept, quote_create

pytestmark = pytest.mark.django_db


def issued(customer, code: str = "personal-accident"):
    quote = quote_create(customer=customer, product=Product.objects.get(code=code))
    quote_accept(quote_id=quote.pk)
    return policy_issue(quote_id=quote.pk)


def text_of(response) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_schedule_names_the_policy_the_customer_and_the_premium(api, customer):
    policy = issued(customer)

    response = api.get(f"/api/v1/policies/{policy.pk}/document/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{policy.number}.pdf"'
    text = text_of(response)
    assert policy.number in text
    assert "Ben Stokes" in text
    assert f"{customer.dob:%d-%m-%Y}" in text
    assert "100.00 AED" in text
    assert "50,000.00 AED" in text
    assert f"Verification code: {documents.verification_code(policy)}" in text


def test_the_schedule_shows_the_premiums_parts_changes_and_cancellation(api, customer):
    policy = issued(customer, "critical-illness")
    api.post(f"/api/v1/policies/{policy.pk}/endorse/", {"cover": "150000.00"}, format="json")
    api.post(f"/api/v1/policies/{policy.pk}/cancel/", {"reason": "other"}, format="json")

    text = text_of(api.get(f"/api/v1/policies/{policy.pk}/document/"))

    assert "Tax\n21.75 AED" in text
    assert "Fees\n15.00 AED" in text
    assert "Changes of cover" in text
    assert "150,000.00 AED" in text
    assert "Cancellation" in text
    assert "refund" in text


def test_each_version_is_made_once_and_a_change_makes_a_new_one(api, customer, monkeypatch):
    policy = issued(customer)
    made = []
    render = documents.render
    monkeypatch.setattr(documents, "render", lambda p: made.append(p.pk) or render(p))

    first = api.get(f"/api/v1/policies/{policy.pk}/document/").content
    again = api.get(f"/api/v1/policies/{policy.pk}/document/").content
    api.post(f"/api/v1/policies/{policy.pk}/endorse/", {"cover": "60000.00"}, format="json")
    changed = api.get(f"/api/v1/policies/{policy.pk}/document/").content

    assert first == again
    assert changed != first
    assert made == [policy.pk, policy.pk]


def test_the_verification_code_changes_with_the_policy(customer):
    policy = issued(customer)
    before = documents.verification_code(policy)
    policy.cover = Decimal("1.00")
    policy.save()

    assert documents.verification_code(policy) != before


def test_another_partners_policy_has_no_document_for_you(other_api, customer):
    policy = issued(customer)

    response = other_api.get(
        f"/api/v1/policies/{policy.pk}/document/", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_staff_get_the_same_document_from_the_policy_admin_page(admin_client, api, customer):
    policy = issued(customer)

    page = admin_client.get(f"/admin/policies/policy/{policy.pk}/change/").content.decode()
    document = admin_client.get(f"/admin/policies/policy/{policy.pk}/document/")

    assert f"/admin/policies/policy/{policy.pk}/document/" in page
    assert document["Content-Type"] == "application/pdf"
    assert document.content == api.get(f"/api/v1/policies/{policy.pk}/document/").content
