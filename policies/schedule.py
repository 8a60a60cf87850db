"""A policy's instalments: when each falls due, what each carries, and how a change of cover
is spread over those still to pay. Plain functions of rows already read; the services save."""

import copy
import datetime as dt

from dateutil.relativedelta import relativedelta

from quotes.models import PART_NAMES
from quotes.pricing import PLAN_INSTALMENTS, InstalmentPlan, PremiumParts, split

from .models import Instalment, Payment, Policy


def due_dates(start: dt.date, count: int) -> list[dt.date]:
    """The first on the start date, then every 12/count months after it (the 31st falls on
    a shorter month's last day)."""
    months = 12 // count
    return [start + relativedelta(months=months * number) for number in range(count)]


def instalments_of(
    policy: Policy, plan: InstalmentPlan, *, first_paid_by: Payment
) -> list[Instalment]:
    """The plan's instalments for a policy, unsaved: the first paid by `first_paid_by`, the
    rest scheduled. None for an annual plan: its one payment is the charge itself."""
    if PLAN_INSTALMENTS[plan.plan] == 1:
        return []
    instalments = []
    for number, (due, parts) in enumerate(
        zip(due_dates(policy.start_date, plan.count), plan.instalments(), strict=True), start=1
    ):
        instalment = Instalment(
            policy=policy,
            partner_id=policy.partner_id,
            test_clock_id=policy.test_clock_id,
            number=number,
            due_date=due,
            amount=parts.premium,
            currency=policy.currency,
            status=Instalment.Status.PAID if number == 1 else Instalment.Status.SCHEDULED,
            payment=first_paid_by if number == 1 else None,
        )
        instalment.set_parts(parts)
        instalments.append(instalment)
    return instalments


def next_due(instalments) -> dt.date | None:
    """The due date of the earliest instalment still owed."""
    return min((i.due_date for i in owed(instalments)), default=None)


def owed(instalments) -> list[Instalment]:
    return [i for i in instalments if i.status in Instalment.UNPAID]


def spread(instalments: list[Instalment], change: PremiumParts) -> list[Instalment] | None:
    """The unpaid instalments, oldest first, as they read with `change` spread over them
    (the remainder in the first, as a plan splits), unsaved copies; None when none is left
    to pay or a refund would take one below nothing (then the change is settled at once)."""
    still_owed = owed(instalments)
    if not still_owed:
        return None
    shares = split(change, len(still_owed), still_owed[0].currency)
    after = []
    for instalment, share in zip(still_owed, shares, strict=True):
        changed = copy.copy(instalment)
        changed.set_parts(
            PremiumParts(
                **{name: getattr(instalment, name) + getattr(share, name) for name in PART_NAMES}
            )
        )
        changed.amount = changed.net_premium + changed.tax + changed.fees
        if changed.amount <= 0 or any(getattr(changed, name) < 0 for name in PART_NAMES):
            return None
        after.append(changed)
    return after
