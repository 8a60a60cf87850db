import datetime as dt
import itertools

import pytest
from django.utils import timezone

from myproject.lifecycle import transition
from myproject.problems import Conflict
from quotes.models import Quote
from quotes.services import quote_create
from tests.helpers import move_quote_to

pytestmark = pytest.mark.django_db

ALL_PAIRS = list(itertools.product(Quote.State.values, repeat=2))
ALLOWED = [(src, dst) for src, dst in ALL_PAIRS if dst in Quote.TRANSITIONS[src]]
REFUSED = [(src, dst) for src, dst in ALL_PAIRS if dst not in Quote.TRANSITIONS[src]]


def test_every_state_declares_its_transitions():
    assert set(Quote.TRANSITIONS) == set(Quote.State.values)


def test_the_declared_lifecycle():
    assert sorted(ALLOWED) == [
        ("accepted", "declined"),
        ("accepted", "expired"),
        ("accepted", "paid"),
        ("quoted", "accepted"),
        ("quoted", "declined"),
        ("quoted", "expired"),
    ]


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_a_refused_transition_changes_nothing(quote, source, target):
    quote = move_quote_to(quote, source)
    rows = quote.history.count()

    with pytest.raises(Conflict) as refused:
        transition(quote, target)

    # An expired quote says so, whatever else was asked of it.
    expected = "quote_expired" if source == "expired" != target else "invalid_transition"
    assert refused.value.code == expected
    quote.refresh_from_db()
    assert quote.state == source
    assert quote.history.count() == rows


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_an_allowed_transition_is_recorded_with_its_reason(quote, source, target):
    quote = move_quote_to(quote, source)

    transition(quote, target, reason="test")

    quote.refresh_from_db()
    assert quote.state == target
    latest = quote.history.latest()
    assert (latest.state, latest.history_change_reason) == (target, "test")


def test_the_state_filter_agrees_with_the_state_every_read_shows(customer, personal_accident):
    for state in Quote.State.values:
        for days_ago in (0, 40):  # fresh, and past its validity
            fresh = quote_create(
                customer=customer,
                product=personal_accident,
                now=timezone.now() - dt.timedelta(days=days_ago),
            )
            if state != Quote.State.EXPIRED or days_ago == 0:
                move_quote_to_anyway(fresh, state)

    annotated = Quote.objects.with_current_state()
    for state in Quote.State.values:
        shown = {q.pk for q in annotated if q.current_state == state}
        assert set(Quote.objects.in_current_state(state).values_list("pk", flat=True)) == shown


def move_quote_to_anyway(quote, state):
    """Set-up that reaches any state, even past `valid_until` (the rules would refuse)."""
    valid_until = quote.valid_until
    quote.valid_until = timezone.now() + dt.timedelta(days=1)
    quote.save()
    quote = move_quote_to(quote, state)
    quote.valid_until = valid_until
    quote.save()
