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
