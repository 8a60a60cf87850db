from decimal import Decimal

import pytest

from policies.models import Payment
from policies.services import policy_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(accepted_quote):
    return policy_issue(quote_id=accepted_quote.pk)


def test_the_admin_cancel_action_uses_the_cancellation_rules(admin_client, admin_user, policy):
    response = admin_client.post(
        "/admin/policies/policy/",
        {"action": "cancel_at_customer_request", "_selected_action": [policy.pk]},
        follow=True,
    )

    policy.refresh_from_db()
    assert response.status_code == 200
    assert policy.state == "cancelled"
    assert policy.history.latest().history_user == admin_user
    assert Payment.objects.get(kind="refund").amount == policy.premium
    again = admin_client.post(
        "/admin/policies/policy/",
        {"action": "cancel_at_customer_request", "_selected_action": [policy.pk]},
        follow=True,
    )
    assert "cannot become cancelled" in again.content.decode()


def test_the_admin_renew_action_refuses_too_early(admin_client, policy):
    response = admin_client.post(
        "/admin/policies/policy/",
        {"action": "quote_renewal", "_selected_action": [policy.pk]},
        follow=True,
    )

    assert "can be renewed from" in response.content.decode()
    policy.refresh_from_db()
    assert policy.renewal_quote is None


def test_the_admin_decline_action(admin_client, quote):
    admin_client.post(
        "/admin/quotes/quote/", {"action": "decline_quotes", "_selected_action": [quote.pk]}
    )

    quote.refresh_from_db()
    assert quote.state == "declined"


# Answering the phone: "what state is Ben Stokes's policy in, and when was it paid?"


def test_a_customer_is_found_by_date_of_birth_and_shows_quotes_and_policies(
    admin_client, customer, policy
):
    found = admin_client.get(f"/admin/customers/customer/?q={customer.dob:%d-%m-%Y}")
    page = admin_client.get(f"/admin/customers/customer/{customer.pk}/change/")

    assert "Stokes" in found.content.decode()
    text = page.content.decode()
    assert policy.number in text  # the policy inline
    assert "personal-accident" in text or "Personal Accident" in text  # the quote inline


def test_the_policy_page_tells_the_story_in_words(admin_client, policy):
    services_cancel(policy)

    text = admin_client.get(f"/admin/policies/policy/{policy.pk}/change/").content.decode()

    assert "Quoted on" in text and "Accepted on" in text and "Active on" in text
    assert "Cancelled on" in text and "because &quot;customer request&quot;" in text
    assert "Paid 100.00 AED by card on" in text
    assert "Refund 100.00 AED by card" in text


def services_cancel(policy):
    from policies.services import policy_cancel

    policy_cancel(policy_id=policy.pk, reason="customer_request")


def test_the_policy_list_shows_when_each_was_paid_and_finds_by_number(admin_client, policy):
    response = admin_client.get(f"/admin/policies/policy/?q={policy.number}")

    (row,) = response.context["cl"].result_list
    assert row.number == policy.number
    assert row.paid_at == Payment.objects.get(kind="charge").created_at
    assert "Paid on" in response.content.decode()


def test_staff_export_the_selected_policies_as_csv(admin_client, policy):
    response = admin_client.post(
        "/admin/policies/policy/", {"action": "export_csv", "_selected_action": [policy.pk]}
    )

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert response["Content-Type"] == "text/csv"
    assert lines[0].startswith("number,customer,date of birth")
    assert lines[1].startswith(f"{policy.number},Ben Stokes,")


def test_a_partner_added_in_admin_gets_its_own_user(admin_client):
    from customers.models import Partner

    admin_client.post(
        "/admin/customers/partner/add/", {"name": "Acme Brokers", "commission_rate": "12.50"}
    )

    partner = Partner.objects.get(name="Acme Brokers")
    assert partner.user.username == "partner-acme-brokers"
    assert not partner.user.has_usable_password()
    assert partner.commission_rate == Decimal("12.50")


def test_tokens_are_listed_by_owner_with_a_short_prefix(admin_client, api, partner):
    text = admin_client.get("/admin/knox/authtoken/").content.decode()

    assert "Partner A" in text
    assert "…" in text


def test_view_site_leads_to_the_docs(admin_client):
    assert 'href="/api/docs/"' in admin_client.get("/admin/").content.decode()


def test_the_dashboard_shows_the_last_30_days_by_product_with_charts(
    admin_client, policy, customer, personal_accident, django_assert_max_num_queries
):
    from policies.services import policy_cancel
    from quotes.services import quote_create

    quote_create(customer=customer, product=personal_accident)  # a quote not sold
    policy_cancel(policy_id=policy.pk, reason="customer_request")  # refunds 100.00

    with django_assert_max_num_queries(8):  # session, user, one per measure
        response = admin_client.get("/admin/dashboard/")

    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('role="img"') == 4  # a chart per measure
    assert 'id="conversion">50.0 %<' in text
    row = "<td>personal-accident</td><td>2</td><td>1</td><td>100.00 AED</td><td>100.00 AED</td>"
    assert row in text
    assert "Premium written (AED), by day" in text


def test_the_dashboard_charts_label_their_bars_axes_and_months(
    admin_client, policy, django_assert_max_num_queries
):
    import datetime as dt

    from django.utils import timezone

    text = admin_client.get("/admin/dashboard/").content.decode()

    today = timezone.localdate()
    first = today - dt.timedelta(days=29)
    assert text.count('class="value"') == 3  # one bar a day with a value: the quote, the
    assert ">1</text>" in text  # policy and its premium, each labelled with its value
    assert ">100 AED</text>" in text  # the premium chart's y axis, in its currency
    assert 'class="month" x="' in text and f">{first:%b %Y}</text>" in text
    assert 'id="dashboard-link"' in admin_client.get("/admin/").content.decode()


def test_the_dashboard_is_for_staff_only(client, api):
    assert client.get("/admin/dashboard/").status_code == 302  # to the login page


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
)
def test_the_csv_export_shows_a_formula_typed_as_a_name_as_text(admin_client, policy, name):
    import csv

    customer = policy.customer
    customer.first_name = name
    customer.save()

    response = admin_client.post(
        "/admin/policies/policy/", {"action": "export_csv", "_selected_action": [policy.pk]}
    )

    rows = list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))
    assert rows[1][1] == f"'{name} Stokes"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_csv_export_has_the_refund_and_the_cancellation(admin_client, policy):
    import csv

    services_cancel(policy)

    response = admin_client.post(
        "/admin/policies/policy/", {"action": "export_csv", "_selected_action": [policy.pk]}
    )

    header, row = csv.reader(b"".join(response.streaming_content).decode().splitlines())
    record = dict(zip(header, row, strict=True))
    assert record["refunded"] == "100.00"
    assert record["cancellation reason"] == "Customer Request"
    assert record["cancelled on"] == f"{policy.start_date:%d-%m-%Y}"


def test_admin_shows_dates_as_dd_mm_yyyy_and_takes_them_so(admin_client, policy):
    customer = policy.customer

    form = admin_client.get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    page = admin_client.get(f"/admin/policies/policy/{policy.pk}/change/").content.decode()

    assert f'value="{customer.dob:%d-%m-%Y}"' in form
    assert f"{policy.start_date:%d-%m-%Y}" in page
    assert f"{policy.created_at:%d-%m-%Y}" in page
    assert f"{policy.start_date:%Y-%m-%d}" not in page
    assert f"{policy.created_at:%b}." not in page and f"{policy.created_at:%B} " not in page


def test_admin_shows_money_with_its_currency(admin_client, policy):
    listing = admin_client.get("/admin/policies/policy/").content.decode()
    page = admin_client.get(f"/admin/policies/policy/{policy.pk}/change/").content.decode()
    payments = admin_client.get("/admin/policies/payment/").content.decode()

    assert "100.00 AED" in listing
    assert "50,000.00 AED" in page and "100.00 AED" in page  # cover and premium
    assert "100.00 AED" in payments


def test_admin_history_shows_reasons_by_label_and_system_for_jobs(admin_client, policy):
    services_cancel(policy)  # no one signed in: a job or a command

    page = admin_client.get(f"/admin/policies/policy/{policy.pk}/history/").content.decode()

    assert "Customer Request" in page
    assert "customer_request" not in page
    assert "system" in page
    assert ">None<" not in page.replace(" ", "").replace("\n", "")
