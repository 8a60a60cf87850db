"""Refund and endorsement arithmetic: pure Decimal functions of plain values, no ORM.

Cover stops on a cancellation's effective date. The cooling-off period is the first
`cooling_off_days` days counted from the start of cover, or from the day the customer was
given the product information document if that came later, that day included. A
cancellation asked for within it
and taking effect within it, not before the day it is asked for, refunds everything the
customer paid, fees included. Otherwise it refunds the net premium and tax of the unused days
(the effective date to the end date, both included) over the days of the term, each part
rounded half-up once and never more than was paid for it; fees are kept. The partner's
commission is clawed back in the same proportion.

It is judged on the day of the request, never on a date the client chooses: a backdated
cancellation (staff only) refunds at most the days it leaves uncovered.

A cancellation that takes effect before a change of cover does (one dated ahead) refunds the
unused days at the price in effect on its date, and gives back what each later change
charged (or takes back what it refunded), exactly.

A policy paid by instalments refunds what was paid beyond what was earned, by the same
rules: each part's unused share less what is still unpaid of it (never below nothing, never
more than was paid). A cancellation never charges: earned premium left unpaid is written off.

An endorsement changes the annual premium from its effective date: each part of the change
is the difference between the new and the old annual part for the days from the effective
date to the end date, over the days of the term, rounded half-up once.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from quotes.pricing import PremiumParts, to_minor_unit


@dataclass(frozen=True)
class Refund:
    """What a cancellation gives back: the customer's parts, and the partner's clawback."""

    within_cooling_off: bool
    net_premium: Decimal
    tax: Decimal
    fees: Decimal
    commission_clawback: Decimal
    written_off: Decimal = Decimal(0)

    @property
    def amount(self) -> Decimal:
        return self.net_premium + self.tax + self.fees

    @property
    def parts(self) -> PremiumParts:
        """As the parts of the refund payment (its commission is the clawback)."""
        return PremiumParts(self.net_premium, self.tax, self.fees, self.commission_clawback)


def in_cooling_off(
    *, start: dt.date, effective: dt.date, requested_on: dt.date, cooling_off_days: int
) -> bool:
    ends = start + dt.timedelta(days=cooling_off_days)  # the first day after it
    return requested_on < ends and requested_on <= effective < ends


def term_share(*, start: dt.date, end: dt.date, effective: dt.date) -> tuple[int, int]:
    """The days from `effective` to `end` inclusive (none before the start counted twice),
    and the days of the term."""
    term_days = (end - start).days + 1
    return min(term_days, max(0, (end - effective).days + 1)), term_days


def cancellation_refund(
    *,
    paid: PremiumParts,
    annual: PremiumParts,
    start: dt.date,
    end: dt.date,
    effective: dt.date,
    requested_on: dt.date,
    cooling_off_days: int,
    currency: str,
    later_changes: PremiumParts | None = None,
    unpaid: PremiumParts | None = None,
    cooling_off_from: dt.date | None = None,
) -> Refund:
    """`paid`: what the customer has paid so far, net of refunds, by part (with the
    commission earned on it); `annual`: the premium parts for a year in effect on the
    effective date; `later_changes`: what the changes of cover taking effect on or after it
    charged, net of what they refunded; `unpaid`: the instalments still owed, by part;
    `cooling_off_from`: the day cooling-off counts from, if not the start."""
    if in_cooling_off(
        start=max(start, cooling_off_from or start),
        effective=effective,
        requested_on=requested_on,
        cooling_off_days=cooling_off_days,
    ):
        return Refund(True, paid.net_premium, paid.tax, paid.fees, paid.commission)
    unused, term_days = term_share(start=start, end=end, effective=effective)

    def beyond_earned(part: str) -> Decimal:
        # What was paid beyond what was earned: the unused share, less what is unpaid.
        amount = to_minor_unit(getattr(annual, part) * unused / term_days, currency)
        if later_changes is not None:
            amount += getattr(later_changes, part)
        if unpaid is not None:
            amount -= getattr(unpaid, part)
        return amount

    def share(part: str) -> Decimal:
        return max(Decimal(0), min(beyond_earned(part), getattr(paid, part)))

    written_off = sum(max(Decimal(0), -beyond_earned(part)) for part in ("net_premium", "tax"))
    kept_fees = to_minor_unit(Decimal(0), currency)
    return Refund(
        False,
        share("net_premium"),
        share("tax"),
        kept_fees,
        share("commission"),
        to_minor_unit(written_off, currency),
    )


def endorsement_change(
    *,
    old: PremiumParts,
    new: PremiumParts,
    start: dt.date,
    end: dt.date,
    effective: dt.date,
    currency: str,
) -> PremiumParts:
    """The change of each part for the rest of the term: positive a charge, negative a
    refund."""
    remaining, term_days = term_share(start=start, end=end, effective=effective)

    def change(part: str) -> Decimal:
        difference = getattr(new, part) - getattr(old, part)
        return to_minor_unit(difference * remaining / term_days, currency)

    return PremiumParts(change("net_premium"), change("tax"), change("fees"), change("commission"))
