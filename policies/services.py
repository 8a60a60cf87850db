"""Policy rules: issuing (paying an accepted quote), cancelling with a refund, and renewal.
Every change of state goes through myproject.lifecycle."""

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from customers.access import visible_to
from myproject.lifecycle import check_transition, transition
from myproject.problems import Conflict
from myproject.webhooks import outbox
from quotes.models import OPEN_STATES, PART_NAMES, Quote
from quotes.pricing import PremiumParts, band_for_age
from quotes.services import (
    Actor,
    check_cover,
    check_restated,
    lock_quote,
    price,
    product_bands,
    quote_create,
)

from . import payments, refunds
from .events import payment_event, policy_event, renewal_event
from .models import Endorsement, Payment, Policy


def policy_term(start: dt.date) -> tuple[dt.date, dt.date]:
    """One year of cover: from `start` to the day before its anniversary, inclusive.

    The anniversary of 29 February in a common year is 1 March.
    """
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:
        anniversary = dt.date(start.year + 1, 3, 1)
    return start, anniversary - dt.timedelta(days=1)


@transaction.atomic
@outbox.together()  # its events in two statements, however many
def policy_issue(
    *,
    quote_id: int,
    payment_method: str = Payment.Method.CARD,
    amount: Decimal | None = None,
    by: Actor = None,
    now: dt.datetime | None = None,
    restated: dict | None = None,
) -> Policy:
    """Take payment for an accepted, unexpired quote and issue its policy, active at once;
    only as the client restates the quote, if it does (quotes.services.check_restated).

    A card payment succeeds at once; an invoice stays pending, to be invoiced later. A renewal
    quote is paid only while the policy it renews is still active with no cancellation
    ahead; its cover starts the day after that policy ends, never before the day it is paid.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    # One read finds the quote as its payer may see it (another partner's is not found) and
    # the policy it renews, locked before the quote, in the order policy_cancel locks them.
    quotes = Quote.objects.filter(pk=quote_id)
    if by is not None:
        quotes = visible_to(quotes, by, "partner")
    try:
        renewed_id = quotes.values_list("renewal_of", flat=True).get()
    except Quote.DoesNotExist:
        raise Http404(f"No quote {quote_id}.") from None
    renewed = lock_policy(renewed_id) if renewed_id is not None else None
    quote = lock_quote(quote_id)
    check_restated(quote, Quote.State.PAID, restated, now=now)
    quote = transition(quote, Quote.State.PAID, by=by, now=now)
    if renewed is not None and (
        renewed.state_at(now) != Policy.State.ACTIVE or renewed.cancelled_on is not None
    ):
        raise Conflict(
            f"Quote {quote.pk} renews policy {renewed.number}, which is cancelled or ended.",
            code="invalid_transition",
            state=quote.state,
        )
    if amount is not None and amount != quote.premium:
        raise ValidationError(  # the transaction rolls the transition back
            {"amount": f"The amount must equal the premium, {quote.premium} {quote.currency}."}
        )
    start, end = policy_term(
        max(renewed.end_date + dt.timedelta(days=1), today) if renewed else today
    )
    policy = Policy.from_quote(quote, start=start, end=end, state=Policy.State.ACTIVE)
    policy._history_user = by
    charge = Payment.charge(policy, PremiumParts.of(quote), method=payment_method)
    charge._history_user = by
    try:  # no savepoint: an error here ends the transaction, rolled back with the Conflict
        policy.save(force_insert=True)
        charge.save(force_insert=True)
    except IntegrityError as exc:  # the one race the locks leave: a policy for this quote
        raise Conflict(
            f"Quote {quote.pk} was paid by a request made at the same time.",
            code="concurrent_change",
        ) from exc
    policy.attach_related(payments=[charge], endorsements=[])
    policy_event("policy.issued", policy)
    payment_event(charge)
    return policy


# A policy may be renewed from this many days before its end date.
RENEWAL_WINDOW_DAYS = 30


def lock_policy(policy_id: int) -> Policy:
    """Re-read a policy with its row locked until the surrounding transaction ends."""
    return (
        Policy.objects.select_for_update(of=("self",))
        .select_related("product", "customer", "quote", "partner")
        .get(pk=policy_id)
    )


@dataclass(frozen=True)
class CancellationPreview:
    """What cancelling on `effective_date` would refund, as asked for today."""

    effective_date: dt.date
    currency: str
    refund: refunds.Refund


def policy_cancel_preview(
    *,
    policy: Policy,
    effective_date: dt.date | None = None,
    by: Actor = None,
    now: dt.datetime | None = None,
) -> CancellationPreview:
    """What `policy_cancel` would refund on `effective_date` if asked now, changing nothing;
    refused exactly where the cancellation would be (a note aside). The policy as read, with
    its product (and its payments and endorsements, if attached)."""
    now = now or timezone.now()
    effective = _check_cancellable(policy, effective_date, by=by, now=now)
    refund = payments.cancellation_refund(
        policy,
        payments=list(policy.payment_rows),
        endorsements=list(policy.endorsement_rows),
        effective=effective,
        now=now,
    )
    return CancellationPreview(effective, policy.currency, refund)


@transaction.atomic
@outbox.together()  # its events in two statements, however many
def policy_cancel(
    *,
    policy_id: int,
    reason: str,
    effective_date: dt.date | None = None,
    note: str = "",
    by: Actor = None,
    now: dt.datetime | None = None,
) -> Policy:
    """Cancel an active policy; cover stops on `effective_date`, the first day without cover
    (today by default, or the start of a policy not begun yet).

    The refund is judged on the day of the request (see refunds.py), paid at once and shown on
    the policy; a pending invoice is cancelled instead and nothing is refunded. A date ahead
    schedules the cancellation: the policy stays active until then. Only staff may backdate,
    saying why in `note`. Cancelling declines the policy's open renewal quote.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = lock_policy(policy_id)
    effective = _check_cancellable(policy, effective_date, by=by, now=now)
    staff = by is not None and by.is_staff
    if note and not staff:
        raise ValidationError({"note": "Only the insurer's staff add a note."})
    if effective < today and not note:
        raise ValidationError({"note": "Say why the cancellation is backdated."})
    policy.cancellation_reason = reason
    policy.cancellation_note = note
    policy.cancelled_on = effective
    cancellation = ["cancellation_reason", "cancellation_note", "cancelled_on"]
    if effective <= today:
        transition(policy, Policy.State.CANCELLED, by=by, reason=reason, fields=cancellation)
    else:  # scheduled: expire_policies records `cancelled` on the day
        policy._history_user = by
        policy._change_reason = f"{reason}, from {effective:%d-%m-%Y}"
        policy.save(update_fields=[*cancellation, "updated_at"])
    _decline_open_renewal(policy, by=by, now=now)
    paid = payments.lock_payments(policy)
    endorsements = list(policy.endorsements.select_related("payment"))
    refund = payments.cancellation_refund(
        policy, payments=paid, endorsements=endorsements, effective=effective, now=now
    )
    for payment in paid:
        if payment.status == Payment.Status.PENDING:
            transition(payment, Payment.Status.CANCELLED, by=by, reason="policy cancelled")
    if refund.amount > 0:
        paid.append(payments.settle(policy, paid, -refund.parts, by=by))
    policy.attach_related(payments=paid, endorsements=endorsements)  # as a read renders it
    if effective <= today:  # a scheduled one is told on its day (see events.py)
        policy_event("policy.cancelled", policy)
    return policy


def _shown(policy: Policy, payments: list[Payment]) -> Policy:
    """The policy ready to render with the payments just read or written, and its
    endorsements."""
    return policy.attach_related(
        payments=payments, endorsements=list(policy.endorsements.select_related("payment"))
    )


def _check_cancellable(
    policy: Policy, effective_date: dt.date | None, *, by: Actor, now: dt.datetime
) -> dt.date:
    """The effective date of a cancellation the policy allows (409) on a date the rules
    allow (400): within the term, and before today for staff only."""
    today = timezone.localdate(now)
    # State first: an ended or cancelled policy is a conflict whatever the date.
    check_transition(policy, Policy.State.CANCELLED, now=now)
    _refuse_scheduled_cancellation(policy)
    effective = effective_date or max(today, policy.start_date)
    _check_in_term(policy, effective)
    if effective < today and not (by is not None and by.is_staff):
        raise ValidationError({"effective_date": "A cancellation cannot take effect before today."})
    return effective


def _require_active(policy: Policy, now: dt.datetime, rule: str) -> None:
    """Renewing and changing cover need a policy active now with no cancellation ahead."""
    state = policy.state_at(now)
    if state != Policy.State.ACTIVE:
        raise Conflict(
            f"Policy {policy.number} is {state}; {rule}.", code="invalid_transition", state=state
        )
    _refuse_scheduled_cancellation(policy)


def _refuse_scheduled_cancellation(policy: Policy) -> None:
    """An active policy with a cancellation ahead is not cancelled again, nor renewed or
    changed."""
    if policy.cancelled_on is not None:
        raise Conflict(
            f"Policy {policy.number} is cancelled from {policy.cancelled_on:%d-%m-%Y}.",
            code="invalid_transition",
            state=Policy.State.ACTIVE,
        )


def _check_in_term(policy: Policy, effective: dt.date) -> None:
    if not policy.start_date <= effective <= policy.end_date:
        raise ValidationError(
            {
                "effective_date": f"Choose a date from {policy.start_date:%d-%m-%Y} to "
                f"{policy.end_date:%d-%m-%Y}, the policy's term."
            }
        )


def _decline_open_renewal(policy: Policy, *, by: Actor, now: dt.datetime) -> None:
    """A renewal quote must not outlive the cover it renews."""
    if policy.renewal_quote_id is None:
        return
    renewal = lock_quote(policy.renewal_quote_id)
    if renewal.state_at(now) in OPEN_STATES:
        transition(renewal, Quote.State.DECLINED, by=by, reason="renewed policy cancelled")


@transaction.atomic
def policy_renew(*, policy_id: int, by: Actor = None, now: dt.datetime | None = None) -> Quote:
    """Quote next year's cover for an active policy, from RENEWAL_WINDOW_DAYS before its end.

    The new quote is priced at the customer's age on the renewal's start date, the day
    after this policy ends; paying it issues the next policy from that day.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = lock_policy(policy_id)
    _require_active(policy, now, "only an active policy can be renewed")
    opens = policy.end_date - dt.timedelta(days=RENEWAL_WINDOW_DAYS)
    if today < opens:
        raise Conflict(
            f"Policy {policy.number} can be renewed from {opens:%d-%m-%Y}.",
            code="renewal_too_early",
            renewable_from=opens.strftime("%d-%m-%Y"),
        )
    current = policy.renewal_quote
    if current is not None and (
        current.state == Quote.State.PAID or current.state_at(now) in OPEN_STATES
    ):
        raise Conflict(
            f"Policy {policy.number} already has renewal quote {current.pk}.",
            code="already_renewed",
            quote=current.pk,
        )
    quote = quote_create(
        customer=policy.customer,
        product=policy.product,
        cover=policy.cover,
        by=by,
        rated_on=policy.end_date + dt.timedelta(days=1),
        # Usable until the end of the cover it renews at the latest, so that cover never
        # starts before the day it is paid.
        expires_by=timezone.make_aware(dt.datetime.combine(policy.end_date, dt.time.max)),
    )
    policy.renewal_quote = quote
    policy._history_user = by
    policy._change_reason = f"renewal quoted: {quote.pk}"
    policy.save(update_fields=["renewal_quote", "updated_at"])
    renewal_event(policy, quote)
    return quote


@dataclass(frozen=True)
class EndorsementPreview:
    """A change of cover priced: the new annual parts, and what the rest of the term costs
    (positive) or gives back (negative), part by part."""

    effective_date: dt.date
    currency: str
    old_cover: Decimal
    new_cover: Decimal
    old_parts: PremiumParts
    new_parts: PremiumParts
    change: PremiumParts


def policy_endorse_preview(
    *,
    policy: Policy,
    cover: Decimal,
    effective_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> EndorsementPreview:
    """What `policy_endorse` would charge or refund, changing nothing. The policy as read,
    with its product and quote (and its payments and endorsements, if attached)."""
    now = now or timezone.now()
    return _price_endorsement(policy, list(policy.payment_rows), cover, effective_date, now)


@transaction.atomic
@outbox.together()  # its events in two statements, however many
def policy_endorse(
    *,
    policy_id: int,
    cover: Decimal,
    effective_date: dt.date | None = None,
    by: Actor = None,
    now: dt.datetime | None = None,
) -> Policy:
    """Change an active policy's cover from `effective_date` (today by default; within the
    term, not before today), repriced at the product's current rates for the age band it
    was rated in, and settle the difference for the rest of the term at once: a charge or a
    refund by the policy's payment method. The policy's premium and parts become the new
    annual ones, which a later cancellation refunds from."""
    now = now or timezone.now()
    policy = lock_policy(policy_id)
    paid = payments.lock_payments(policy)
    priced = _price_endorsement(policy, paid, cover, effective_date, now)
    payment = None
    if priced.change.premium != 0:
        payment = payments.settle(policy, paid, priced.change, by=by)
        paid.append(payment)
    endorsement = Endorsement(
        policy=policy,
        effective_date=priced.effective_date,
        old_cover=priced.old_cover,
        new_cover=priced.new_cover,
        old_net_premium=priced.old_parts.net_premium,
        old_tax=priced.old_parts.tax,
        old_fees=priced.old_parts.fees,
        old_commission=priced.old_parts.commission,
        new_premium=priced.new_parts.premium,
        premium_change=priced.change.premium,
        payment=payment,
    )
    endorsement._history_user = by
    endorsement.save(force_insert=True)
    policy.cover = priced.new_cover
    policy.premium = priced.new_parts.premium
    policy.set_parts(priced.new_parts)
    policy._history_user = by
    policy._change_reason = (
        f"cover {priced.old_cover} to {priced.new_cover} from {priced.effective_date:%d-%m-%Y}"
    )
    policy.save(update_fields=["cover", "premium", *PART_NAMES, "updated_at"])
    _shown(policy, paid)
    policy_event("policy.endorsed", policy)
    return policy


def _price_endorsement(
    policy: Policy,
    payments: list[Payment],
    cover: Decimal,
    effective_date: dt.date | None,
    now: dt.datetime,
) -> EndorsementPreview:
    today = timezone.localdate(now)
    _require_active(policy, now, "only an active policy's cover can change")
    if any(p.status == Payment.Status.PENDING for p in payments):
        raise Conflict(
            f"Policy {policy.number} has an unpaid invoice; its cover can change once it is paid.",
            code="payment_pending",
        )
    product = policy.product
    if cover == policy.cover:
        raise ValidationError({"cover": f"The policy already covers {cover} {policy.currency}."})
    check_cover(product, cover)
    effective = effective_date or max(today, policy.start_date)
    _check_in_term(policy, effective)
    if effective < today:
        raise ValidationError({"effective_date": "A change of cover cannot start before today."})
    # Changes follow one another: each prices the cover in effect just before it.
    last = max((e.effective_date for e in policy.endorsement_rows), default=None)
    if last is not None and effective < last:
        raise ValidationError(
            {
                "effective_date": f"The cover already changes on {last:%d-%m-%Y}; a further "
                "change takes effect on that day or later."
            }
        )
    rated_age = policy.quote.rated_age
    band = band_for_age(product_bands(product), rated_age)
    if band is None:
        raise Conflict(
            f"{product.name} no longer has a rate for age {rated_age}; ask the insurer.",
            code="product_unavailable",
        )
    old = PremiumParts.of(policy)
    # The policy fee is charged once per policy: a change of cover does not charge it again.
    repriced = price(
        product, cover=cover, rate_per_mille=band.rate_per_mille, partner_id=policy.partner_id
    )
    new = replace(repriced, fees=policy.fees)
    change = refunds.endorsement_change(
        old=old,
        new=new,
        start=policy.start_date,
        end=policy.end_date,
        effective=effective,
        currency=policy.currency,
    )
    return EndorsementPreview(effective, policy.currency, policy.cover, cover, old, new, change)
