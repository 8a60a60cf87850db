"""Money for a policy: what has been paid, what cancelling refunds, and settling a change of
what the customer owes (a charge, or a refund that marks the charges it repays, oldest
first). Used by every service that moves money, and by the demo seeding, so that both apply
the same rules to the same inputs."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from myproject.lifecycle import transition
from quotes.models import PART_NAMES
from quotes.pricing import PremiumParts
from quotes.services import Actor

from . import refunds, schedule
from .events import payment_event
from .models import MONEY_TAKEN, Endorsement, Payment, Policy


def lock_payments(policy: Policy) -> list[Payment]:
    """A policy's payments, oldest first, locked with it (after it, as every writer does)."""
    payments = list(Payment.objects.select_for_update().filter(policy=policy).order_by("id"))
    for payment in payments:
        payment.policy = policy  # as read, with what it was read with (its partner)
    return payments


def paid_parts(payments: list[Payment]) -> PremiumParts:
    """What the customer has paid so far, net of refunds, by part (pending charges are not
    paid; a refund's commission is the partner's clawback)."""
    total = dict.fromkeys(PART_NAMES, Decimal(0))
    for payment in payments:
        if payment.kind == Payment.Kind.REFUND:
            sign = -1
        elif payment.status in MONEY_TAKEN:
            sign = 1
        else:
            continue
        for name in PART_NAMES:
            total[name] += sign * getattr(payment, name)
    return PremiumParts(**total)


def endorsement_changes(policy: Policy, endorsements: list[Endorsement]) -> list[PremiumParts]:
    """What each change of cover charged (or, negative, refunded) for the rest of the term,
    part by part, as endorsing priced it: each change's new annual parts are the next one's
    old parts, the last one's the policy's own. A change that rounds to nothing moved no
    money. Whether settled at once or spread over instalments, the same sums."""
    if not endorsements:
        return []
    after = [e.old_parts for e in endorsements[1:]] + [PremiumParts.of(policy)]
    changes = []
    for endorsement, new in zip(endorsements, after, strict=True):
        change = refunds.endorsement_change(
            old=endorsement.old_parts,
            new=new,
            start=policy.start_date,
            end=policy.end_date,
            effective=endorsement.effective_date,
            currency=policy.currency,
        )
        changes.append(change if change.premium != 0 else PremiumParts.sum_of([]))
    return changes


def cancellation_refund(
    policy: Policy,
    *,
    payments: list[Payment],
    endorsements: list[Endorsement],
    instalments=(),
    effective: dt.date,
    now: dt.datetime,
) -> refunds.Refund:
    """What cancelling on `effective` refunds, asked at `now`, given the policy's payments,
    changes of cover and instalments (before the unpaid ones are cancelled)."""
    # Changes of cover from the effective date on: the unused days are priced as before the
    # first of them, and what they charged or refunded is undone exactly.
    changes = endorsement_changes(policy, endorsements)
    later = [
        (e, change)
        for e, change in zip(endorsements, changes, strict=True)
        if e.effective_date >= effective
    ]
    later_changes = PremiumParts.sum_of(change for _, change in later)
    return refunds.cancellation_refund(
        paid=paid_parts(payments),
        annual=later[0][0].old_parts if later else PremiumParts.of(policy),
        later_changes=later_changes,
        unpaid=PremiumParts.sum_of(schedule.owed(instalments)),
        start=policy.start_date,
        end=policy.end_date,
        effective=effective,
        requested_on=timezone.localdate(now),
        cooling_off_days=policy.cooling_off_days,
        cooling_off_from=policy.disclosed_on,
        currency=policy.currency,
    )


def repaid_charges(payments: list[Payment]) -> list[tuple[Payment, str]]:
    """The charges whose state the refunds among `payments` change, with their new state:
    refunds repay the charges oldest first, each one fully repaid `refunded`, the one partly
    repaid `partially_refunded`."""
    left = sum(p.amount for p in payments if p.kind == Payment.Kind.REFUND)
    changed = []
    for charge in payments:
        if charge.kind != Payment.Kind.CHARGE or charge.status not in MONEY_TAKEN:
            continue
        repaid = min(left, charge.amount)
        left -= repaid
        if repaid == charge.amount:
            status = Payment.Status.REFUNDED
        elif repaid > 0:
            status = Payment.Status.PARTIALLY_REFUNDED
        else:
            break
        if charge.status != status:
            changed.append((charge, status))
    return changed


def settle(policy: Policy, payments: list[Payment], parts: PremiumParts, *, by: Actor) -> Payment:
    """Settle a change of what the customer owes, `parts` (positive: a charge; negative: a
    refund, then marking the charges it repays), by the method of the policy's first charge.
    It succeeds at once."""
    if parts.premium > 0:
        payment = Payment.charge(policy, parts, method=payments[0].method)
    else:
        payment = Payment.refund(policy, -parts, method=payments[0].method)
    payment._history_user = by
    payment.save(force_insert=True)
    if payment.kind == Payment.Kind.REFUND:
        for charge, status in repaid_charges([*payments, payment]):
            transition(charge, status, by=by, reason=f"refund {payment.reference}")
    payment_event(payment)
    return payment


def collect(policy: Policy, parts: PremiumParts, *, method: str, by: Actor) -> Payment:
    """Record money the partner reports collected (an instalment, arrears): a charge that
    has succeeded, told to the partner."""
    payment = Payment.collected(policy, parts, method=method)
    payment._history_user = by
    payment.save(force_insert=True)
    payment_event(payment)
    return payment
