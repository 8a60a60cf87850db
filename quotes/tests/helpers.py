"""Forms staff post in admin, for the admin tests."""

import datetime as dt

from quotes.admin import RATE_TERMS
from quotes.models import Product, RateVersion


def product_form(product: Product, **changes) -> dict:
    """A product's add or change form, as it is, with `changes`."""
    data = {
        "code": product.code,
        "name": product.name,
        "currency": product.currency,
        "min_age": product.min_age,
        "max_age": product.max_age,
        "payment_plans": product.payment_plans,
        "grace_days": product.grace_days,
        "reinstatement_days": product.reinstatement_days,
        "quote_validity_days": product.quote_validity_days,
        "is_active": "on",
        "rate_versions-TOTAL_FORMS": 0,
        "rate_versions-INITIAL_FORMS": 0,
        "commissions-TOTAL_FORMS": 0,
        "commissions-INITIAL_FORMS": 0,
    }
    return data | changes


def version_form(version: RateVersion, *, bands=None, effective_from=None, **changes) -> dict:
    """A rate version's form with its terms (those of `version`, changed by `changes`) and
    new `bands` as (min_age, max_age, rate) (the version's own if not given)."""
    if bands is None:
        bands = [(b.min_age, b.max_age, b.rate_per_mille) for b in version.bands.all()]
    effective_from = effective_from or version.effective_from
    data = {
        "product": version.product_id,
        "effective_from": f"{effective_from:%d-%m-%Y}"
        if isinstance(effective_from, dt.date)
        else effective_from,
        **{term: getattr(version, term) for term in RATE_TERMS},
        "cover_summary": version.cover_summary,
        "exclusions": version.exclusions,
        "bands-TOTAL_FORMS": len(bands),
        "bands-INITIAL_FORMS": 0,
        "bands-MIN_NUM_FORMS": 0,
        "bands-MAX_NUM_FORMS": 1000,
    }
    for index, (min_age, max_age, rate) in enumerate(bands):
        data[f"bands-{index}-min_age"] = min_age
        data[f"bands-{index}-max_age"] = max_age
        data[f"bands-{index}-rate_per_mille"] = rate
    return data | changes
