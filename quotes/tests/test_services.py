import itertools

import pytest

from conftest import move_quote_to
from myproject.exceptions import Conflict
from quotes.models import Quote
from quotes.services import quote_transition

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
        quote_transition(quote=quote, to=target)

    # An expired quote says so, whatever else was asked of it.
    expected = "quote_expired" if source == "expired" != target else "invalid_transition"
    assert refused.value.code == expected
    quote.refresh_from_db()
    assert quote.state == source
    assert quote.history.count() == rows


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_an_allowed_transition_is_recorded_with_its_reason(quote, source, target):
    quote = move_quote_to(quote, source)

    quote_transition(quote=quote, to=target, reason="test")

    quote.refresh_from_db()
    assert quote.state == target
    latest = quote.history.latest()
    assert (latest.state, latest.history_change_reason) == (target, "test")
