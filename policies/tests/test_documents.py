"""The policy schedule as a PDF: read back with pypdf, as a customer's viewer would show it."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from policies import documents
from policies.tests.factories import policy_for
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db


issued = policy_for


def text_of(response) -> str:
    return pdf_text(response.content)


def test_the_schedule_names_the_policy_the_customer_and_the_premium(api, customer):
    policy = issued(customer)

    response = api.get(f"/api/v1/policies/{policy.pk}/document/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{policy.number}.pdf"'
    text = text_of(response)
    assert policy.number in text
    assert "Ben Stokes" in text
    assert "Example Insurance Company" in text  # the insurer
    assert "Partner A" in text  # who sold it
    assert f"Issued on\n{policy.created_at:%d-%m-%Y}" in text
    assert "to check it, give the insurer" in text
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
    monkeypatch.setattr(documents, "render", lambda p, said: made.append(p.pk) or render(p, said))

    first = api.get(f"/api/v1/policies/{policy.pk}/document/").content
    again = api.get(f"/api/v1/policies/{policy.pk}/document/").content
    api.post(f"/api/v1/policies/{policy.pk}/endorse/", {"cover": "60000.00"}, format="json")
    changed = api.get(f"/api/v1/policies/{policy.pk}/document/").content

    assert first == again
    assert changed != first
    assert made == [policy.pk, policy.pk]


def test_a_browser_may_ask_to_show_it_inline_and_nothing_else(api, customer):
    policy = issued(customer)
    path = f"/api/v1/policies/{policy.pk}/document/"

    inline = api.get(path, {"disposition": "inline"})
    odd = api.get(path, {"disposition": "attachment; filename=evil.exe"})

    assert inline["Content-Disposition"] == f'inline; filename="{policy.number}.pdf"'
    assert odd.status_code == 400
    assert "disposition" in odd.json()["errors"]


def test_a_change_of_the_customers_name_makes_a_new_schedule(api, customer):
    policy = issued(customer)
    path = f"/api/v1/policies/{policy.pk}/document/"
    before = text_of(api.get(path))

    api.patch(f"/api/v1/customers/{customer.pk}/", {"last_name": "Stokes-Smith"}, format="json")

    assert "Ben Stokes\n" in before
    assert "Ben Stokes-Smith" in text_of(api.get(path))


def name_in(text: str) -> str:
    return "".join(text.split())  # a wrapped name reads back with line breaks inside


@pytest.mark.parametrize(
    ("first", "last"),
    [("Иван", "Петров"), ("Γιώργος", "Παπαδόπουλος"), ("Ben", "S" * 50 + "t" * 50)],
)
def test_names_in_any_script_read_back_from_the_schedule(api, customer, first, last):
    api.patch(
        f"/api/v1/customers/{customer.pk}/", {"first_name": first, "last_name": last}, format="json"
    )
    policy = issued(customer)

    response = api.get(f"/api/v1/policies/{policy.pk}/document/")

    assert name_in(f"{first}{last}") in name_in(text_of(response))


def test_a_chinese_name_reads_back_from_the_schedule(api, customer):
    api.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"first_name": "小明", "last_name": "王"},
        format="json",
    )
    policy = issued(customer)

    assert "小明王" in name_in(text_of(api.get(f"/api/v1/policies/{policy.pk}/document/")))


def test_an_arabic_name_is_drawn_joined_and_right_to_left(api, customer):
    import unicodedata

    name = "محمد عبدالله"
    first, last = name.split()
    api.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"first_name": first, "last_name": last},
        format="json",
    )
    policy = issued(customer)

    text = text_of(api.get(f"/api/v1/policies/{policy.pk}/document/"))

    lines = text.splitlines()
    drawn = lines[lines.index("Policyholder") + 1]
    # pypdf reads a right-to-left run back from right to left: it reads the name only if it
    # was drawn in display order. Drawn letters take their joined forms (U+FE70 and above),
    # which read as the plain letters once normalised.
    assert unicodedata.normalize("NFKC", drawn) == name
    assert all("\ufe70" <= char <= "\ufeff" for char in drawn.replace(" ", ""))


def test_a_name_of_100_and_100_characters_stays_on_the_page(api, customer):
    api.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"first_name": "A" * 100, "last_name": "B" * 100},
        format="json",
    )
    policy = issued(customer)

    reader = PdfReader(io.BytesIO(api.get(f"/api/v1/policies/{policy.pk}/document/").content))
    width = float(reader.pages[0].mediabox.width)
    placed = []
    reader.pages[0].extract_text(
        visitor_text=lambda text, cm, tm, font, size: placed.append((text, tm[4]))
    )

    assert name_in("A" * 100 + "B" * 100) in name_in(reader.pages[0].extract_text())
    for text, x in placed:
        if "AAAA" in text or "BBBB" in text:
            assert x + len(text) * 9 * 0.7 < width  # every line of the name ends on the page


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
    code = text_of(document).split("Verification code: ", 1)[1].split()[0]
    assert code in page  # staff check a code a customer reads out against the current one
    assert document["Content-Type"] == "application/pdf"
    assert document.content == api.get(f"/api/v1/policies/{policy.pk}/document/").content
