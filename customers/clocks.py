"""The time the rules read for an object: the real time, or its customer's test clock's.

Quotes, policies and instalments carry their customer's `test_clock` (copied at creation, as
their partner is): `time_of(row.test_clock_id)` is their now. A live object's costs nothing."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.http import Http404
from django.utils import timezone

from .models import Partner, TestClock

# Sent for each day a clock moves through, oldest first, with `clock` and `now` (noon that
# day, the clock's time then): each app brings its objects at that clock to that day, as its
# periodic jobs do for the live ones (quotes expire, instalments fall due, policies lapse or
# expire), so that what happens comes in the order it would in real time.
clock_ticked = Signal()

# How far one advance may move a clock (two years and a day: a renewal and its lapse).
MAX_ADVANCE_DAYS = 731


def time_of(test_clock_id: int | None) -> dt.datetime:
    if test_clock_id is None:
        return timezone.now()
    return TestClock.objects.values_list("now", flat=True).get(pk=test_clock_id)


def noon(day: dt.date) -> dt.datetime:
    """The time a clock stands at on `day`: its middle, far from any date's edge."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def sandbox_only(partner: Partner | None) -> None:
    # A live partner (or staff, who are no partner) has no clocks: the routes are not there.
    if partner is None or not partner.is_sandbox:
        raise Http404("Test clocks are for sandbox partners.")


def test_clock_create(*, partner: Partner | None, start: dt.date | None = None) -> TestClock:
    """A sandbox partner's clock, at the real time or at noon on `start` (today or later)."""
    sandbox_only(partner)
    today = timezone.localdate()
    if start is not None and start < today:
        raise ValidationError({"start": "A clock starts today or later, never in the past."})
    now = timezone.now() if start is None or start == today else noon(start)
    return TestClock.objects.create(partner=partner, now=now)


@transaction.atomic
def test_clock_advance(*, clock_id: int, to: dt.date) -> TestClock:
    """Move a clock forward to noon on `to` (never back), bringing its objects through each
    day on the way (see `clock_ticked`), in one transaction."""
    clock = TestClock.objects.select_for_update().get(pk=clock_id)
    today = timezone.localdate(clock.now)
    if to <= today:
        raise ValidationError(
            {"to": f"A clock moves forward only: choose a day after {today:%d-%m-%Y}."}
        )
    if (to - today).days > MAX_ADVANCE_DAYS:
        raise ValidationError({"to": f"Move it at most {MAX_ADVANCE_DAYS} days at a time."})
    day = today
    while day < to:
        day += dt.timedelta(days=1)
        clock.now = noon(day)
        clock.save(update_fields=["now"])  # the objects read it while their day is brought
        clock_ticked.send(TestClock, clock=clock, now=clock.now)
    return clock
