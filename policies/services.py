"""Policy rules: issuing (paying an accepted quote), cancelling with a refund, expiry and
renewal, and the one place where a policy changes state."""

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from myproject.exceptions import Conflict
from quotes.models import OPEN_STATES, Quote
from quotes.services import Actor, lock_quote, quote_create, quote_transition

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
    restated: dict | None = None,
    by: Actor = None,
) -> Policy:
    """Take payment for an accepted, unexpired quote and issue its policy, active at once.

    A card payment succeeds at once; an invoice stays pending, to be invoiced later.
    """
    quote = lock_quote(quote_id)
    quote_transition(quote=quote, to=Quote.State.PAID, by=by, restated=restated)
    if amount is not None and amount != quote.premium:
        raise ValidationError(  # the transaction rolls the transition back
            {"amount": f"The amount must equal the premium, {quote.premium} {quote.currency}."}
        )
    # A renewal's cover starts the day after the policy it renews ends; others start today.
    renewed = Policy.objects.filter(renewal_quote=quote).first()
    start, end = policy_term(
        renewed.end_date + dt.timedelta(days=1) if renewed else timezone.localdate()
    )
    policy = Policy(
        quote=quote,
        number=f"POL-{start:%Y}-{quote.pk:07d}",
        customer_id=quote.customer_id,
        product_id=quote.product_id,
        cover=quote.cover,
        premium=quote.premium,
        currency=quote.currency,
        start_date=start,
        end_date=end,
        state=Policy.State.ACTIVE,
    )
    policy._history_user = by
    policy.save(force_insert=True)
    Payment.objects.create(
        policy=policy,
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
    return policy


# A policy may be renewed from this many days before its end date.
RENEWAL_WINDOW_DAYS = 30


def lock_policy(policy_id: int) -> Policy:
    """Re-read a policy with its row locked until the surrounding transaction ends."""
    return (
        Policy.objects.select_for_update(of=("self",))
        .select_related("product", "customer")
        .get(pk=policy_id)
    )


def policy_transition(
    *,
    policy: Policy,
    to: str,
    by: Actor = None,
    reason: str | None = None,
    today: dt.date | None = None,
) -> Policy:
    """Move a locked policy to `to` if TRANSITIONS allows it, recording who and why."""
    today = today or timezone.localdate()
    if to != Policy.State.EXPIRED and policy.state_on(today) == Policy.State.EXPIRED:
        raise Conflict(
            f"Policy {policy.number} ended on {policy.end_date:%d-%m-%Y}.",
            code="policy_expired",
            state=Policy.State.EXPIRED,
        )
    if not policy.can_become(to):
        raise Conflict(
            f"Policy {policy.number} is {policy.state} and cannot become {to}.",
            code="invalid_transition",
            state=policy.state,
        )
    policy.state = to
    policy._history_user = by
    policy._change_reason = reason
    policy.save()
    return policy


@transaction.atomic
def policy_cancel(
    *,
    policy_id: int,
    reason: str,
    effective_date: dt.date | None = None,
    by: Actor = None,
    today: dt.date | None = None,
) -> Policy:
    """Cancel an active policy; cover stops on `effective_date` (today by default).

    A card charge is refunded in full within the cooling-off period, pro rata after it; a
    pending invoice is cancelled instead and nothing is refunded.
    """
    today = today or timezone.localdate()
    policy = lock_policy(policy_id)
    effective = effective_date or today
    # State first: an ended or cancelled policy is a conflict whatever the date.
    if policy.state_on(today) == Policy.State.ACTIVE and not (
        policy.start_date <= effective <= policy.end_date
    ):
        raise ValidationError(
            {
                "effective_date": f"Choose a date from {policy.start_date:%d-%m-%Y} to "
                f"{policy.end_date:%d-%m-%Y}, the policy's term."
            }
        )
    policy.cancellation_reason = reason
    policy.cancelled_on = effective
    policy_transition(policy=policy, to=Policy.State.CANCELLED, by=by, reason=reason, today=today)
    charge = Payment.objects.select_for_update().get(policy=policy, kind=Payment.Kind.CHARGE)
    if charge.status == Payment.Status.PENDING:
        charge.status = Payment.Status.CANCELLED
        charge.save(update_fields=["status"])
        return policy
    amount = refunds.cancellation_refund(
        premium=charge.amount,
        start=policy.start_date,
        end=policy.end_date,
        effective=effective,
        cooling_off_days=policy.product.cooling_off_days,
        currency=policy.currency,
    )
    if amount > 0:
        Payment.objects.create(
            policy=policy,
            kind=Payment.Kind.REFUND,
            amount=amount,
            currency=charge.currency,
            method=charge.method,
            status=Payment.Status.SUCCEEDED,
            reference=payment_reference(),
        )
    return policy


def policy_expire_ended(*, batch_size: int = 500, today: dt.date | None = None) -> int:
    """Record `expired` for active policies past their end date; returns how many.

    Batches lock and re-check their rows and skip rows another worker holds: safe from cron
    on several machines at once, and a second run does nothing.
    """
    today = today or timezone.localdate()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Policy.objects.select_for_update(skip_locked=True)
                .filter(state=Policy.State.ACTIVE, end_date__lt=today)
                .order_by("quote")[:batch_size]
            )
            for policy in batch:
                policy_transition(
                    policy=policy, to=Policy.State.EXPIRED, reason="term ended", today=today
                )
        expired += len(batch)
        if len(batch) < batch_size:
            return expired


@transaction.atomic
def policy_renew(*, policy_id: int, by: Actor = None, today: dt.date | None = None) -> Quote:
    """Quote next year's cover for an active policy, from RENEWAL_WINDOW_DAYS before its end.

    The new quote is priced at the customer's age on the renewal's start date, the day
    after this policy ends; paying it issues the next policy from that day.
    """
    today = today or timezone.localdate()
    policy = lock_policy(policy_id)
    state = policy.state_on(today)
    if state != Policy.State.ACTIVE:
        raise Conflict(
            f"Policy {policy.number} is {state}; only an active policy can be renewed.",
            code="invalid_transition",
            state=state,
        )
    opens = policy.end_date - dt.timedelta(days=RENEWAL_WINDOW_DAYS)
    if today < opens:
        raise Conflict(
            f"Policy {policy.number} can be renewed from {opens:%d-%m-%Y}.",
            code="renewal_too_early",
            renewable_from=opens.strftime("%d-%m-%Y"),
        )
    current = policy.renewal_quote
    if current is not None and (
        current.state == Quote.State.PAID
        or (current.state in OPEN_STATES and current.current_state in OPEN_STATES)
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
    )
    policy.renewal_quote = quote
    policy._history_user = by
    policy._change_reason = f"renewal quoted: {quote.pk}"
    policy.save(update_fields=["renewal_quote", "updated_at"])
    return quote
