"""Premium arithmetic: pure functions of plain values, no ORM and no request.

premium = max(minimum_premium, cover / 1000 x rate_per_mille), rounded half-up once, at the
end, to the currency's minor unit.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not the usual cent; everything else has two places.
MINOR_UNIT_EXCEPTIONS = {
    "BHD": 3, "CLP": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3,
    "LYD": 3, "OMR": 3, "PYG": 0, "TND": 3, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0,
}  # fmt: skip
PER_MILLE = Decimal(1000)


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


def premium(
    *, cover: Decimal, rate_per_mille: Decimal, minimum_premium: Decimal, currency: str
) -> Decimal:
    risk_premium = cover / PER_MILLE * rate_per_mille
    return max(minimum_premium, risk_premium).quantize(minor_unit(currency), ROUND_HALF_UP)
