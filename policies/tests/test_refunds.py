import datetime as dt
from decimal import Decimal

import pytest

from policies.refunds import cancellation_refund, endorsement_change
from quotes.pricing import PremiumParts

PREMIUM = Decimal("100.00")
ZERO = Decimal("0.00")


def net_only(premium: Decimal) -> PremiumParts:
    return PremiumParts(premium, ZERO, ZERO, ZERO)


def refund_of(start, end, effective, *, annual, paid=None, cooling_off_days=14, requested_on=None):
    """The refund of a cancellation asked for on `requested_on` (by default the day it takes
    effect, as a partner's must) of a policy whose annual parts were all paid."""
    return cancellation_refund(
        paid=paid or annual,
        annual=annual,
        start=start,
        end=end,
        effective=effective,
        requested_on=requested_on or effective,
        cooling_off_days=cooling_off_days,
        currency="AED",
    )


def refund(start, end, effective, cooling_off_days=14, premium=PREMIUM, requested_on=None):
    """The amount refunded for a premium that is all net premium."""
    return refund_of(
        start,
        end,
        effective,
        annual=net_only(premium),
        cooling_off_days=cooling_off_days,
        requested_on=requested_on,
    ).amount


YEAR_2026 = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))  # 365 days
LEAP_TERM = (dt.date(2027, 3, 1), dt.date(2028, 2, 29))  # 366 days, through 29 February


@pytest.mark.parametrize("days_in", [0, 1, 13])
def test_within_the_cooling_off_period_the_whole_premium_is_refunded(days_in):
    start, end = YEAR_2026

    assert refund(start, end, start + dt.timedelta(days=days_in)) == PREMIUM


@pytest.mark.parametrize(
    ("term", "effective", "expected"),
    [
        # day 15: 351 unused days of 365 -> 96.164... -> 96.16
        (YEAR_2026, dt.date(2026, 1, 15), Decimal("96.16")),
        # 1 July: 184 unused days of 365 -> 50.410... -> 50.41
        (YEAR_2026, dt.date(2026, 7, 1), Decimal("50.41")),
        # the last day: 1 unused day of 365 -> 0.273... -> 0.27
        (YEAR_2026, dt.date(2026, 12, 31), Decimal("0.27")),
        # leap term, 1 September: 182 unused days of 366 -> 49.726... -> 49.73
        (LEAP_TERM, dt.date(2027, 9, 1), Decimal("49.73")),
        # leap term, 29 February itself: 1 of 366 -> 0.273... -> 0.27
        (LEAP_TERM, dt.date(2028, 2, 29), Decimal("0.27")),
    ],
)
def test_later_cancellations_refund_the_unused_days_pro_rata(term, effective, expected):
    assert refund(*term, effective) == expected


def test_the_first_day_after_cooling_off_is_pro_rata():
    start, end = YEAR_2026

    assert refund(start, end, start + dt.timedelta(days=14)) == Decimal("96.16")


def test_pro_rata_rounds_half_up_once():
    # 183 unused days of 366 is exactly half: 100.01 / 2 = 50.005 -> 50.01, not 50.00
    assert refund(*LEAP_TERM, dt.date(2027, 8, 31), premium=Decimal("100.01")) == Decimal("50.01")


def test_a_refund_is_never_more_than_the_premium():
    start, end = YEAR_2026

    assert refund(start, end, start - dt.timedelta(days=1), cooling_off_days=0) == PREMIUM


def test_a_backdated_cancellation_350_days_in_refunds_only_the_days_it_leaves_uncovered():
    start, end = YEAR_2026
    day_351 = start + dt.timedelta(days=350)

    # Asked for on day 351 but dated back into the cooling-off period: not a full refund.
    assert refund(start, end, start + dt.timedelta(days=3), requested_on=day_351) == Decimal(
        "99.18"  # 362 of 365 days uncovered -> 99.178... -> 99.18
    )
    assert refund(start, end, day_351, premium=Decimal("200.00")) == Decimal("8.22")


def test_cooling_off_is_judged_on_the_day_of_the_request_not_the_effective_date():
    start, end = YEAR_2026
    requested_on = start + dt.timedelta(days=20)

    assert refund(start, end, start, requested_on=requested_on) == PREMIUM  # all 365 days
    assert refund(start, end, start + dt.timedelta(days=5), requested_on=requested_on) < PREMIUM


def test_a_cancellation_asked_for_in_cooling_off_but_dated_after_it_is_pro_rata():
    start, end = YEAR_2026

    asked_day_2_for_day_200 = refund(
        start, end, start + dt.timedelta(days=199), requested_on=start + dt.timedelta(days=1)
    )

    assert asked_day_2_for_day_200 == Decimal("45.48")  # 166 of 365 days -> 45.479... -> 45.48


# Critical illness in the sample catalogue: net 100.00, 5 % tax, a 15.00 fee, 10 % commission.
WITH_PARTS = PremiumParts(PREMIUM, Decimal("5.00"), Decimal("15.00"), Decimal("10.00"))


def test_within_cooling_off_everything_is_refunded_fees_included_and_commission_clawed_back():
    start, end = YEAR_2026

    result = refund_of(start, end, start + dt.timedelta(days=3), annual=WITH_PARTS)

    assert result.within_cooling_off
    assert (result.net_premium, result.tax, result.fees) == (
        PREMIUM,
        Decimal("5.00"),
        Decimal("15.00"),
    )
    assert result.amount == Decimal("120.00")
    assert result.commission_clawback == Decimal("10.00")


def test_after_cooling_off_net_premium_and_tax_are_pro_rata_and_fees_are_kept():
    start, end = YEAR_2026

    # 1 July: 184 unused days of 365
    result = refund_of(start, end, dt.date(2026, 7, 1), annual=WITH_PARTS)

    assert not result.within_cooling_off
    assert result.net_premium == Decimal("50.41")  # 50.410...
    assert result.tax == Decimal("2.52")  # 5.00 x 184 / 365 = 2.520...
    assert result.fees == ZERO
    assert result.amount == Decimal("52.93")
    assert result.commission_clawback == Decimal("5.04")  # 10.00 x 184 / 365 = 5.041...


def test_no_part_refunds_more_than_was_paid_for_it():
    start, end = YEAR_2026
    # A year's parts of 300.00 net, of which only 120.00 was paid (say after a down change).
    paid = PremiumParts(Decimal("120.00"), Decimal("1.00"), ZERO, Decimal("3.00"))
    annual = PremiumParts(Decimal("300.00"), Decimal("15.00"), ZERO, Decimal("30.00"))

    result = refund_of(start, end, dt.date(2026, 2, 1), annual=annual, paid=paid)

    assert result.net_premium == Decimal("120.00")
    assert result.tax == Decimal("1.00")
    assert result.commission_clawback == Decimal("3.00")


def test_an_endorsement_charges_the_difference_for_the_rest_of_the_term_part_by_part():
    start, end = YEAR_2026
    old = PremiumParts(Decimal("100.00"), Decimal("5.00"), Decimal("15.00"), Decimal("10.00"))
    new = PremiumParts(Decimal("150.00"), Decimal("7.50"), Decimal("15.00"), Decimal("15.00"))

    # 2 July: 183 remaining days of 365
    change = endorsement_change(
        old=old, new=new, start=start, end=end, effective=dt.date(2026, 7, 2), currency="AED"
    )

    assert change.net_premium == Decimal("25.07")  # 50 x 183 / 365 = 25.068...
    assert change.tax == Decimal("1.25")  # 2.50 x 183 / 365 = 1.253...
    assert change.fees == ZERO
    assert change.commission == Decimal("2.51")  # 5 x 183 / 365 = 2.506...
    assert change.premium == Decimal("26.32")


def test_a_lower_cover_gives_a_negative_change_rounded_half_away_from_zero():
    start, end = LEAP_TERM  # 366 days
    old, new = net_only(Decimal("100.01")), net_only(ZERO)

    # 183 of 366 days is exactly half: -50.005 -> -50.01, the mirror of a charge
    change = endorsement_change(
        old=old, new=new, start=start, end=end, effective=dt.date(2027, 8, 31), currency="AED"
    )

    assert change.net_premium == Decimal("-50.01")
