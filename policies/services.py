"""Policy rules: issuing (paying an accepted quote), cancelling with a refund, and renewal.
Every change of state goes through myproject.lifecycle."""

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone

from customers.access import visible_to
from customers.clocks import clock_ticked, time_of
from myproject.lifecycle import check_transition, expire_due, transition
from myproject.problems import Conflict
from myproject.webhooks import outbox
from quotes.models import OPEN_STATES, PART_NAMES, Product, Quote
from quotes.pricing import PLANS, InstalmentPlan, PremiumParts, band_for_age, instalment_plan
from quotes.services import (
    Actor,
    check_cover,
    check_restated,
    lock_quote,
    price,
    quote_create,
    version_bands,
)

from . import payments, refunds, schedule
from .events import instalment_event, payment_event, policy_event, renewal_event
from .models import (
    CancellationReason,
    Endorsement,
    Instalment,
    Payment,
    Policy,
    cover_refunds,
)


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
    plan: str | None = None,
    amount: Decimal | None = None,
    by: Actor = None,
    now: dt.datetime | None = None,
    restated: dict | None = None,
) -> Policy:
    """Take payment for an accepted, unexpired quote and issue its policy, active at once;
    only as the client restates the quote, if it does (quotes.services.check_restated).

    A card payment succeeds at once; an invoice stays pending, to be invoiced later. By a
    `plan` of instalments (one the product offers; a renewal keeps the plan of the policy it
    renews), only the first is paid now, by card, and the rest are scheduled. A renewal
    quote is paid only while the policy it renews is still active with no cancellation
    ahead; its cover starts the day after that policy ends, never before the day it is paid.
    """
    # One read finds the quote as its payer may see it (another partner's is not found), the
    # policy it renews, locked before the quote, in the order policy_cancel locks them, and
    # the clock it lives by.
    quotes = Quote.objects.filter(pk=quote_id)
    if by is not None:
        quotes = visible_to(quotes, by, "partner")
    try:
        renewed_id, clock_id = quotes.values_list("renewal_of", "test_clock").get()
    except Quote.DoesNotExist:
        raise Http404(f"No quote {quote_id}.") from None
    now = now or time_of(clock_id)
    today = timezone.localdate(now)
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
    chosen = _chosen_plan(quote, plan, renewed=renewed, payment_method=payment_method)
    first = chosen.first.premium
    if amount is not None and amount != first:
        due_now = "the premium" if chosen.count == 1 else "the first instalment"
        raise ValidationError(  # the transaction rolls the transition back
            {"amount": f"The amount must equal {due_now}, {first} {quote.currency}."}
        )
    start, end = policy_term(
        max(renewed.end_date + dt.timedelta(days=1), today) if renewed else today
    )
    policy = Policy.from_quote(
        quote, start=start, end=end, state=Policy.State.ACTIVE, plan=chosen.plan
    )
    policy._history_user = by
    charge = Payment.charge(policy, chosen.first, method=payment_method)
    charge._history_user = by
    instalments = schedule.instalments_of(policy, chosen, first_paid_by=charge)
    policy.next_due = schedule.next_due(instalments)
    try:  # no savepoint: an error here ends the transaction, rolled back with the Conflict
        policy.save(force_insert=True)
        charge.save(force_insert=True)
    except IntegrityError as exc:  # the one race the locks leave: a policy for this quote
        raise Conflict(
            f"Quote {quote.pk} was paid by a request made at the same time.",
            code="concurrent_change",
        ) from exc
    for instalment in instalments:
        instalment._history_user = by
        instalment.save(force_insert=True)
    policy.attach_related(payments=[charge], endorsements=[], instalments=instalments)
    policy_event("policy.issued", policy)
    payment_event(charge)
    return policy


def _chosen_plan(
    quote: Quote, plan: str | None, *, renewed: Policy | None, payment_method: str
) -> InstalmentPlan:
    """The plan a quote is paid by: the one asked for, which the product must offer, else
    the renewed policy's if the product still offers it, else annual."""
    product = quote.product
    if plan is None:
        kept = renewed.plan if renewed is not None else "annual"
        plan = kept if kept in product.payment_plans else "annual"
    elif plan not in product.payment_plans:
        offered = ", ".join(p for p in PLANS if p in product.payment_plans)
        raise ValidationError({"plan": f"{product.name} is paid by: {offered}."})
    if plan != "annual" and payment_method != Payment.Method.CARD:
        raise ValidationError(
            {"payment_method": "Instalments are collected by card; pay by invoice annually."}
        )
    return instalment_plan(
        PremiumParts.of(quote),
        plan=plan,
        instalment_fee=quote.rate_version.instalment_fee,
        currency=quote.currency,
    )


# A policy may be renewed from this many days before its end date.
RENEWAL_WINDOW_DAYS = 30


def lock_policy(policy_id: int) -> Policy:
    """Re-read a policy with its row locked until the surrounding transaction ends."""
    return (
        Policy.objects.select_for_update(of=("self",))
        .select_related("product", "rate_version", "customer", "quote", "partner")
        .get(pk=policy_id)
    )


@dataclass(frozen=True)
class CancellationPreview:
    """What cancelling on `effective_date` would refund, as asked for today."""

    effective_date: dt.date
    currency: str
    refund: refunds.Refund
    instalments_cancelled: list[Instalment]


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
    now = now or policy.now()
    effective = _check_cancellable(policy, effective_date, by=by, now=now)
    instalments = list(policy.instalment_rows)
    refund = payments.cancellation_refund(
        policy,
        payments=list(policy.payment_rows),
        endorsements=list(policy.endorsement_rows),
        instalments=instalments,
        effective=effective,
        now=now,
    )
    return CancellationPreview(effective, policy.currency, refund, schedule.owed(instalments))


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
    policy = lock_policy(policy_id)
    now = now or policy.now()
    today = timezone.localdate(now)
    effective = _check_cancellable(policy, effective_date, by=by, now=now)
    staff = by is not None and by.is_staff
    if note and not staff:
        raise ValidationError({"note": "Only the insurer's staff add a note."})
    if effective < today and not note:
        raise ValidationError({"note": "Say why the cancellation is backdated."})
    _cancel(policy, reason=reason, effective=effective, note=note, by=by, now=now)
    if effective <= today:  # a scheduled one is told on its day (see events.py)
        policy_event("policy.cancelled", policy)
    return policy


def _cancel(
    policy: Policy,
    *,
    reason: str,
    effective: dt.date,
    note: str,
    by: Actor,
    now: dt.datetime,
    history_reason: str | None = None,
) -> Policy:
    """Cancel a locked policy from `effective` and settle: refund by the rules, cancel a
    pending invoice and the instalments still owed, write off earned premium left unpaid."""
    today = timezone.localdate(now)
    policy.cancellation_reason = reason
    policy.cancellation_note = note
    policy.cancelled_on = effective
    _decline_open_renewal(policy, by=by, now=now)  # locks in the order issuing takes them
    paid = payments.lock_payments(policy)
    endorsements = list(policy.endorsements.select_related("payment"))
    instalments = lock_instalments(policy)
    refund = payments.cancellation_refund(
        policy,
        payments=paid,
        endorsements=endorsements,
        instalments=instalments,
        effective=effective,
        now=now,
    )
    policy.written_off = refund.written_off
    policy.next_due = None
    cancellation = [
        "cancellation_reason",
        "cancellation_note",
        "cancelled_on",
        "written_off",
        "next_due",
        "lapsed_on",
    ]
    if effective <= today:
        transition(
            policy,
            Policy.State.CANCELLED,
            by=by,
            reason=history_reason or reason,
            fields=cancellation,
            now=now,
        )
    else:  # scheduled: expire_policies records `cancelled` on the day
        policy._history_user = by
        policy._change_reason = f"{reason}, from {effective:%d-%m-%Y}"
        policy.save(update_fields=[*cancellation, "updated_at"])
    for payment in paid:
        if payment.status == Payment.Status.PENDING:
            transition(payment, Payment.Status.CANCELLED, by=by, reason="policy cancelled")
    for instalment in schedule.owed(instalments):
        transition(instalment, Instalment.Status.CANCELLED, by=by, reason="policy cancelled")
    if refund.amount > 0:
        paid.append(payments.settle(policy, paid, -refund.parts, by=by))
    # As a read renders it.
    return policy.attach_related(payments=paid, endorsements=endorsements, instalments=instalments)


def lock_instalments(policy: Policy) -> list[Instalment]:
    """A policy's instalments by number, locked after it (none for an annual plan)."""
    if not policy.by_instalments:
        return []
    found = list(Instalment.objects.select_for_update().filter(policy=policy).order_by("number"))
    for instalment in found:
        instalment.policy = policy
    return found


def _shown(policy: Policy, payments: list[Payment], instalments: list[Instalment]) -> Policy:
    """The policy ready to render with the payments and instalments just read or written,
    and its endorsements."""
    return policy.attach_related(
        payments=payments,
        endorsements=list(Endorsement.objects.filter(policy=policy).select_related("payment")),
        instalments=instalments,
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
    # Instalments keep falling due until cover stops: a date ahead would leave them owed
    # with the refund already settled, so an instalment policy is cancelled from today.
    if effective > max(today, policy.start_date) and policy.by_instalments:
        raise ValidationError(
            {"effective_date": "A policy paid by instalments is cancelled from today."}
        )
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
    policy = lock_policy(policy_id)
    now = now or policy.now()
    today = timezone.localdate(now)
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
    # By instalments: those still to pay with the change spread over them (unsaved); empty
    # when the change is settled at once.
    instalments: list[Instalment]


def policy_endorse_preview(
    *,
    policy: Policy,
    cover: Decimal,
    effective_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> EndorsementPreview:
    """What `policy_endorse` would charge or refund, changing nothing. The policy as read,
    with its product and quote (and its payments and endorsements, if attached)."""
    now = now or policy.now()
    return _price_endorsement(
        policy, list(policy.payment_rows), list(policy.instalment_rows), cover, effective_date, now
    )


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
    policy = lock_policy(policy_id)
    now = now or policy.now()
    paid = payments.lock_payments(policy)
    instalments = lock_instalments(policy)
    priced = _price_endorsement(policy, paid, instalments, cover, effective_date, now)
    payment = None
    if priced.instalments:  # spread over the instalments still to pay
        for instalment, changed in zip(schedule.owed(instalments), priced.instalments, strict=True):
            instalment.set_parts(changed)
            instalment.amount = changed.amount
            instalment._history_user = by
            instalment._change_reason = f"cover changed from {priced.effective_date:%d-%m-%Y}"
            instalment.save(update_fields=["amount", *PART_NAMES, "updated_at"])
    elif priced.change.premium != 0:
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
    _shown(policy, paid, instalments)
    policy_event("policy.endorsed", policy)
    return policy


def _price_endorsement(
    policy: Policy,
    payments: list[Payment],
    instalments: list[Instalment],
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
    # Priced by the rate version that priced the policy: later versions never reprice it.
    product, version = policy.product, policy.rate_version
    version.product = product  # the same row, read once
    if cover == policy.cover:
        raise ValidationError({"cover": f"The policy already covers {cover} {policy.currency}."})
    check_cover(version, cover)
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
    band = band_for_age(version_bands(version), rated_age)
    if band is None:
        raise Conflict(
            f"{product.name} has no rate for age {rated_age}; ask the insurer.",
            code="product_unavailable",
        )
    old = PremiumParts.of(policy)
    # The policy fee is charged once per policy: a change of cover does not charge it again.
    repriced = price(
        version, cover=cover, rate_per_mille=band.rate_per_mille, partner_id=policy.partner_id
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
    spread = schedule.spread(instalments, change) if change.premium != 0 else None
    return EndorsementPreview(
        effective, policy.currency, policy.cover, cover, old, new, change, spread or []
    )


# Instalments: collection reported by the partner, dunning, lapse and reinstatement.


def _locked_instalment(instalment_id: int, by: Actor) -> tuple[Policy, Instalment]:
    """An instalment as `by` may see it (another partner's is not found: 404), locked after
    its policy, in the order every writer of a policy takes them."""
    found = Instalment.objects.filter(pk=instalment_id)
    if by is not None:
        found = visible_to(found, by, "partner")
    try:
        policy_id = found.values_list("policy_id", flat=True).get()
    except Instalment.DoesNotExist:
        raise Http404(f"No instalment {instalment_id}.") from None
    policy = lock_policy(policy_id)
    instalment = Instalment.objects.select_for_update().get(pk=instalment_id)
    instalment.policy = policy
    return policy, instalment


def grace_ends(policy: Policy) -> dt.date | None:
    """The last day of grace for the earliest unpaid instalment: the policy lapses after."""
    if policy.next_due is None:
        return None
    return policy.next_due + dt.timedelta(days=policy.product.grace_days)


def _grace_ended(policy: Policy, now: dt.datetime) -> dt.date | None:
    """The last day of grace, if it has passed while the policy is still covered: the
    policy lapses, whether or not the job has recorded it yet."""
    ends = grace_ends(policy)
    covered = (Policy.State.ACTIVE, Policy.State.IN_GRACE)
    if ends is not None and timezone.localdate(now) > ends and policy.state_at(now) in covered:
        return ends
    return None


def _refuse_after_grace(policy: Policy, today: dt.date) -> None:
    ends = grace_ends(policy)
    if ends is not None and today > ends and policy.state != Policy.State.CANCELLED:
        raise Conflict(
            f"Policy {policy.number} lapsed: its grace ended on {ends:%d-%m-%Y}. Reinstate it "
            "by paying its arrears.",
            code="policy_lapsed",
            state=Policy.State.CANCELLED,
        )


def _arrears_settled(policy: Policy, instalments: list[Instalment], *, by: Actor, now) -> None:
    """After an instalment is paid or waived: the next one owed, and a policy in grace active
    again once nothing past due is owed."""
    policy.next_due = schedule.next_due(instalments)
    in_grace = policy.state == Policy.State.IN_GRACE
    if in_grace and (policy.next_due is None or policy.next_due >= timezone.localdate(now)):
        transition(
            policy, Policy.State.ACTIVE, by=by, reason="arrears paid", fields=["next_due"], now=now
        )
    else:
        policy._history_user = by
        policy.save(update_fields=["next_due", "updated_at"])


@transaction.atomic
@outbox.together()
def instalment_pay(
    *,
    instalment_id: int,
    payment_method: str = Payment.Method.CARD,
    amount: Decimal | None = None,
    by: Actor = None,
    now: dt.datetime | None = None,
) -> Instalment:
    """Record the partner's successful collection of an instalment (early too): a charge
    that succeeded. Paid twice is a 409; after grace has ended the policy is lapsed and only
    reinstatement takes its arrears."""
    policy, instalment = _locked_instalment(instalment_id, by)
    now = now or policy.now()
    if instalment.status not in Instalment.UNPAID:  # a cancelled one comes back by reinstating
        raise Conflict(
            f"{instalment.label} is {instalment.status}.",
            code="invalid_transition",
            state=instalment.status,
        )
    _refuse_after_grace(policy, timezone.localdate(now))
    if amount is not None and amount != instalment.amount:
        raise ValidationError(
            {
                "amount": f"The amount must equal the instalment, {instalment.amount} "
                f"{instalment.currency}."
            }
        )
    parts = PremiumParts.of(instalment)
    instalment.payment = payments.collect(policy, parts, method=payment_method, by=by)
    transition(instalment, Instalment.Status.PAID, by=by, reason="collected", fields=["payment"])
    _arrears_settled(policy, lock_instalments(policy), by=by, now=now)
    instalment_event("instalment.paid", instalment)
    return instalment


@transaction.atomic
@outbox.together()
def instalment_fail(
    *, instalment_id: int, reason: str, by: Actor = None, now: dt.datetime | None = None
) -> Instalment:
    """Record a failed collection: the instalment stays owed, and grace runs from its due
    date whatever the tries."""
    policy, instalment = _locked_instalment(instalment_id, by)
    now = now or policy.now()
    instalment.failure_reason = reason
    transition(
        instalment,
        Instalment.Status.FAILED,
        by=by,
        reason=reason,
        fields=["failure_reason"],
        now=now,
    )
    instalment_event("instalment.failed", instalment)
    return instalment


@transaction.atomic
@outbox.together()
def instalment_waive(
    *, instalment_id: int, note: str, by: Actor = None, now: dt.datetime | None = None
) -> Instalment:
    """The insurer's staff forgive an instalment, saying why: it is no longer owed."""
    if not note.strip():
        raise ValidationError({"note": "Say why the instalment is waived."})
    policy, instalment = _locked_instalment(instalment_id, by)
    now = now or policy.now()
    instalment.note = note
    transition(instalment, Instalment.Status.WAIVED, by=by, reason=note, fields=["note"], now=now)
    _arrears_settled(policy, lock_instalments(policy), by=by, now=now)
    instalment_event("instalment.waived", instalment)
    return instalment


@transaction.atomic
@outbox.together()
def policy_lapse(*, policy_id: int, now: dt.datetime | None = None) -> Policy | None:
    """Lapse a policy whose grace has ended unpaid: cancelled for non-payment from the day
    the unpaid period began, refunding any days paid beyond by the usual rules. Re-checked
    under the lock: None when it no longer applies (paid meanwhile, or lapsed by another)."""
    policy = lock_policy(policy_id)
    now = now or policy.now()
    ends = _grace_ended(policy, now)
    if ends is None:
        return None
    _lapse(policy, ends=ends, now=now)
    policy_event("policy.lapsed", policy)
    return policy


def _lapse(policy: Policy, *, ends: dt.date, now: dt.datetime) -> None:
    unpaid = policy.next_due
    policy.lapsed_on = ends + dt.timedelta(days=1)
    _cancel(
        policy,
        reason=CancellationReason.NON_PAYMENT,
        effective=unpaid,
        note="",
        by=None,
        now=now,
        history_reason=f"lapsed: the instalment due {unpaid:%d-%m-%Y} was not paid",
    )


def lapse_due(*, now: dt.datetime | None = None, among: Q | None = None) -> int:
    """The periodic job: lapse every policy `among` (those at the real time by default) whose
    grace ended unpaid; how many lapsed. Each in its own transaction, rows another machine
    holds skipped: safe on several at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    lapsed = 0
    for product_id, grace_days in Product.objects.values_list("pk", "grace_days"):
        candidates = Policy.objects.filter(
            Policy.REAL_TIME if among is None else among,
            product_id=product_id,
            state__in=[Policy.State.ACTIVE, Policy.State.IN_GRACE],
            next_due__lt=today - dt.timedelta(days=grace_days),
        ).order_by("pk")
        last = 0
        while ids := list(candidates.filter(pk__gt=last).values_list("pk", flat=True)[:500]):
            for policy_id in ids:
                with transaction.atomic():
                    free = Policy.objects.select_for_update(skip_locked=True).filter(pk=policy_id)
                    if list(free.values_list("pk")) and policy_lapse(policy_id=policy_id, now=now):
                        lapsed += 1
            last = ids[-1]
    return lapsed


@transaction.atomic
@outbox.together()
def policy_reinstate(
    *,
    policy_id: int,
    payment_method: str = Payment.Method.CARD,
    amount: Decimal | None = None,
    by: Actor = None,
    now: dt.datetime | None = None,
) -> Policy:
    """Restore a policy lapsed for non-payment, within the product's reinstatement days of
    the lapse, on payment of its arrears: the instalments due by today, and any refund the
    lapse made, taken back. Cover continues with no gap; the later instalments fall due
    again as scheduled."""
    policy = lock_policy(policy_id)
    now = now or policy.now()
    today = timezone.localdate(now)
    ends = _grace_ended(policy, now)
    if ends is not None:
        _lapse(policy, ends=ends, now=now)  # lapsed, not yet recorded by the job
    if policy.state != Policy.State.CANCELLED or policy.lapsed_on is None:
        raise Conflict(
            f"Policy {policy.number} has not lapsed; only a lapsed policy is reinstated.",
            code="invalid_transition",
            state=policy.state_at(now),
        )
    closes = policy.lapsed_on + dt.timedelta(days=policy.product.reinstatement_days)
    if today >= closes or today > policy.end_date:
        raise Conflict(
            f"Policy {policy.number} could be reinstated until "
            f"{min(closes - dt.timedelta(days=1), policy.end_date):%d-%m-%Y}.",
            code="reinstatement_closed",
            state=Policy.State.CANCELLED,
        )
    paid = payments.lock_payments(policy)
    instalments = lock_instalments(policy)
    lapse_refund = _lapse_refund(policy, paid)
    arrears = [i for i in instalments if i.status == Instalment.Status.CANCELLED]
    due_now = [i for i in arrears if i.due_date <= today]
    total = sum(i.amount for i in due_now) + (lapse_refund.amount if lapse_refund else 0)
    if amount is not None and amount != total:
        raise ValidationError(
            {"amount": f"The amount must equal the arrears, {total} {policy.currency}."}
        )
    policy.cancellation_reason = ""
    policy.cancelled_on = None
    policy.lapsed_on = None
    policy.written_off = Decimal(0)
    transition(
        policy,
        Policy.State.ACTIVE,
        by=by,
        reason="reinstated: arrears paid",
        fields=["cancellation_reason", "cancelled_on", "lapsed_on", "written_off"],
        now=now,
    )
    if lapse_refund is not None:  # the lapse's refund is owed again
        parts = PremiumParts.of(lapse_refund)
        paid.append(payments.collect(policy, parts, method=payment_method, by=by))
    for instalment in arrears:
        if instalment in due_now:
            parts = PremiumParts.of(instalment)
            instalment.payment = payments.collect(policy, parts, method=payment_method, by=by)
            paid.append(instalment.payment)
            transition(
                instalment,
                Instalment.Status.PAID,
                by=by,
                reason="arrears paid on reinstatement",
                fields=["payment"],
            )
        else:
            transition(instalment, Instalment.Status.SCHEDULED, by=by, reason="reinstated")
    policy.next_due = schedule.next_due(instalments)
    policy.save(update_fields=["next_due", "updated_at"])
    _shown(policy, paid, instalments)
    policy_event("policy.reinstated", policy)
    return policy


def _lapse_refund(policy: Policy, paid: list[Payment]) -> Payment | None:
    """The refund the lapse made, if any: the last refund of cover stopping."""
    endorsements = Endorsement.objects.filter(policy=policy)
    made = cover_refunds(paid, endorsements)
    return made[-1] if made else None


@receiver(clock_ticked, dispatch_uid="policies-at-test-clock")
def _bring_policies_to(sender, *, clock, now, **kwargs) -> None:
    """A test clock's day: its instalments and policies go through what the periodic jobs
    do to live ones, in the jobs' order (run_periodic.JOBS)."""
    at_clock = Q(test_clock=clock)
    expire_due(Instalment, now=now, among=at_clock)
    lapse_due(now=now, among=at_clock)
    expire_due(Policy, now=now, among=at_clock)
