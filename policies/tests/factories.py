"""Policies for tests, issued as the API issues them: a quote priced and accepted, then paid
through policy_issue."""

import datetime as dt

from policies.models import Policy
from policies.services import policy_issue, policy_term
from quotes.tests.factories import quote_for


def policy_for(
    customer, product="personal-accident", *, started: dt.date | None = None, **payment
) -> Policy:
    """A policy of `product` (a Product or its code) for `customer`, paid as `payment` says
    (card by default); with `started`, its term moved back to begin that day, as time would
    have (test set-up)."""
    quote = quote_for(customer, product, state="accepted")
    policy = policy_issue(quote_id=quote.pk, **payment)
    if started is not None:
        policy.start_date, policy.end_date = policy_term(started)
        policy.save()
    return policy
