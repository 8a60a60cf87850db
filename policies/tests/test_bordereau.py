"""The monthly premium bordereau: a signed line per money movement, totals that are the
month's payments part by part, sandbox money never in it, streamed as CSV or JSON, for
staff only."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from customers.services import partner_token_create
from customers.tests.factories import CustomerFactory
from policies.models import Payment
from policies.services import policy_cancel, policy_endorse
from policies.tests.factories import policy_for
from tests.helpers import born_years_ago

pytestmark = pytest.mark.django_db

MONTH = timezone.localdate().strftime("%Y-%m")
PARTS = {"gross": "amount", "tax": "tax", "fees": "fees", "commission": "commission"}


@pytest.fixture
def book(partner, customer):
    """A month of business: new annual and monthly policies, an endorsement, a cancellation,
    an unpaid invoice (no money yet), and a sandbox partner's sale (never the insurer's)."""
    annual = policy_for(customer, "critical-illness")
    policy_endorse(policy_id=annual.pk, cover=Decimal("150000.00"))
    policy_for(customer, "personal-accident", plan="monthly")
    cancelled = policy_for(customer, "term-life")
    policy_cancel(policy_id=cancelled.pk, reason="customer_request")
    policy_for(customer, "personal-accident", payment_method="invoice")
    tricky = CustomerFactory(partner=partner, first_name="=HYPERLINK(1)", dob=born_years_ago(40))
    policy_for(tricky, "personal-accident")
    sandbox, _ = partner_token_create(name="Sandbox Ltd", sandbox=True)
    policy_for(CustomerFactory(partner=sandbox, dob=born_years_ago(35)), "critical-illness")


def payments_total(part: str) -> Decimal:
    """The month's live money by the payments table, computed apart from the report."""
    live = Payment.objects.filter(partner__is_sandbox=False)
    taken = live.filter(
        kind="charge", status__in=["succeeded", "partially_refunded", "refunded"]
    ).aggregate(total=Sum(part))["total"]
    given = live.filter(kind="refund").aggregate(total=Sum(part))["total"] or 0
    return Decimal(taken) - Decimal(given)


def test_the_totals_are_the_months_payments_part_by_part(staff_api, book):
    body = json.loads(
        b"".join(
            staff_api.get(
                "/api/v1/reports/bordereau/", {"month": MONTH, "format": "json"}
            ).streaming_content
        )  # fmt: skip
    )

    (totals,) = body["totals"].values()  # one currency in the sample book's live sales
    for column, part in PARTS.items():
        assert Decimal(totals[column]) == payments_total(part), column
        assert sum(Decimal(line[column]) for line in body["lines"]) == Decimal(totals[column])
    assert Decimal(totals["net_to_insurer"]) == payments_total("amount") - payments_total(
        "commission"
    )
    kinds = [line["transaction"] for line in body["lines"]]
    assert {"new_business", "endorsement", "cancellation"} <= set(kinds)
    assert "Sandbox" not in json.dumps(body)
    refund = next(line for line in body["lines"] if line["transaction"] == "cancellation")
    assert Decimal(refund["gross"]) < 0


def test_the_csv_is_streamed_with_a_totals_line_and_cells_safe_from_formulas(staff_api, book):
    response = staff_api.get("/api/v1/reports/bordereau/", {"month": MONTH})

    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert f'filename="bordereau-{MONTH}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[-1]["transaction"] == "total"
    assert Decimal(rows[-1]["gross"]) == payments_total("amount")
    names = [row["policyholder"] for row in rows]
    assert any(name.startswith("'=HYPERLINK") for name in names)
    assert not any(name.startswith("=") for name in names)


def test_the_command_writes_what_staff_download(staff_api, book, capsys):
    downloaded = b"".join(
        staff_api.get("/api/v1/reports/bordereau/", {"month": MONTH}).streaming_content
    ).decode()

    call_command("bordereau", "--month", MONTH)

    assert capsys.readouterr().out == downloaded


def test_another_month_is_empty_with_nothing_to_total(staff_api, book):
    body = json.loads(
        b"".join(
            staff_api.get(
                "/api/v1/reports/bordereau/", {"month": "2001-01", "format": "json"}
            ).streaming_content
        )
    )

    assert body == {"month": "2001-01", "lines": [], "totals": {}}


@pytest.mark.parametrize("month", ["2026-13", "26-11", "", "2026-1", "1999-12", "2026-11-01"])
def test_an_unknown_month_is_a_400(staff_api, month):
    response = staff_api.get("/api/v1/reports/bordereau/", {"month": month})

    assert response.status_code == 400
    assert "month" in response.json()["errors"]


def test_the_bordereau_is_for_staff_only(api, anonymous):
    assert api.get("/api/v1/reports/bordereau/", {"month": MONTH}).status_code == 403
    assert anonymous.get("/api/v1/reports/bordereau/", {"month": MONTH}).status_code == 401
