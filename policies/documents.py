"""The policy schedule: the customer's document of their contract, as a PDF (ReportLab).

Made on request from the policy as it reads now, and cached by what it says: any change to
the policy, its customer, its payments or the state it reads makes a new one. Its
verification code lets the insurer tell a genuine, current schedule from an edited or an old
one: an HMAC of the policy number and of everything the schedule says, keyed by the server's
secret; staff see the current code on the policy's admin page.
"""

import hashlib
import hmac
import io
import json

from django.conf import settings
from django.core.cache import cache
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from myproject import pdf
from myproject.metrics import DEPENDENCY_FAILURES
from quotes.models import document_id

from .models import Payment, Policy

CACHE_SECONDS = 24 * 60 * 60


def _money(amount, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _day(day) -> str:
    return f"{day:%d-%m-%Y}" if day else "-"


def content(policy: Policy) -> dict:
    """Everything the schedule says, as text: what it is cached and verified by. The policy is
    read with its customer, partner, product, payments and endorsements (see
    selectors.policies_for_documents)."""
    customer, currency = policy.customer, policy.currency
    rows = [
        ["Policy number", policy.number],
        ["Policyholder", f"{customer.first_name} {customer.last_name}"],
        ["Date of birth", _day(customer.dob)],
        ["Product", f"{policy.product.name} ({policy.product.code})"],
        ["Rate version", str(policy.rate_version.number)],
        ["Insurer", settings.INSURER_NAME],
        ["Sold by", policy.partner.name],
        ["Issued on", _day(policy.created_at.date())],
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
    if policy.disclosed_at:
        rows.append(
            [
                "Product information",
                f"{document_id(policy.product.code, policy.rate_version.number)}, given on "
                f"{_day(policy.disclosed_on)}",
            ]
        )
    if policy.partner.is_sandbox:  # a test: it must never pass for a real contract
        rows.insert(0, ["SPECIMEN", "Sandbox: no cover, not a contract"])
    said = {
        "rows": rows,
        "as_of": _day(policy.updated_at.date()),
        "endorsements": [
            [
                _day(e.effective_date),
                _money(e.old_cover, currency),
                _money(e.new_cover, currency),
                _money(e.premium_change, currency),
            ]
            for e in policy.endorsement_rows
        ],
        "payments": [
            [
                _day(p.created_at.date()),
                "refund" if p.kind == Payment.Kind.REFUND else "charge",
                _money(p.amount, p.currency),
                p.method,
                p.status.replace("_", " "),
                p.reference,
            ]
            for p in policy.payment_rows
        ],
    }
    instalments = policy.instalment_rows
    if instalments:  # an annual policy's schedule says what it always said
        rows.insert(
            rows.index(["Annual premium", _money(policy.premium, currency)]) + 1,
            ["Payment plan", f"{policy.plan}, {len(instalments)} instalments"],
        )
        said["instalments"] = [
            [str(i.number), _day(i.due_date), _money(i.amount, currency), i.current_state]
            for i in instalments
        ]
    return said


def _digest(said: dict) -> str:
    return hashlib.sha256(json.dumps(said, sort_keys=True).encode()).hexdigest()


def verification_code(policy: Policy, said: dict | None = None) -> str:
    """Proves the schedule came from the insurer, as the policy read when it was made."""
    said = content(policy) if said is None else said
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"{policy.number}:{_digest(said)}".encode(),
        hashlib.sha256,
    ).hexdigest()[:16]
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4)).upper()


def policy_document(policy: Policy) -> bytes:
    """The schedule of a policy read with what it shows (see `content`), from the cache when
    the same schedule was made before."""
    said = content(policy)
    key = f"policy-document:{policy.pk}:{_digest(said)}"
    try:
        document = cache.get(key)
    except Exception:  # the cache (Redis) is down: make it, as on a miss
        DEPENDENCY_FAILURES.labels("cache", "documents").inc()
        return render(policy, said)
    if document is None:
        document = render(policy, said)
        try:
            cache.set(key, document, CACHE_SECONDS)
        except Exception:  # kept next time, once the cache is back
            DEPENDENCY_FAILURES.labels("cache", "documents").inc()
    return document


def render(policy: Policy, said: dict) -> bytes:
    heading = pdf.style("heading", size=13, bold=True, spaceBefore=4, spaceAfter=4)
    title = "Policy schedule"
    if said["rows"][0][0] == "SPECIMEN":
        title = "SPECIMEN policy schedule (sandbox, no cover)"
    story = [
        pdf.paragraph(title, pdf.style("title", size=18, bold=True, spaceAfter=8)),
        _table(said["rows"], widths=(40 * mm, 130 * mm), labels=True),
        Spacer(1, 6 * mm),
    ]
    if said["endorsements"]:
        story.append(pdf.paragraph("Changes of cover", heading))
        story.append(
            _table(
                [["From", "Cover before", "Cover after", "Premium change"], *said["endorsements"]],
                widths=(30 * mm, 45 * mm, 45 * mm, 45 * mm),
                header=True,
            )
        )
        story.append(Spacer(1, 6 * mm))
    if said.get("instalments"):
        story.append(pdf.paragraph("Instalments", heading))
        story.append(
            _table(
                [["Number", "Due", "Amount", "Status"], *said["instalments"]],
                widths=(20 * mm, 35 * mm, 45 * mm, 40 * mm),
                header=True,
            )
        )
        story.append(Spacer(1, 6 * mm))
    story.append(pdf.paragraph("Payments", heading))
    story.append(
        _table(
            [["Date", "Kind", "Amount", "Method", "Status", "Reference"], *said["payments"]],
            widths=(24 * mm, 16 * mm, 30 * mm, 18 * mm, 30 * mm, 52 * mm),
            header=True,
        )
    )
    contact = f" ({settings.INSURER_CONTACT})" if settings.INSURER_CONTACT else ""
    story += [
        Spacer(1, 8 * mm),
        pdf.paragraph(f"Verification code: {verification_code(policy, said)}", bold=True),
        pdf.paragraph(
            f"{settings.INSURER_NAME} made this schedule from its records of the policy as it "
            f"read on {said['as_of']}. The code proves it is genuine and unchanged: to check "
            f"it, give the insurer{contact} the policy number and this code; they match only "
            "the schedule of the policy as it reads now."
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Policy schedule {policy.number}",
        author=settings.INSURER_NAME,
        invariant=True,  # the same schedule gives the same bytes
    )
    document.build(story)
    return buffer.getvalue()


def _table(rows, *, widths, header: bool = False, labels: bool = False) -> Table:
    cells = [
        [
            pdf.paragraph(str(value), bold=(header and r == 0) or (labels and c == 0))
            for c, value in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=widths, hAlign="LEFT")
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey))
    table.setStyle(TableStyle(style))
    return table
