"""Refund arithmetic for a cancelled policy: pure Decimal functions, no ORM.

Cover stops on the cancellation's effective date. Within the cooling-off period (the first
`cooling_off_days` days of cover, the start day included) the whole premium is refunded;
later, the premium for the unused days (the effective date to the end date, both included)
over the days of the term, rounded half-up once, never more than was paid.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from quotes.pricing import minor_unit


def in_cooling_off(*, start: dt.date, effective: dt.date, cooling_off_days: int) -> bool:
    return effective < start + dt.timedelta(days=cooling_off_days)


def cancellation_refund(
    *,
    premium: Decimal,
    start: dt.date,
    end: dt.date,
    effective: dt.date,
    cooling_off_days: int,
    currency: str,
) -> Decimal:
    if in_cooling_off(start=start, effective=effective, cooling_off_days=cooling_off_days):
        return premium
    term_days = (end - start).days + 1
    unused_days = max(0, (end - effective).days + 1)
    refund = (premium * unused_days / term_days).quantize(minor_unit(currency), ROUND_HALF_UP)
    return min(refund, premium)
