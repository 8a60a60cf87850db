"""The product information document of a rate version: the key facts a customer is given
before buying (an IPID, as EU Regulation 2017/1469 sets out and UK ICOBS 6 Annex 3 asks), at
most two sides of A4, as a PDF (ReportLab).

It says only what its version says, and a version that has priced a quote never changes: the
document a customer was given can be made again, the same, from its id.
"""

import io

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from myproject import pdf

from .models import RateVersion
from .pricing import PLAN_INSTALMENTS

TITLE = "Insurance product information document"


def _money(amount, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def sections(version: RateVersion) -> list[tuple[str, list[str]]]:
    """What the document says, heading by heading, as plain text."""
    product, currency = version.product, version.product.currency
    plans = [plan for plan in PLAN_INSTALMENTS if plan in product.payment_plans]
    exclusions = [line.strip() for line in version.exclusions.splitlines() if line.strip()]
    contact = f" ({settings.INSURER_CONTACT})" if settings.INSURER_CONTACT else ""
    paying = [
        f"The premium depends on your age and the cover; it is at least "
        f"{_money(version.minimum_premium, currency)} before tax, plus tax at "
        f"{version.tax_rate} % and a policy fee of {_money(version.policy_fee, currency)}.",
        "Once a year when you buy.",
    ]
    if len(plans) > 1:
        paying[1:] = [
            f"Once a year when you buy, or by {' or '.join(plans[1:])} instalments by card "
            f"({_money(version.instalment_fee, currency)} added to each).",
            f"An instalment unpaid {product.grace_days} days after it falls due ends the "
            f"cover; paying within {product.reinstatement_days} days after that restores it.",
        ]
    return [
        (
            "What is this type of insurance?",
            [version.cover_summary or f"{product.name}: a sum paid out as the policy sets out."],
        ),
        (
            "What is insured?",
            [
                f"A cover of your choice from {_money(version.min_cover, currency)} to "
                f"{_money(version.max_cover, currency)} "
                f"({_money(version.default_cover, currency)} unless you choose otherwise).",
                f"For people aged {product.min_age} to {product.max_age} when the cover is priced.",
            ],
        ),
        ("What is not insured?", exclusions or ["Nothing beyond what the policy sets out."]),
        ("When and how do I pay?", paying),
        (
            "When does the cover start and end?",
            [
                "Cover starts on the day you pay and lasts one year; you may renew it in its "
                "last 30 days.",
            ],
        ),
        (
            "How do I cancel the contract?",
            [
                f"Within {version.cooling_off_days} days of the start of cover (or of receiving "
                "this document, if later) you may cancel and get back everything you paid.",
                "After that you may cancel at any time and get back the premium for the days "
                "left, less the policy fee.",
                f"To cancel, ask the partner that sold you the policy, or the insurer{contact}.",
            ],
        ),
        ("Who is the insurer?", [settings.INSURER_NAME]),
    ]


def ipid_document(version: RateVersion) -> bytes:
    """The document of `version` (read with its product)."""
    product = version.product
    heading = pdf.style("heading", size=11, bold=True, spaceBefore=6, spaceAfter=2)
    bullet = pdf.style("bullet", size=9, leftIndent=5 * mm, bulletIndent=1 * mm)
    story = [
        pdf.paragraph(TITLE, pdf.style("title", size=16, bold=True, spaceAfter=4)),
        pdf.paragraph(f"{product.name}, from {settings.INSURER_NAME}", bold=True),
        pdf.paragraph(
            f"Document {version.document_id}: rate version {version.number}, in force from "
            f"{version.effective_from:%d-%m-%Y}."
        ),
        pdf.paragraph(
            "This document sums up the key facts of the insurance. The full terms are in the "
            "policy and its schedule, given when you buy."
        ),
        Spacer(1, 3 * mm),
    ]
    for title, lines in sections(version):
        story.append(pdf.paragraph(title, heading))
        for line in lines:
            story.append(Paragraph(pdf.markup(line), bullet, bulletText="\u2022"))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{TITLE} {version.document_id}",
        author=settings.INSURER_NAME,
        invariant=True,  # the same version gives the same bytes
    ).build(story)
    return buffer.getvalue()
