"""Sandbox partners: the same API as live ones, their data kept out of everything the
insurer counts (the dashboard, exports) and their documents marked SPECIMEN."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from customers.models import Partner
from customers.services import partner_token_create
from customers.tests.factories import CustomerFactory
from myproject.webhooks.models import Event
from policies import dashboard
from policies.models import Policy
from tests.helpers import born_years_ago, client_with_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox_api():
    partner, token = partner_token_create(name="Sandbox Ltd", sandbox=True)
    client = client_with_token(token)
    client.customer = CustomerFactory(partner=partner, dob=born_years_ago(35))
    return client


def sell(client, customer) -> dict:
    quote = client.post(
        "/api/v1/quotes/", {"customer": customer.pk, "type": "critical-illness"}, format="json"
    ).json()
    client.post(f"/api/v1/quotes/{quote['id']}/accept/", {}, format="json")
    response = client.post(f"/api/v1/quotes/{quote['id']}/pay/", {}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def pdf_text(response) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_a_sandbox_partner_uses_the_same_api_and_hears_the_same_events(sandbox_api):
    policy = sell(sandbox_api, sandbox_api.customer)

    assert policy["state"] == "active"
    owner = Partner.objects.get(name="Sandbox Ltd").user
    assert Event.objects.filter(owner=owner, type="policy.issued").count() == 1


def test_live_reports_never_include_sandbox_money(api, customer, sandbox_api, admin_client):
    live = sell(api, customer)
    sell(sandbox_api, sandbox_api.customer)
    sandboxed = sell(sandbox_api, sandbox_api.customer)
    sandbox_api.post(
        f"/api/v1/policies/{sandboxed['id']}/cancel/", {"reason": "other"}, format="json"
    )

    figures = dashboard.figures(today=timezone.localdate())
    export = admin_client.post(
        "/admin/policies/policy/",
        {
            "action": "export_csv",
            "_selected_action": list(Policy.objects.values_list("pk", flat=True)),
        },
    )

    measures = figures["measures"]
    assert sum(measures["policies sold"].values()) == 1
    assert sum(measures["premium written"].values()) == Decimal(live["premium"])
    assert sum(measures["refunds"].values()) == 0
    assert sum(measures["quotes"].values()) == 1
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert len(rows) == 2  # the header and the live policy
    assert live["number"] in rows[1]


def test_a_sandbox_policys_schedule_is_marked_specimen_and_a_live_ones_is_not(
    api, customer, sandbox_api
):
    live = sell(api, customer)
    sandboxed = sell(sandbox_api, sandbox_api.customer)

    specimen = pdf_text(sandbox_api.get(f"/api/v1/policies/{sandboxed['id']}/document/"))
    real = pdf_text(api.get(f"/api/v1/policies/{live['id']}/document/"))

    assert "SPECIMEN" in specimen
    assert "no cover" in specimen
    assert "SPECIMEN" not in real


def test_create_partner_makes_a_sandbox_partner_and_never_turns_a_live_one(capsys, partner):
    call_command("create_partner", "Trial Co", "--sandbox")

    with pytest.raises(CommandError, match="is a live partner"):
        call_command("create_partner", partner.name, "--sandbox")

    assert Partner.objects.get(name="Trial Co").is_sandbox
    assert "Sandbox partner Trial Co" in capsys.readouterr().out
    assert not Partner.objects.get(pk=partner.pk).is_sandbox
