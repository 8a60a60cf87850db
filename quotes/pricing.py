"""Premium arithmetic: pure functions of plain values, no ORM and no request.

A premium is made of parts, each rounded half-up once to the currency's minor unit:
- net premium = max(minimum_premium, cover / 1000 x rate_per_mille);
- tax = the net premium x the product's tax rate (a percentage);
- fees = the product's policy fee;
- commission = the net premium x the partner's commission rate, the partner's share, which
  the customer does not pay on top.
The premium, what the customer pays, is the sum of the rounded net premium, tax and fees.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not the usual cent; everything else has two places.
MINOR_UNIT_EXCEPTIONS = {
    "BHD": 3, "CLP": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3,
    "LYD": 3, "OMR": 3, "PYG": 0, "TND": 3, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0,
}  # fmt: skip
PER_MILLE = Decimal(1000)
PERCENT = Decimal(100)


@dataclass(frozen=True)
class Band:
    min_age: int
    max_age: int
    rate_per_mille: Decimal

    @property
    def label(self) -> str:
        return f"{self.min_age}-{self.max_age}"


def age_on(dob: dt.date, day: dt.date) -> int:
    """Age in whole calendar years on `day`; a 29 February birthday falls on 1 March."""
    had_birthday = (day.month, day.day) >= (dob.month, dob.day)
    return day.year - dob.year - (0 if had_birthday else 1)


def band_for_age(bands: Iterable[Band], age: int) -> Band | None:
    return next((band for band in bands if band.min_age <= age <= band.max_age), None)


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNIT_EXCEPTIONS.get(currency, 2))


def to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    """Half-up (away from zero), and never "-0.00"."""
    rounded = amount.quantize(minor_unit(currency), ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


# What a price is made of, each rounded once; the premium is the sum of the first three.
PART_NAMES = ("net_premium", "tax", "fees", "commission")


@dataclass(frozen=True)
class PremiumParts:
    """What a price is made of, each part already rounded; `premium` is what the customer
    pays, the sum of the parts they pay."""

    net_premium: Decimal
    tax: Decimal
    fees: Decimal
    commission: Decimal

    @property
    def premium(self) -> Decimal:
        return self.net_premium + self.tax + self.fees

    def __neg__(self) -> "PremiumParts":
        return PremiumParts(-self.net_premium, -self.tax, -self.fees, -self.commission)

    @classmethod
    def of(cls, priced) -> "PremiumParts":
        """The parts a priced object (a quote, a policy, a payment) carries."""
        return cls(priced.net_premium, priced.tax, priced.fees, priced.commission)

    @classmethod
    def sum_of(cls, items) -> "PremiumParts":
        """Priced objects (or parts) added up, part by part; nothing adds up to zeros."""
        items = list(items)
        return cls(*(sum((getattr(i, name) for i in items), Decimal(0)) for name in PART_NAMES))


def premium_parts(
    *,
    cover: Decimal,
    rate_per_mille: Decimal,
    minimum_premium: Decimal,
    tax_rate: Decimal,
    policy_fee: Decimal,
    commission_rate: Decimal,
    currency: str,
) -> PremiumParts:
    net = to_minor_unit(max(minimum_premium, cover / PER_MILLE * rate_per_mille), currency)
    return PremiumParts(
        net_premium=net,
        tax=to_minor_unit(net * tax_rate / PERCENT, currency),
        fees=to_minor_unit(policy_fee, currency),
        commission=to_minor_unit(net * commission_rate / PERCENT, currency),
    )


# How many instalments each way of paying takes in a year.
PLAN_INSTALMENTS = {"annual": 1, "quarterly": 4, "monthly": 12}
PLANS = tuple(PLAN_INSTALMENTS)


@dataclass(frozen=True)
class InstalmentPlan:
    """A year's premium paid in `count` instalments: each later one is `later`, the first is
    `first` (the later ones rounded down, the remainder in the first), so that they add up
    to `total` exactly, part by part. Each carries its share of the premium's parts and the
    instalment fee (in its fees)."""

    plan: str
    count: int
    first: PremiumParts
    later: PremiumParts
    total: PremiumParts

    def instalments(self) -> list[PremiumParts]:
        return [self.first] + [self.later] * (self.count - 1)


def split(parts: PremiumParts, count: int, currency: str) -> list[PremiumParts]:
    """`parts` in `count` shares that add up to them exactly, part by part: each share but
    the first rounded toward zero to the minor unit, the remainder in the first."""
    unit = minor_unit(currency)
    each = {part: (getattr(parts, part) / count).quantize(unit, ROUND_DOWN) for part in PART_NAMES}
    first = {part: getattr(parts, part) - each[part] * (count - 1) for part in PART_NAMES}
    return [PremiumParts(**first)] + [PremiumParts(**each)] * (count - 1)


def instalment_plan(
    annual: PremiumParts, *, plan: str, instalment_fee: Decimal, currency: str
) -> InstalmentPlan:
    """`annual` spread over the plan's instalments, with `instalment_fee` added to each but
    a single (annual) payment."""
    count = PLAN_INSTALMENTS[plan]
    fee = to_minor_unit(instalment_fee, currency) if count > 1 else Decimal(0)
    first, *rest = split(annual, count, currency)
    later = rest[0] if rest else first
    return InstalmentPlan(
        plan=plan,
        count=count,
        first=replace(first, fees=first.fees + fee),
        later=replace(later, fees=later.fees + fee),
        total=replace(annual, fees=annual.fees + fee * count),
    )
