"""Issuing a policy: paying an accepted quote creates the policy and its payment at once."""

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from quotes.models import Quote
from quotes.services import Actor, lock_quote, quote_transition

from .models import Payment, Policy


def policy_term(start: dt.date) -> tuple[dt.date, dt.date]:
    """One year of cover: from `start` to the day before its anniversary, inclusive.

    The anniversary of 29 February in a common year is 1 March.
    """
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:
        anniversary = dt.date(start.year + 1, 3, 1)
    return start, anniversary - dt.timedelta(days=1)


def payment_reference() -> str:
    return f"PAY-{secrets.token_hex(8).upper()}"


@transaction.atomic
def policy_issue(
    *,
    quote_id: int,
    payment_method: str = Payment.Method.CARD,
    amount: Decimal | None = None,
    restated: dict | None = None,
    by: Actor = None,
) -> Policy:
    """Take payment for an accepted, unexpired quote and issue its policy, active at once.

    A card payment succeeds at once; an invoice stays pending, to be invoiced later.
    """
    quote = lock_quote(quote_id)
    quote_transition(quote=quote, to=Quote.State.PAID, by=by, restated=restated)
    if amount is not None and amount != quote.premium:
        raise ValidationError(  # the transaction rolls the transition back
            {"amount": f"The amount must equal the premium, {quote.premium} {quote.currency}."}
        )
    start, end = policy_term(timezone.localdate())
    policy = Policy(
        quote=quote,
        number=f"POL-{start:%Y}-{quote.pk:07d}",
        customer_id=quote.customer_id,
        product_id=quote.product_id,
        cover=quote.cover,
        premium=quote.premium,
        currency=quote.currency,
        start_date=start,
        end_date=end,
        state=Policy.State.ACTIVE,
    )
    policy._history_user = by
    policy.save(force_insert=True)
    Payment.objects.create(
        policy=policy,
        kind=Payment.Kind.CHARGE,
        amount=quote.premium,
        currency=quote.currency,
        method=payment_method,
        status=(
            Payment.Status.SUCCEEDED
            if payment_method == Payment.Method.CARD
            else Payment.Status.PENDING
        ),
        reference=payment_reference(),
    )
    return policy
