"""Quotes for tests, made as the API makes them: priced by quote_create and moved through
their states by the services' own transitions."""

from quotes.admin import RATE_TERMS
from quotes.models import AgeBand, Product, Quote, RateVersion
from quotes.services import quote_create, rate_version_save
from tests.helpers import move_quote_to


def quote_for(customer, product="personal-accident", *, state: str = "quoted", **kwargs) -> Quote:
    """A quote of `product` (a Product or its code) for `customer`, in `state`."""
    if isinstance(product, str):
        product = Product.objects.get(code=product)
    quote = quote_create(customer=customer, product=product, **kwargs)
    return move_quote_to(quote, state) if state != quote.state else quote


def next_rate_version(product, effective_from, *, rates=None, **terms) -> RateVersion:
    """A new rate version of `product` from `effective_from`, made by the service staff's
    admin calls: the terms of the version in force that day changed by `terms`, its bands'
    rates by `rates` ({min_age: rate}) and otherwise copied."""
    if isinstance(product, str):
        product = Product.objects.get(code=product)
    base = product.version_on(effective_from)
    version = RateVersion(
        product=product,
        effective_from=effective_from,
        **{term: getattr(base, term) for term in RATE_TERMS},
        cover_summary=base.cover_summary,
        exclusions=base.exclusions,
    )
    for term, value in terms.items():
        setattr(version, term, value)
    version = rate_version_save(version=version)
    for band in base.bands.order_by("min_age"):
        AgeBand.objects.create(
            version=version,
            min_age=band.min_age,
            max_age=band.max_age,
            rate_per_mille=(rates or {}).get(band.min_age, band.rate_per_mille),
        )
    return version
