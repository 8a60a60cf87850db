"""Quotes for tests, made as the API makes them: priced by quote_create and moved through
their states by the services' own transitions."""

from quotes.models import Product, Quote
from quotes.services import quote_create
from tests.helpers import move_quote_to


def quote_for(customer, product="personal-accident", *, state: str = "quoted", **kwargs) -> Quote:
    """A quote of `product` (a Product or its code) for `customer`, in `state`."""
    if isinstance(product, str):
        product = Product.objects.get(code=product)
    quote = quote_create(customer=customer, product=product, **kwargs)
    return move_quote_to(quote, state) if state != quote.state else quote
