"""Quote rules: pricing a quote, accepting and declining it (through myproject.lifecycle)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone

from customers.access import visible_to
from customers.clocks import clock_ticked, time_of
from customers.models import Customer, Partner
from myproject.lifecycle import check_transition, expire_due, transition
from myproject.problems import Conflict
from myproject.sql import prepared
from myproject.webhooks import outbox

from . import pricing
from .events import quote_event
from .models import AgeBand, Commission, Product, Quote, RateVersion, document_id, in_force

Actor = AbstractBaseUser | None


# The two reads every pricing makes, compiled once (myproject.sql.prepared): building their
# querysets cost more than running them.
_BANDS = prepared(
    lambda version_id: (
        AgeBand.objects.filter(version_id=version_id)
        .order_by("min_age")
        .values_list("min_age", "max_age", "rate_per_mille")
    )
)


def _rate(partner, product, default):
    """The commission rule: the partner's rate for the product if it has one, else `default`
    (its own default rate)."""
    override = Commission.objects.filter(partner=partner, product=product).values("rate")[:1]
    return Coalesce(Subquery(override), default)


_COMMISSION_RATE = prepared(
    lambda partner_id, product_id: (
        Partner.objects.filter(pk=partner_id)
        .annotate(rate=_rate(OuterRef("pk"), product_id, "commission_rate"))
        .values_list("rate")
    )
)


def version_bands(version: RateVersion) -> list[pricing.Band]:
    """A rate version's age bands, youngest first (as prefetched, if they were)."""
    if "bands" in getattr(version, "_prefetched_objects_cache", {}):
        rows = [(band.min_age, band.max_age, band.rate_per_mille) for band in version.bands.all()]
    else:
        rows = _BANDS(version.pk)
    return [pricing.Band(*row) for row in rows]


# Every column of a product's rate versions (a handful), for pricing: compiled once.
_VERSION_COLUMNS = [field.attname for field in RateVersion._meta.concrete_fields]
_VERSIONS = prepared(
    lambda product_id: RateVersion.objects.filter(product_id=product_id).values_list(
        *_VERSION_COLUMNS
    )
)


def version_in_force(product: Product, day: dt.date) -> RateVersion:
    """The product's rate version on `day`; a 400 on `type` if none is in force yet."""
    alias = router.db_for_read(RateVersion)
    versions = [RateVersion.from_db(alias, _VERSION_COLUMNS, row) for row in _VERSIONS(product.pk)]
    version = in_force(versions, day)
    if version is None:
        raise ValidationError({"type": f"{product.name} has no rates in force on {day:%d-%m-%Y}."})
    version.product = product  # the same row, read already
    return version


def check_cover(version: RateVersion, cover: Decimal) -> None:
    """A cover within the version's limits, else a 400 on `cover`."""
    if not version.min_cover <= cover <= version.max_cover:
        product = version.product
        raise ValidationError(
            {
                "cover": f"Cover for {product.code} must be between {version.min_cover} and "
                f"{version.max_cover} {product.currency}."
            }
        )


def check_rate_version(version: RateVersion, *, today: dt.date | None = None) -> None:
    """A rate version may be written while no quote has been priced by it (a change of rates
    after that is a new version) and stays with its product; it starts on a day no other
    version of its product starts (each is in force until the next starts); and once the
    product has quotes, not before `today` (today by default): that would change what
    priced them. Called in a transaction: the product's row stays locked until it ends, so
    that a version checked is the one saved, whoever saves another at the same time (the
    admin form checks, then saves, in one transaction)."""
    Product.objects.select_for_update().filter(pk=version.product_id).first()
    today = today or timezone.localdate()
    if version.pk is not None:
        before = RateVersion.objects.filter(pk=version.pk).values("product_id").first()
        if before and before["product_id"] != version.product_id:
            raise ValidationError({"product": "A rate version stays with its product."})
        if Quote.objects.filter(rate_version=version.pk).exists():
            raise ValidationError(
                f"Version {version.number} has priced quotes: it cannot change. Save it as a "
                "new version, in force from a later day."
            )
    others = RateVersion.objects.filter(product=version.product_id).exclude(pk=version.pk)
    taken = others.filter(effective_from=version.effective_from).values("number").first()
    if taken is not None:
        raise ValidationError(
            {
                "effective_from": f"Version {taken['number']} starts on "
                f"{version.effective_from:%d-%m-%Y}: each version starts on its own day."
            }
        )
    if version.effective_from < today and Quote.objects.filter(product=version.product_id).exists():
        raise ValidationError(
            {
                "effective_from": "The product has quotes: a new or changed version starts "
                "today or later, never in the past."
            }
        )


@transaction.atomic
def rate_version_save(*, version: RateVersion) -> RateVersion:
    """Write a rate version by check_rate_version's rules; a new one is numbered after its
    product's others (under the lock the check takes, so that two are never numbered
    alike)."""
    check_rate_version(version)
    if version.pk is None:
        last = RateVersion.objects.filter(product=version.product_id).order_by("-number").first()
        version.number = (last.number if last else 0) + 1
    version.save()
    return version


def commission_rates(*, partner_id: int, products: list[Product]) -> dict[int, Decimal]:
    """`commission_rate` for each of `products`, by product id, in one query."""
    partner_rate = Subquery(Partner.objects.filter(pk=partner_id).values("commission_rate"))
    return dict(
        Product.objects.filter(pk__in=[product.pk for product in products])
        .annotate(rate=_rate(partner_id, OuterRef("pk"), partner_rate))
        .values_list("pk", "rate")
    )


def commission_rate(*, partner_id: int, product: Product) -> Decimal:
    """The partner's commission on the product, percent: its rate for that product if it has
    one, else its default. One query."""
    ((rate,),) = _COMMISSION_RATE(partner_id, product.pk)
    return rate


def price(
    version: RateVersion, *, cover: Decimal, rate_per_mille: Decimal, partner_id: int
) -> pricing.PremiumParts:
    """The parts of a year's premium for `cover` at a band rate, by a rate version and at
    the partner's current commission."""
    rate = commission_rate(partner_id=partner_id, product=version.product)
    return price_at(version, cover=cover, rate_per_mille=rate_per_mille, commission_rate=rate)


def price_at(
    version: RateVersion, *, cover: Decimal, rate_per_mille: Decimal, commission_rate: Decimal
) -> pricing.PremiumParts:
    """The parts of a year's premium for `cover` at a band rate, by a rate version and a
    commission rate already known."""
    return pricing.premium_parts(
        cover=cover,
        rate_per_mille=rate_per_mille,
        minimum_premium=version.minimum_premium,
        tax_rate=version.tax_rate,
        policy_fee=version.policy_fee,
        commission_rate=commission_rate,
        currency=version.product.currency,
    )


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
    partner_reference: str = "",
    metadata: dict | None = None,
) -> Quote:
    """Price a quote for the customer's age today (or on `rated_on`, e.g. a renewal's start),
    by the product's rate version in force that day; nothing is stored if any check fails.

    `age_band` and `quoted_premium` are what the client believes: a different band is a
    client error (400), a different price means the client showed a stale price (409).
    `partner_reference`, if given, is unique among the partner's quotes: a second use is a
    409 `reference_exists` naming the quote that has it.
    """
    return _quote_create(
        customer=customer,
        product=product,
        cover=cover,
        age_band=age_band,
        quoted_premium=quoted_premium,
        by=by,
        now=now,
        rated_on=rated_on,
        expires_by=expires_by,
        partner_reference=partner_reference,
        metadata=metadata,
    )


def _refuse_known_reference(partner_id: int, reference: str) -> None:
    existing = (
        Quote.objects.filter(partner_id=partner_id, partner_reference=reference)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        raise Conflict(
            f"Quote {existing} already has the reference {reference!r}.",
            code="reference_exists",
            id=existing,
        )


def _quote_create(
    *,
    customer: Customer,
    product: Product,
    cover: Decimal | None,
    age_band: str | None = None,
    quoted_premium: Decimal | None = None,
    by: Actor,
    now: dt.datetime | None = None,
    rated_on: dt.date | None = None,
    expires_by: dt.datetime | None = None,
    commission: Decimal | None = None,
    version: RateVersion | None = None,
    partner_reference: str = "",
    metadata: dict | None = None,
) -> Quote:
    # quote_create's rules, in the caller's transaction; every check comes before the first
    # write, so a refusal leaves the transaction as it found it. `commission`: the partner's
    # rate on the product, `version`: the rate version in force, when the caller read them
    # already. The customer's clock is its now.
    now = now or time_of(customer.test_clock_id)
    day = rated_on or timezone.localdate(now)
    version = version or version_in_force(product, day)
    cover = version.default_cover if cover is None else cover
    check_cover(version, cover)
    age = pricing.age_on(customer.dob, day)
    band = pricing.band_for_age(version_bands(version), age)
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
    if commission is None:
        commission = commission_rate(partner_id=customer.partner_id, product=product)
    parts = price_at(
        version, cover=cover, rate_per_mille=band.rate_per_mille, commission_rate=commission
    )
    premium = parts.premium
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
    if partner_reference:
        _refuse_known_reference(customer.partner_id, partner_reference)
    quote = Quote.priced(
        customer,
        version,
        cover=cover,
        band=band,
        age=age,
        parts=parts,
        valid_until=valid_until,
        partner_reference=partner_reference,
        metadata=metadata or {},
    )
    # The service chose every value (the constraints hold by construction, the related rows
    # were read above): check the fields alone, without a query per foreign key and check.
    quote.full_clean(
        exclude=["partner", "customer", "product", "rate_version"], validate_constraints=False
    )
    quote._history_user = by
    if not partner_reference:
        quote.save()
    else:
        try:
            with transaction.atomic():  # a savepoint: the race below leaves the caller's intact
                quote.save()
        except IntegrityError:  # the same reference, by a request made at the same time
            _refuse_known_reference(customer.partner_id, partner_reference)
            raise
    quote_event("quote.created", quote)
    return quote


def versions_in_force(day: dt.date) -> list[RateVersion]:
    """The rate version in force on `day` of each active product that has one, with its
    product and bands, in the products' order."""
    every = RateVersion.objects.filter(product__in=Product.objects.active()).select_related(
        "product"
    )
    by_product = groupby(every.order_by("product_id"), key=lambda version: version.product_id)
    versions = [v for v in (in_force(listed, day) for _, listed in by_product) if v is not None]
    prefetch_related_objects(
        versions, Prefetch("bands", queryset=AgeBand.objects.order_by("min_age"))
    )
    return versions


@dataclass(frozen=True)
class Unavailable:
    """A product an offer could not quote for this customer, and why."""

    type: str
    code: str  # age_out_of_range | cover_out_of_range
    detail: str


@transaction.atomic
@outbox.together()  # its events in two statements, however many products
def offer_create(
    *,
    customer: Customer,
    cover: Decimal | None = None,
    metadata: dict | None = None,
    by: Actor = None,
) -> tuple[list[Quote], list[Unavailable]]:
    """Price every active product for the customer at once: a stored quote for each product
    that can cover them (each exactly as `quote_create` makes it, ready to accept), and the
    reason for each that cannot. `cover` applies to every product (each one's default if
    not given)."""
    quotes, unavailable = [], []
    versions = versions_in_force(timezone.localdate(time_of(customer.test_clock_id)))
    products = [version.product for version in versions]
    rates = commission_rates(partner_id=customer.partner_id, products=products)
    for version in versions:
        product = version.product
        try:
            quotes.append(
                _quote_create(
                    customer=customer,
                    product=product,
                    cover=cover,
                    by=by,
                    commission=rates[product.pk],
                    version=version,
                    metadata=metadata,
                )
            )
        except ValidationError as refused:
            field = next(iter(refused.message_dict))
            code = "cover_out_of_range" if field == "cover" else "age_out_of_range"
            unavailable.append(Unavailable(product.code, code, refused.message_dict[field][0]))
    return quotes, unavailable


def lock_quote(quote_id: int, *, by: Actor = None) -> Quote:
    """Re-read a quote with its row locked until the surrounding transaction ends; with `by`,
    as that user may see it (another partner's quote is not found: 404)."""
    quotes = Quote.objects.select_for_update(of=("self",)).select_related(
        "product", "rate_version", "customer", "partner"
    )
    if by is not None:
        quotes = visible_to(quotes, by, "partner")
    try:
        return quotes.get(pk=quote_id)
    except Quote.DoesNotExist:
        raise Http404(f"No quote {quote_id}.") from None


# What a client may restate about a quote it accepts or pays (the seed contract's bodies).
RESTATED = ("type", "premium", "cover", "customer")


def check_restated(
    quote: Quote, to: str, restated: dict | None, *, now: dt.datetime | None = None
) -> None:
    """409 if the quote cannot become `to` (the state first), then 409 `quote_mismatch` if
    what the client restates about it (`type`, `premium`, `cover`, `customer`) differs."""
    check_transition(quote, to, now=now)
    actual = {
        "type": quote.product.code,
        "premium": quote.premium,
        "cover": quote.cover,
        "customer": quote.customer_id,
    }
    mismatches = {
        field: [f"The quote has {field} {actual[field]}, not {restated[field]}."]
        for field in RESTATED
        if restated and restated.get(field) is not None and restated[field] != actual[field]
    }
    if mismatches:
        raise Conflict(
            f"The request does not match quote {quote.pk}.",
            code="quote_mismatch",
            errors=mismatches,
        )


def check_disclosure(quote: Quote, disclosure: str | None) -> None:
    """The document a customer was given must be the one of the rate version that priced
    their quote; a product that requires it refuses acceptance without it (400s on
    `disclosure`)."""
    document = document_id(quote.product.code, quote.rate_version.number)  # both read
    if disclosure is None:
        if quote.product.disclosure_required:
            raise ValidationError(
                {
                    "disclosure": f"{quote.product.name} requires the customer to be given its "
                    f"product information document first: send `disclosure`: {document!r}."
                }
            )
    elif disclosure != document:
        raise ValidationError(
            {
                "disclosure": f"Quote {quote.pk} was priced by {quote.product.code} version "
                f"{quote.rate_version.number}: its product information document is "
                f"{document!r}, not {disclosure!r}."
            }
        )


@transaction.atomic
def quote_accept(
    *,
    quote_id: int,
    by: Actor = None,
    restated: dict | None = None,
    disclosure: str | None = None,
) -> Quote:
    """The customer accepts the offer; only a quoted, unexpired quote can be accepted, and
    only as the client restates it, if it does. `disclosure`, the id of the product
    information document the customer was given, is recorded with the time."""
    quote = lock_quote(quote_id, by=by)
    check_restated(quote, Quote.State.ACCEPTED, restated)
    check_disclosure(quote, disclosure)
    fields = []
    if disclosure is not None:
        quote.disclosed_at = quote.now()
        fields.append("disclosed_at")
    return transition(quote, Quote.State.ACCEPTED, by=by, fields=fields)


@transaction.atomic
def quote_decline(*, quote_id: int, by: Actor = None, reason: str | None = None) -> Quote:
    """The customer says no to a quoted or accepted (not yet paid) quote."""
    return transition(lock_quote(quote_id, by=by), Quote.State.DECLINED, by=by, reason=reason)


@receiver(clock_ticked, dispatch_uid="quotes-at-test-clock")
def _bring_quotes_to(sender, *, clock, now, **kwargs) -> None:
    """A test clock's day: its quotes expire as expire_quotes expires live ones."""
    expire_due(Quote, now=now, among=Q(test_clock=clock))
