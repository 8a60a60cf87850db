import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotes.pricing import (
    PLAN_INSTALMENTS,
    Band,
    PremiumParts,
    age_on,
    band_for_age,
    instalment_plan,
    minor_unit,
    premium_parts,
    to_minor_unit,
)

PERSONAL_ACCIDENT = [
    Band(18, 29, Decimal("1.60")),
    Band(30, 44, Decimal("2.00")),
    Band(45, 59, Decimal("2.90")),
    Band(60, 75, Decimal("4.50")),
]


@pytest.mark.parametrize(
    ("dob", "day", "age"),
    [
        (dt.date(1991, 6, 25), dt.date(2026, 6, 24), 34),
        (dt.date(1991, 6, 25), dt.date(2026, 6, 25), 35),
        (dt.date(1991, 6, 25), dt.date(2026, 12, 31), 35),
        (dt.date(2000, 2, 29), dt.date(2026, 2, 28), 25),
        (dt.date(2000, 2, 29), dt.date(2026, 3, 1), 26),
        (dt.date(2000, 2, 29), dt.date(2028, 2, 28), 27),
        (dt.date(2000, 2, 29), dt.date(2028, 2, 29), 28),
        (dt.date(2000, 1, 1), dt.date(2000, 12, 31), 0),
    ],
)
def test_age_is_whole_calendar_years_on_the_day(dob, day, age):
    assert age_on(dob, day) == age


@pytest.mark.parametrize(
    ("age", "label"),
    [
        (18, "18-29"),
        (25, "18-29"),
        (29, "18-29"),
        (30, "30-44"),
        (44, "30-44"),
        (45, "45-59"),
        (55, "45-59"),
        (59, "45-59"),
        (60, "60-75"),
        (75, "60-75"),
    ],
)
def test_band_edges_are_inclusive(age, label):
    assert band_for_age(PERSONAL_ACCIDENT, age).label == label


@pytest.mark.parametrize("age", [0, 17, 76, 120])
def test_no_band_outside_the_covered_ages(age):
    assert band_for_age(PERSONAL_ACCIDENT, age) is None


def test_25_and_55_year_olds_pay_different_rates():
    assert band_for_age(PERSONAL_ACCIDENT, 25).rate_per_mille != (
        band_for_age(PERSONAL_ACCIDENT, 55).rate_per_mille
    )


def parts(
    cover: str,
    rate: str,
    minimum: str = "50.00",
    currency: str = "AED",
    tax: str = "0",
    fee: str = "0",
    commission: str = "0",
):
    return premium_parts(
        cover=Decimal(cover),
        rate_per_mille=Decimal(rate),
        minimum_premium=Decimal(minimum),
        tax_rate=Decimal(tax),
        policy_fee=Decimal(fee),
        commission_rate=Decimal(commission),
        currency=currency,
    )


def price(cover: str, rate: str, minimum: str = "50.00", currency: str = "AED") -> Decimal:
    return parts(cover, rate, minimum, currency).premium


def test_premium_is_cover_per_thousand_times_the_rate():
    assert price("50000.00", "2.00") == Decimal("100.00")
    assert price("123456.78", "2.90") == Decimal("358.02")


def test_the_minimum_premium_applies_to_small_covers():
    assert price("10000.00", "1.60") == Decimal("50.00")
    assert price("31250.00", "1.60") == Decimal("50.00")
    assert price("31256.25", "1.60") == Decimal("50.01")


def test_premium_is_rounded_half_up_once_to_the_minor_unit():
    # 10003.13 x 4.5 / 1000 = 45.014085 -> 45.01; 10001.00 x 4.5 / 1000 = 45.0045 -> 45.00
    assert price("10003.13", "4.50", minimum="0") == Decimal("45.01")
    assert price("10001.00", "4.50", minimum="0") == Decimal("45.00")
    # exactly half a minor unit rounds up, not to the even neighbour
    assert price("1000.00", "0.0125", minimum="0") == Decimal("0.01")
    assert price("1000.00", "0.0250", minimum="0") == Decimal("0.03")


def test_premium_is_a_decimal_at_the_currency_minor_unit():
    assert price("50000.00", "2.00").as_tuple().exponent == -2
    assert price("50000", "2.3333", currency="JPY", minimum="0") == Decimal("117")
    assert price("50000", "2.33333", currency="KWD", minimum="0") == Decimal("116.667")
    assert minor_unit("AED") == Decimal("0.01")


def test_without_tax_fee_or_commission_the_premium_is_the_net_premium():
    result = parts("50000.00", "2.00")
    assert result.net_premium == result.premium == Decimal("100.00")
    assert result.tax == result.fees == result.commission == Decimal("0.00")


def test_tax_and_commission_are_percentages_of_the_net_premium():
    result = parts("50000.00", "2.00", tax="5.00", fee="15.00", commission="12.50")
    assert result.net_premium == Decimal("100.00")
    assert result.tax == Decimal("5.00")
    assert result.fees == Decimal("15.00")
    assert result.commission == Decimal("12.50")
    # the partner's commission comes out of what the customer pays, not on top of it
    assert result.premium == Decimal("120.00")


def test_each_part_is_rounded_half_up_and_the_premium_is_their_sum():
    # net 33.335 -> 33.34; tax 5% of 33.34 = 1.667 -> 1.67 (not 5% of 33.335 = 1.66675);
    # commission 7.5% of 33.34 = 2.5005 -> 2.50
    result = parts("10000.00", "3.3335", minimum="0", tax="5", fee="2.005", commission="7.5")
    assert result.net_premium == Decimal("33.34")
    assert result.tax == Decimal("1.67")
    assert result.fees == Decimal("2.01")
    assert result.commission == Decimal("2.50")
    assert result.premium == Decimal("37.02")


def test_parts_are_at_the_currency_minor_unit():
    result = parts("50000", "2.3333", currency="JPY", minimum="0", tax="10")
    assert (result.net_premium, result.tax) == (Decimal("117"), Decimal("12"))
    assert result.premium.as_tuple().exponent == 0


def test_a_negative_amount_rounding_to_nothing_is_zero_not_minus_zero():
    assert str(to_minor_unit(Decimal("-0.004"), "AED")) == "0.00"


PARTS = ("net_premium", "tax", "fees", "commission")


@given(
    cover=st.decimals(min_value=1000, max_value=5_000_000, places=2),
    rate=st.decimals(min_value=Decimal("0.5"), max_value=Decimal("12"), places=4),
    tax_rate=st.sampled_from([Decimal(0), Decimal(5), Decimal("12.5")]),
    policy_fee=st.sampled_from([Decimal(0), Decimal("25.00"), Decimal("10.01")]),
    commission_rate=st.sampled_from([Decimal(0), Decimal(10), Decimal("17.5")]),
    instalment_fee=st.sampled_from([Decimal(0), Decimal("1.50"), Decimal("2.99")]),
    plan=st.sampled_from(sorted(PLAN_INSTALMENTS)),
    currency=st.sampled_from(["AED", "JPY", "KWD"]),
)
def test_instalments_add_up_to_the_total_part_by_part(
    cover, rate, tax_rate, policy_fee, commission_rate, instalment_fee, plan, currency
):
    annual = premium_parts(
        cover=cover,
        rate_per_mille=rate,
        minimum_premium=Decimal(50),
        tax_rate=tax_rate,
        policy_fee=policy_fee,
        commission_rate=commission_rate,
        currency=currency,
    )

    spread = instalment_plan(annual, plan=plan, instalment_fee=instalment_fee, currency=currency)

    instalments = spread.instalments()
    assert len(instalments) == spread.count == PLAN_INSTALMENTS[plan]
    for part in PARTS:
        assert sum(getattr(i, part) for i in instalments) == getattr(spread.total, part)
        assert getattr(spread.first, part) >= getattr(spread.later, part) >= 0
        for instalment in instalments:
            amount = getattr(instalment, part)
            assert amount == to_minor_unit(amount, currency)  # whole minor units
    count = PLAN_INSTALMENTS[plan]
    fee_each = to_minor_unit(instalment_fee, currency) if count > 1 else 0
    assert spread.total.fees == annual.fees + fee_each * count
    assert spread.total.premium == sum(i.premium for i in instalments)
    assert (spread.total.net_premium, spread.total.tax) == (annual.net_premium, annual.tax)


def test_a_monthly_plan_puts_the_rounding_remainder_in_the_first_instalment():
    annual = PremiumParts(Decimal("1000.00"), Decimal("50.00"), Decimal("25.00"), Decimal("100"))

    spread = instalment_plan(annual, plan="monthly", instalment_fee=Decimal("2"), currency="AED")

    assert spread.later == PremiumParts(
        Decimal("83.33"), Decimal("4.16"), Decimal("4.08"), Decimal("8.33")
    )
    assert spread.first == PremiumParts(
        Decimal("83.37"), Decimal("4.24"), Decimal("4.12"), Decimal("8.37")
    )
    assert spread.total.premium == Decimal("1099.00")  # 1075.00 and twelve fees of 2.00


def test_an_annual_plan_is_the_premium_as_it_is_without_a_fee():
    annual = PremiumParts(Decimal("145.00"), Decimal("7.25"), Decimal("0"), Decimal("14.50"))

    spread = instalment_plan(annual, plan="annual", instalment_fee=Decimal("2"), currency="AED")

    assert spread.instalments() == [annual] and spread.total == annual
