"""The transition matrix through HTTP, generated from the declared TRANSITIONS."""

import pytest

from policies.models import Payment, Policy
from quotes.models import Quote
from tests.helpers import move_quote_to

pytestmark = pytest.mark.django_db

# Each quote action and the state it moves the quote to; `expired` is recorded by the
# expire_quotes job, never asked for.
ACTIONS = {
    "accept": Quote.State.ACCEPTED,
    "pay": Quote.State.PAID,
    "decline": Quote.State.DECLINED,
}
REFUSED = [
    (state, action)
    for state in Quote.State.values
    for action, target in ACTIONS.items()
    if target not in Quote.TRANSITIONS[state]
]


def test_every_declared_transition_has_an_action():
    targets = {target for targets in Quote.TRANSITIONS.values() for target in targets}
    assert targets == {*ACTIONS.values(), Quote.State.EXPIRED}


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_every_refused_action_is_409_and_changes_nothing(api, quote, state, action):
    quote = move_quote_to(quote, state)
    rows = quote.history.count()

    response = api.post(f"/api/v1/quotes/{quote.pk}/{action}/")

    assert response.status_code == 409
    expected = "quote_expired" if state == Quote.State.EXPIRED else "invalid_transition"
    assert response.json()["code"] == expected
    assert response.json()["state"] == state
    quote.refresh_from_db()
    assert quote.state == state
    assert quote.history.count() == rows
    assert not Policy.objects.exists()
    assert not Payment.objects.exists()
