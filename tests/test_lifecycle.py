"""The one lifecycle every stateful model shares, walked pair by pair for each of them."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from myproject.lifecycle import check_transition, matches
from myproject.problems import Conflict
from policies.models import Payment, Policy
from quotes.models import Quote

NOW = timezone.now()
TODAY = timezone.localdate(NOW)


def fresh(model, state: str):
    """An unsaved row in `state`, whose dates have not lapsed."""
    if model is Quote:
        return Quote(pk=1, state=state, valid_until=NOW + dt.timedelta(days=1))
    if model is Policy:
        return Policy(
            number="POL-1",
            state=state,
            start_date=TODAY,
            end_date=TODAY + dt.timedelta(days=364),
        )
    return Payment(reference="PAY-1", status=state, amount=Decimal("1.00"))


def states(model) -> list[str]:
    return [value for value, _ in model._meta.get_field(model.STATE_FIELD).choices]


PAIRS = [
    (model, state, target)
    for model in (Quote, Policy, Payment)
    for state, target in itertools.product(states(model), repeat=2)
]


def test_every_model_declares_transitions_for_every_state():
    for model in (Quote, Policy, Payment):
        declared = set(states(model))
        assert set(model.TRANSITIONS) == declared, model
        assert all(targets <= declared for targets in model.TRANSITIONS.values()), model


@pytest.mark.parametrize(
    ("model", "state", "target"), PAIRS, ids=[f"{m.__name__}:{s}->{t}" for m, s, t in PAIRS]
)
def test_a_move_is_allowed_exactly_when_transitions_declares_it(model, state, target):
    row = fresh(model, state)
    lapse_targets = {lapsed for lapsed, _ in model.timed_states(NOW)}

    if target in model.TRANSITIONS[state]:
        check_transition(row, target, now=NOW)
        return
    with pytest.raises(Conflict) as refused:
        check_transition(row, target, now=NOW)
    # A recorded lapse keeps its own code (quote_expired, policy_expired) whatever is asked.
    if state in lapse_targets and state != target:
        assert refused.value.code == row.timed_conflict(state).code
    else:
        assert refused.value.code == "invalid_transition"
    assert refused.value.extra["state"] == state


def test_a_lapse_is_read_before_any_job_records_it():
    quote = Quote(pk=1, state="accepted", valid_until=NOW - dt.timedelta(seconds=1))
    policy = Policy(number="POL-1", state="active", start_date=TODAY, end_date=TODAY)
    scheduled = Policy(
        number="POL-2",
        state="active",
        start_date=TODAY - dt.timedelta(days=9),
        end_date=TODAY + dt.timedelta(days=300),
        cancelled_on=TODAY,
    )

    assert quote.state_at(NOW) == "expired"
    assert policy.state_at(NOW + dt.timedelta(days=1)) == "expired"
    assert scheduled.state_at(NOW) == "cancelled"
    assert scheduled.state_at(NOW - dt.timedelta(days=1)) == "active"
    with pytest.raises(Conflict) as refused:
        check_transition(quote, "paid", now=NOW)
    assert refused.value.code == "quote_expired"
    check_transition(quote, "expired", now=NOW)  # recording the lapse is the one move left


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Q(state="active"), True),
        (Q(state__in=["cancelled", "expired"]), False),
        (Q(cancelled_on__isnull=True), True),
        (Q(cancelled_on__lte=TODAY), False),  # NULL compares false, as in SQL
        (~Q(cancelled_on__lte=TODAY), True),
        (Q(end_date__lt=TODAY) | Q(state="active"), True),
        (Q(end_date__gte=TODAY, state="expired"), False),
    ],
)
def test_conditions_are_read_in_python_as_sql_reads_them(condition, expected):
    policy = Policy(state="active", end_date=TODAY, cancelled_on=None)

    assert matches(policy, condition) is expected
