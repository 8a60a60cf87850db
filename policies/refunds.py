"""Refund arithmetic for a cancelled policy: pure Decimal functions, no ORM.

Cover stops on the cancellation's effective date. The cooling-off period is the first
`cooling_off_days` days of cover, the start day included. The whole premium is refunded when
the cancellation is asked for within it and takes effect within it, not before the day it is
asked for; otherwise the premium for the unused days (the effective date to the end date,
both included) over the days of the term, rounded half-up once, never more than was paid.

It is judged on the day of the request, never on a date the client chooses: a backdated
cancellation (staff only) refunds at most the days it leaves uncovered.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from quotes.pricing import minor_unit


def in_cooling_off(
    *, start: dt.date, effective: dt.date, requested_on: dt.date, cooling_off_days: int
) -> bool:
    ends = start + dt.timedelta(days=cooling_off_days)  # the first day after it
    return requested_on < ends and requested_on <= effective < ends


def cancellation_refund(
    *,
    premium: Decimal,
    start: dt.date,
    end: dt.date,
    effective: dt.date,
    requested_on: dt.date,
    cooling_off_days: int,
    currency: str,
) -> Decimal:
    if in_cooling_off(
        start=start,
        effective=effective,
        requested_on=requested_on,
        cooling_off_days=cooling_off_days,
    ):
        return premium
    term_days = (end - start).days + 1
    unused_days = min(term_days, max(0, (end - effective).days + 1))
    refund = (premium * unused_days / term_days).quantize(minor_unit(currency), ROUND_HALF_UP)
    return min(refund, premium)
