"""Quote rules: pricing a quote, and the one place where a quote changes state."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from myproject.problems import Conflict

from . import pricing
from .models import OPEN_STATES, Product, Quote

Actor = AbstractBaseUser | None


def product_bands(product: Product) -> list[pricing.Band]:
    return [
        pricing.Band(band.min_age, band.max_age, band.rate_per_mille)
        for band in product.bands.all()
    ]


@transaction.atomic
def quote_create(
    *,
    customer: Customer,
    product: Product,
    cover: Decimal | None = None,
    age_band: str | None = None,
    quoted_premium: Decimal | None = None,
    by: Actor = None,
    now: dt.datetime | None = None,
    rated_on: dt.date | None = None,
    expires_by: dt.datetime | None = None,
) -> Quote:
    """Price a quote for the customer's age today (or on `rated_on`, e.g. a renewal's start);
    nothing is stored if any check fails.

    `age_band` and `quoted_premium` are what the client believes: a different band is a
    client error (400), a different price means the client showed a stale price (409).
    """
    now = now or timezone.now()
    cover = product.default_cover if cover is None else cover
    if not product.min_cover <= cover <= product.max_cover:
        raise ValidationError(
            {
                "cover": f"Cover for {product.code} must be between {product.min_cover} and "
                f"{product.max_cover} {product.currency}."
            }
        )
    age = pricing.age_on(customer.dob, rated_on or timezone.localdate(now))
    band = pricing.band_for_age(product_bands(product), age)
    if not product.min_age <= age <= product.max_age or band is None:
        raise ValidationError(
            {
                "customer": f"{product.name} covers ages {product.min_age} to "
                f"{product.max_age}; this customer is {age}."
            }
        )
    if age_band is not None and age_band != band.label:
        raise ValidationError(
            {"age_band": f"The customer is {age}, in age band {band.label}, not {age_band}."}
        )
    premium = pricing.premium(
        cover=cover,
        rate_per_mille=band.rate_per_mille,
        minimum_premium=product.minimum_premium,
        currency=product.currency,
    )
    if quoted_premium is not None and quoted_premium != premium:
        raise Conflict(
            f"The premium is {premium} {product.currency}, not {quoted_premium}; "
            "show the customer the new price and quote again.",
            code="premium_mismatch",
            premium=str(premium),
            currency=product.currency,
        )
    valid_until = now + dt.timedelta(days=product.quote_validity_days)
    if expires_by is not None:
        valid_until = min(valid_until, expires_by)
    quote = Quote(
        customer=customer,
        product=product,
        cover=cover,
        premium=premium,
        currency=product.currency,
        age_band=band.label,
        rated_age=age,
        rate_per_mille=band.rate_per_mille,
        valid_until=valid_until,
    )
    quote.full_clean()
    quote._history_user = by
    quote.save()
    return quote


def quote_mismatches(quote: Quote, restated: dict) -> dict[str, list[str]]:
    """Compare what a client restates about a quote (type, premium, cover, customer)."""
    actual = {
        "type": quote.product.code,
        "premium": quote.premium,
        "cover": quote.cover,
        "customer": quote.customer_id,
    }
    return {
        field: [f"The quote has {field} {actual[field]}, not {value}."]
        for field, value in restated.items()
        if field in actual and value is not None and value != actual[field]
    }


def quote_transition(
    *,
    quote: Quote,
    to: str,
    by: Actor = None,
    reason: str | None = None,
    restated: dict | None = None,
    now: dt.datetime | None = None,
) -> Quote:
    """Move a locked quote to `to` if TRANSITIONS allows it, recording who and why.

    Call inside a transaction with the row locked (see `lock_quote`).
    """
    now = now or timezone.now()
    if to != Quote.State.EXPIRED and quote.state_at(now) == Quote.State.EXPIRED:
        raise Conflict(
            f"Quote {quote.pk} expired at {quote.valid_until.isoformat()}; ask for a new quote.",
            code="quote_expired",
            state=Quote.State.EXPIRED,
        )
    if not quote.can_become(to):
        raise Conflict(
            f"Quote {quote.pk} is {quote.state} and cannot become {to}.",
            code="invalid_transition",
            state=quote.state,
        )
    mismatches = quote_mismatches(quote, restated or {})
    if mismatches:
        raise Conflict(
            f"The request does not match quote {quote.pk}.",
            code="quote_mismatch",
            errors=mismatches,
        )
    quote.state = to
    quote._history_user = by
    quote._change_reason = reason
    quote.save(update_fields=["state", "updated_at"])
    return quote


def lock_quote(quote_id: int) -> Quote:
    """Re-read a quote with its row locked until the surrounding transaction ends."""
    return Quote.objects.select_for_update(of=("self",)).select_related("product").get(pk=quote_id)


@transaction.atomic
def quote_accept(*, quote_id: int, by: Actor = None, restated: dict | None = None) -> Quote:
    """The customer accepts the offer; only a quoted, unexpired quote can be accepted."""
    quote = lock_quote(quote_id)
    return quote_transition(quote=quote, to=Quote.State.ACCEPTED, by=by, restated=restated)


@transaction.atomic
def quote_decline(*, quote_id: int, by: Actor = None, reason: str | None = None) -> Quote:
    """The customer says no to a quoted or accepted (not yet paid) quote."""
    quote = lock_quote(quote_id)
    return quote_transition(quote=quote, to=Quote.State.DECLINED, by=by, reason=reason)


def quote_expire_stale(*, batch_size: int = 500, now: dt.datetime | None = None) -> int:
    """Record `expired` for open quotes past `valid_until`; returns how many.

    Each batch is one transaction whose rows are locked and re-checked, skipping rows another
    worker holds, so several machines may run it at once and running it again does nothing.
    """
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Quote.objects.select_for_update(skip_locked=True)
                .filter(state__in=OPEN_STATES, valid_until__lt=now)
                .order_by("id")[:batch_size]
            )
            for quote in batch:
                quote_transition(quote=quote, to=Quote.State.EXPIRED, reason="validity ended")
        expired += len(batch)
        if len(batch) < batch_size:
            return expired
