"""The premium bordereau: every money movement of a month, for the capacity provider.

One line per payment that moved money in the month (a charge the insurer received, or a
refund), signed (a refund is negative), with the policy, product, dates and the parts: gross
(net premium + tax + fees), tax, fees, the partner's commission and the net to the insurer
(gross less commission). Its totals are the month's payments, part by part, exactly. Sandbox
partners' money is never in it. Read in chunks and written as it is read: a month of a
million-policy book streams in bounded memory.
"""

import csv
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from myproject.text import Echo, spreadsheet_safe

from .models import MONEY_TAKEN, Payment

# The columns, in order; the money ones are totalled.
COLUMNS = (
    "date",
    "transaction",
    "policy_number",
    "policyholder",
    "product",
    "rate_version",
    "start_date",
    "end_date",
    "payment",
    "gross",
    "tax",
    "fees",
    "commission",
    "net_to_insurer",
    "currency",
)
MONEY_COLUMNS = ("gross", "tax", "fees", "commission", "net_to_insurer")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next, in the insurer's time zone."""
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    start = timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time()))
    return start, timezone.make_aware(dt.datetime.combine(following, dt.time()))


def _transaction(payment: Payment) -> str:
    """What the money was for: new business (the charge that issued the policy), an
    instalment, an endorsement, a cancellation's or a lapse's refund, or a reinstatement
    (a lapse's refund taken back)."""
    endorsement = getattr(payment, "endorsement", None)
    if endorsement is not None:
        return "endorsement"
    if payment.kind == Payment.Kind.REFUND:
        return "lapse" if payment.policy.cancellation_reason == "non_payment" else "cancellation"
    instalment = getattr(payment, "instalment", None)
    if payment.is_first:
        return "new_business"
    return "instalment" if instalment is not None else "reinstatement"


def movements(month: dt.date) -> Iterator[dict]:
    """The month's lines, oldest first, each a dict of COLUMNS (money as signed Decimals)."""
    start, end = month_bounds(month)
    earlier = Payment.objects.filter(policy=OuterRef("policy"), pk__lt=OuterRef("pk"))
    payments = (
        Payment.objects.filter(created_at__gte=start, created_at__lt=end)
        .filter(partner__is_sandbox=False)
        .exclude(kind=Payment.Kind.CHARGE, status__in=set(Payment.Status) - set(MONEY_TAKEN))
        .select_related(
            "policy__product",
            "policy__rate_version",
            "policy__customer",
            "endorsement",
            "instalment",
        )
        .annotate(is_first=~Exists(earlier))
        .order_by("pk")
    )
    for payment in payments.iterator(chunk_size=2000):
        policy = payment.policy
        sign = -1 if payment.kind == Payment.Kind.REFUND else 1
        gross = sign * payment.amount
        commission = sign * payment.commission
        yield {
            "date": timezone.localdate(payment.created_at),
            "transaction": _transaction(payment),
            "policy_number": policy.number,
            "policyholder": f"{policy.customer.first_name} {policy.customer.last_name}",
            "product": policy.product.code,
            "rate_version": policy.rate_version.number,
            "start_date": policy.start_date,
            "end_date": policy.end_date,
            "payment": payment.reference,
            "gross": gross,
            "tax": sign * payment.tax,
            "fees": sign * payment.fees,
            "commission": commission,
            "net_to_insurer": gross - commission,
            "currency": payment.currency,
        }


def add_up(totals: dict, line: dict) -> None:
    """Add a line's money to the month's totals, by currency."""
    by_currency = totals.setdefault(line["currency"], dict.fromkeys(MONEY_COLUMNS, Decimal(0)))
    for column in MONEY_COLUMNS:
        by_currency[column] += line[column]


def _text(value) -> str:
    """A bordereau cell: dates as DD-MM-YYYY, money as it is, text safe from formulas."""
    if isinstance(value, dt.date):
        return f"{value:%d-%m-%Y}"
    return spreadsheet_safe(str(value)) if isinstance(value, str) else str(value)


def as_csv(month: dt.date) -> Iterator[str]:
    """The header, a line per movement, then a totals line per currency, each as written."""
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    totals: dict = {}
    for line in movements(month):
        add_up(totals, line)
        yield writer.writerow([_text(line[column]) for column in COLUMNS])
    for currency, sums in sorted(totals.items()):
        row = {**dict.fromkeys(COLUMNS, ""), "transaction": "total", **sums}
        row["currency"] = currency
        yield writer.writerow([_text(row[column]) for column in COLUMNS])


def as_json(month: dt.date) -> Iterator[str]:
    """`{"month", "lines": [...], "totals": {currency: {...}}}`, written as it is read."""
    yield f'{{"month": "{month:%Y-%m}", "lines": ['
    totals: dict = {}
    for n, line in enumerate(movements(month)):
        add_up(totals, line)
        cells = {column: _json_cell(line[column]) for column in COLUMNS}
        yield ("," if n else "") + json.dumps(cells)
    shown = {c: {k: str(v) for k, v in sums.items()} for c, sums in sorted(totals.items())}
    yield f'], "totals": {json.dumps(shown)}}}'


def _json_cell(value):
    if isinstance(value, dt.date):
        return f"{value:%d-%m-%Y}"
    return str(value) if isinstance(value, Decimal) else value
