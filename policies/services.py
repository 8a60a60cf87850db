"""Policy rules: issuing (paying an accepted quote), cancelling with a refund, and renewal.
Every change of state goes through myproject.lifecycle."""

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from myproject.lifecycle import check_transition, transition
from myproject.problems import Conflict
from quotes.models import OPEN_STATES, Quote
from quotes.services import Actor, lock_quote, quote_create

from . import refunds
from .models import Payment, Policy


def policy_term(start: dt.date) -> tuple[dt.date, dt.date]:
    """One year of cover: from `start` to the day before its anniversary, inclusive.

    The anniversary of 29 February in a common year is 1 March.
    """
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:
        anniversary = dt.date(start.year + 1, 3, 1)
    return start, anniversary - dt.timedelta(days=1)


def payment_reference() -> str:
    return f"PAY-{secrets.token_hex(8).upper()}"


@transaction.atomic
def policy_issue(
    *,
    quote_id: int,
    payment_method: str = Payment.Method.CARD,
    amount: Decimal | None = None,
    by: Actor = None,
    now: dt.datetime | None = None,
) -> Policy:
    """Take payment for an accepted, unexpired quote and issue its policy, active at once.

    A card payment succeeds at once; an invoice stays pending, to be invoiced later. A renewal
    quote is paid only while the policy it renews is still active with no cancellation
    ahead; its cover starts the day after that policy ends, never before the day it is paid.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Lock the renewed policy before the quote, in the order policy_cancel locks them.
    renewed_id = Policy.objects.filter(renewal_quote=quote_id).values_list("pk", flat=True).first()
    renewed = lock_policy(renewed_id) if renewed_id is not None else None
    quote = transition(lock_quote(quote_id), Quote.State.PAID, by=by, now=now)
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
    policy = Policy(
        quote=quote,
        number=f"POL-{start:%Y}-{quote.pk:07d}",
        partner_id=quote.partner_id,
        customer=quote.customer,
        product=quote.product,
        cover=quote.cover,
        premium=quote.premium,
        currency=quote.currency,
        start_date=start,
        end_date=end,
        state=Policy.State.ACTIVE,
    )
    policy._history_user = by
    charge = Payment(
        policy=policy,
        partner_id=policy.partner_id,
        kind=Payment.Kind.CHARGE,
        amount=quote.premium,
        currency=quote.currency,
        method=payment_method,
        status=(
            Payment.Status.SUCCEEDED
            if payment_method == Payment.Method.CARD
            else Payment.Status.PENDING
        ),
        reference=payment_reference(),
    )
    charge._history_user = by
    try:
        with transaction.atomic():
            policy.save(force_insert=True)
            charge.save(force_insert=True)
    except IntegrityError as exc:  # the one race the locks leave: a policy for this quote
        raise Conflict(
            f"Quote {quote.pk} was paid by a request made at the same time.",
            code="concurrent_change",
        ) from exc
    return policy.show_payments(charge)


# A policy may be renewed from this many days before its end date.
RENEWAL_WINDOW_DAYS = 30


def lock_policy(policy_id: int) -> Policy:
    """Re-read a policy with its row locked until the surrounding transaction ends."""
    return (
        Policy.objects.select_for_update(of=("self",))
        .select_related("product", "customer")
        .get(pk=policy_id)
    )


@transaction.atomic
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
    # State first: an ended or cancelled policy is a conflict whatever the date.
    check_transition(policy, Policy.State.CANCELLED, now=now)
    _refuse_scheduled_cancellation(policy)
    effective = effective_date or max(today, policy.start_date)
    _check_effective_date(policy, effective, note=note, by=by, today=today)
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
    charge = Payment.objects.select_for_update().get(policy=policy, kind=Payment.Kind.CHARGE)
    if charge.status == Payment.Status.PENDING:
        transition(charge, Payment.Status.CANCELLED, by=by, reason="policy cancelled")
        return policy.show_payments(charge)
    amount = refunds.cancellation_refund(
        premium=charge.amount,
        start=policy.start_date,
        end=policy.end_date,
        effective=effective,
        requested_on=today,
        cooling_off_days=policy.product.cooling_off_days,
        currency=policy.currency,
    )
    if amount > 0:
        refund = Payment(
            policy=policy,
            partner_id=policy.partner_id,
            kind=Payment.Kind.REFUND,
            amount=amount,
            currency=charge.currency,
            method=charge.method,
            status=Payment.Status.SUCCEEDED,
            reference=payment_reference(),
        )
        refund._history_user = by
        refund.save(force_insert=True)
        refunded = (
            Payment.Status.REFUNDED
            if amount == charge.amount
            else Payment.Status.PARTIALLY_REFUNDED
        )
        transition(charge, refunded, by=by, reason=f"refund {refund.reference}")
        return policy.show_payments(charge, refund)
    return policy.show_payments(charge)


def _refuse_scheduled_cancellation(policy: Policy) -> None:
    """An active policy with a cancellation ahead is not cancelled again, nor renewed."""
    if policy.cancelled_on is not None:
        raise Conflict(
            f"Policy {policy.number} is cancelled from {policy.cancelled_on:%d-%m-%Y}.",
            code="invalid_transition",
            state=Policy.State.ACTIVE,
        )


def _check_effective_date(
    policy: Policy, effective: dt.date, *, note: str, by: Actor, today: dt.date
) -> None:
    if not policy.start_date <= effective <= policy.end_date:
        raise ValidationError(
            {
                "effective_date": f"Choose a date from {policy.start_date:%d-%m-%Y} to "
                f"{policy.end_date:%d-%m-%Y}, the policy's term."
            }
        )
    staff = by is not None and by.is_staff
    if effective < today and not staff:
        raise ValidationError({"effective_date": "A cancellation cannot take effect before today."})
    if note and not staff:
        raise ValidationError({"note": "Only the insurer's staff add a note."})
    if effective < today and not note:
        raise ValidationError({"note": "Say why the cancellation is backdated."})


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
    state = policy.state_at(now)
    if state != Policy.State.ACTIVE:
        raise Conflict(
            f"Policy {policy.number} is {state}; only an active policy can be renewed.",
            code="invalid_transition",
            state=state,
        )
    _refuse_scheduled_cancellation(policy)
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
    return quote
