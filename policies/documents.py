"""The policy schedule: the customer's document of their contract, as a PDF (ReportLab).

Made on request from the policy as it reads now, and cached per version of it (any change to
the policy, or the state it reads, makes a new one). Its verification code lets the insurer
tell a genuine schedule from an edited one: an HMAC of the policy number and version, keyed
by the server's secret.
"""

import hashlib
import hmac
import io

from django.conf import settings
from django.core.cache import cache
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import Payment, Policy

CACHE_SECONDS = 24 * 60 * 60


def version(policy: Policy) -> str:
    return f"{policy.updated_at.timestamp():.6f}-{policy.current_state}"


def verification_code(policy: Policy) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"{policy.number}:{version(policy)}".encode(),
        hashlib.sha256,
    ).hexdigest()[:16]
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4)).upper()


def policy_document(policy: Policy) -> bytes:
    """The schedule of a policy read with its customer, product, payments and endorsements
    (see selectors.policies_for_reading), from the cache when this version was made before."""
    key = f"policy-document:{policy.pk}:{version(policy)}"
    document = cache.get(key)
    if document is None:
        document = render(policy)
        cache.set(key, document, CACHE_SECONDS)
    return document


def _money(amount, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _day(day) -> str:
    return f"{day:%d-%m-%Y}" if day else "-"


def render(policy: Policy) -> bytes:
    styles = getSampleStyleSheet()
    customer, currency = policy.customer, policy.currency
    rows = [
        ["Policy number", policy.number],
        ["Policyholder", f"{customer.first_name} {customer.last_name}"],
        ["Date of birth", _day(customer.dob)],
        ["Product", f"{policy.product.name} ({policy.product.code})"],
        ["Cover", _money(policy.cover, currency)],
        ["Term", f"{_day(policy.start_date)} to {_day(policy.end_date)}, inclusive"],
        ["State", policy.current_state],
        ["Net premium", _money(policy.net_premium, currency)],
        ["Tax", _money(policy.tax, currency)],
        ["Fees", _money(policy.fees, currency)],
        ["Annual premium", _money(policy.premium, currency)],
    ]
    if policy.cancelled_on:
        reason = policy.get_cancellation_reason_display().lower()
        rows.append(["Cancellation", f"from {_day(policy.cancelled_on)} ({reason})"])
    story = [
        Paragraph("Policy schedule", styles["Title"]),
        _table(rows, widths=(45 * mm, 120 * mm)),
        Spacer(1, 6 * mm),
    ]
    endorsements = list(policy.endorsements.all())
    if endorsements:
        story.append(Paragraph("Changes of cover", styles["Heading2"]))
        story.append(
            _table(
                [["From", "Cover before", "Cover after", "Premium change"]]
                + [
                    [
                        _day(e.effective_date),
                        _money(e.old_cover, currency),
                        _money(e.new_cover, currency),
                        _money(e.premium_change, currency),
                    ]
                    for e in endorsements
                ],
                widths=(30 * mm, 45 * mm, 45 * mm, 45 * mm),
                header=True,
            )
        )
        story.append(Spacer(1, 6 * mm))
    story.append(Paragraph("Payments", styles["Heading2"]))
    story.append(
        _table(
            [["Date", "Kind", "Amount", "Method", "Status", "Reference"]]
            + [
                [
                    _day(p.created_at.date()),
                    "refund" if p.kind == Payment.Kind.REFUND else "charge",
                    _money(p.amount, p.currency),
                    p.method,
                    p.status.replace("_", " "),
                    p.reference,
                ]
                for p in policy.payments.all()
            ],
            widths=(22 * mm, 16 * mm, 32 * mm, 18 * mm, 32 * mm, 45 * mm),
            header=True,
        )
    )
    story += [
        Spacer(1, 8 * mm),
        Paragraph(f"Verification code: {verification_code(policy)}", styles["Normal"]),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Policy schedule {policy.number}",
        author="Insurance distribution API",
        invariant=True,  # the same policy version gives the same bytes
    )
    document.build(story)
    return buffer.getvalue()


def _table(rows, *, widths, header: bool = False) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    style = [
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey))
    else:
        style.append(("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"))
    table.setStyle(TableStyle(style))
    return table
