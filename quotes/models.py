import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone
from django.utils.functional import cached_property

from customers.clocks import time_of
from myproject.history import tracked
from myproject.lifecycle import LifecycleQuerySet, Stateful
from myproject.problems import Conflict
from myproject.text import validate_plain_lines, validate_plain_text

from .pricing import PART_NAMES, PLAN_INSTALMENTS, InstalmentPlan, PremiumParts, instalment_plan

MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(0)]
# A percentage, as "5.00" for 5 %.
PERCENT = {"max_digits": 5, "decimal_places": 2}
PERCENTAGE = [MinValueValidator(0), MaxValueValidator(100)]
currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code.")


def annual_only() -> list[str]:
    return ["annual"]


def validate_payment_plans(value) -> None:
    """A list of known plans, each once, annual among them (what a quote is paid by unless
    the payer chooses another)."""
    if not isinstance(value, list) or not all(isinstance(plan, str) for plan in value):
        raise ValidationError('A list of plans, as ["annual", "monthly"].')
    unknown = sorted(set(value) - set(PLAN_INSTALMENTS))
    if unknown:
        raise ValidationError(
            f"Unknown plan {', '.join(unknown)}; the plans are {', '.join(PLAN_INSTALMENTS)}."
        )
    if len(set(value)) != len(value):
        raise ValidationError("Each plan once.")
    if "annual" not in value:
        raise ValidationError("Every product can be paid annually: keep annual.")


class ProductQuerySet(models.QuerySet):
    def active(self):
        """What partners may see and quote."""
        return self.filter(is_active=True)


class Product(models.Model):
    """An insurance product partners can quote: who it covers and how it is paid for. Its
    prices and terms live in its rate versions, each in force from its day."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField()
    payment_plans = models.JSONField(
        default=annual_only,
        validators=[validate_payment_plans],
        help_text="How a customer may pay: annual, and any of quarterly and monthly.",
    )
    grace_days = models.PositiveSmallIntegerField(
        default=30,
        help_text="Days after an instalment's due date that cover continues unpaid (in grace) "
        "before the policy lapses.",
    )
    reinstatement_days = models.PositiveSmallIntegerField(
        default=30,
        help_text="Days after a lapse within which paying the arrears reinstates the policy.",
    )
    quote_validity_days = models.PositiveSmallIntegerField(default=30)
    disclosure_required = models.BooleanField(
        default=False,
        help_text="Accepting a quote must name the product information document the customer "
        "was given (its `disclosure` id).",
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive products are hidden from the API and cannot be quoted."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked()
    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__lte=F("max_age")), name="product_age_limits"
            ),
            models.CheckConstraint(
                condition=Q(quote_validity_days__gte=1), name="product_quote_validity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @cached_property
    def current_version(self) -> "RateVersion | None":
        """The rate version in force today."""
        return self.version_on(timezone.localdate())

    @cached_property
    def next_version(self) -> "RateVersion | None":
        """The rate version that comes into force next, if one is scheduled."""
        today = timezone.localdate()
        later = [v for v in self.rate_versions.all() if v.effective_from > today]
        return min(later, key=lambda version: version.effective_from, default=None)

    def version_numbered(self, number: int) -> "RateVersion | None":
        """Its version `number`."""
        return next((v for v in self.rate_versions.all() if v.number == number), None)

    def version_on(self, day: dt.date) -> "RateVersion | None":
        """The rate version in force on `day`. These read the prefetched `rate_versions`,
        if they were."""
        return in_force(self.rate_versions.all(), day)


def in_force(versions, day: dt.date):
    """Of a product's rate versions, the one in force on `day`: the latest to start by
    then; None before the first."""
    started = [version for version in versions if version.effective_from <= day]
    return max(started, key=lambda version: version.effective_from, default=None)


def document_id(code: str, number: int) -> str:
    """The id of a product's rate version's information document, as "term-life.v2"."""
    return f"{code}.v{number}"


class RateVersion(models.Model):
    """A product's prices and terms from `effective_from` until the next version starts. A
    quote is priced by the version in force on its day and keeps it; a version that has
    priced a quote never changes, so a change of rates is a new version."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="rate_versions")
    number = models.PositiveSmallIntegerField(
        editable=False, help_text="1 for the product's first version, then 2, 3, ..."
    )
    effective_from = models.DateField(
        help_text="Prices quotes made (and renewals starting) from this day on."
    )
    min_cover = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    max_cover = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    default_cover = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    minimum_premium = models.DecimalField(
        **MONEY, validators=NON_NEGATIVE, help_text="The least net premium, before tax and fees."
    )
    tax_rate = models.DecimalField(
        **PERCENT,
        default=0,
        validators=PERCENTAGE,
        help_text="Insurance premium tax, percent of the net premium.",
    )
    policy_fee = models.DecimalField(
        **MONEY, default=0, validators=NON_NEGATIVE, help_text="Charged once per policy."
    )
    instalment_fee = models.DecimalField(
        **MONEY,
        default=0,
        validators=NON_NEGATIVE,
        help_text="Added to each instalment of a quarterly or monthly plan.",
    )
    cooling_off_days = models.PositiveSmallIntegerField(
        default=14, help_text="Cancellations in the first days of cover refund the whole premium."
    )
    cover_summary = models.TextField(
        blank=True,
        max_length=1500,
        validators=[validate_plain_text],
        help_text="What is insured, in plain words, for the product information document.",
    )
    exclusions = models.TextField(
        blank=True,
        max_length=1500,
        validators=[validate_plain_lines],
        help_text="What is not insured, one item a line, for the product information document.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = tracked()

    class Meta:
        ordering = ["product", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="rateversion_number"),
            # Each version is in force until the next starts: two cannot start the same day.
            models.UniqueConstraint(
                fields=["product", "effective_from"], name="rateversion_effective_from"
            ),
            models.CheckConstraint(
                condition=Q(min_cover__gt=0)
                & Q(min_cover__lte=F("default_cover"))
                & Q(default_cover__lte=F("max_cover")),
                name="rateversion_cover_limits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} version {self.number}"

    @property
    def currency(self) -> str:
        return self.product.currency

    @property
    def document_id(self) -> str:
        """Its product information document's id, sent back as a quote's `disclosure`."""
        return document_id(self.product.code, self.number)

    def plans_for(self, annual: PremiumParts, product: Product) -> list[InstalmentPlan]:
        """A year's premium `annual` paid by each plan its `product` allows, annual first."""
        return [
            instalment_plan(
                annual, plan=plan, instalment_fee=self.instalment_fee, currency=product.currency
            )
            for plan in PLAN_INSTALMENTS
            if plan in product.payment_plans
        ]


class AgeBand(models.Model):
    """Rate per 1000 of cover for customers aged min_age to max_age inclusive, in one rate
    version."""

    version = models.ForeignKey(RateVersion, on_delete=models.CASCADE, related_name="bands")
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField()
    rate_per_mille = models.DecimalField(
        max_digits=8, decimal_places=4, validators=[MinValueValidator(0)]
    )

    history = tracked()

    class Meta:
        ordering = ["version", "min_age"]
        constraints = [
            models.UniqueConstraint(fields=["version", "min_age"], name="ageband_unique_start"),
            models.CheckConstraint(
                condition=Q(min_age__lte=F("max_age")), name="ageband_age_order"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.min_age}-{self.max_age}"


class Commission(models.Model):
    """A partner's commission on one product, percent of the net premium; without one the
    partner's own default rate applies."""

    partner = models.ForeignKey(
        "customers.Partner", on_delete=models.CASCADE, related_name="commissions"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="commissions")
    rate = models.DecimalField(**PERCENT, validators=PERCENTAGE, help_text="Percent.")

    history = tracked()

    class Meta:
        ordering = ["partner", "product"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "product"], name="commission_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rate} %"


class PricedParts(models.Model):
    """A price and what it is made of, each part rounded once (see pricing.py); quotes,
    policies and payments carry one. `premium` is what the customer pays, the sum of the
    net premium, tax and fees; `commission` is the partner's share of it."""

    net_premium = models.DecimalField(**MONEY, help_text="Before tax and fees.")
    tax = models.DecimalField(**MONEY)
    fees = models.DecimalField(**MONEY)
    commission = models.DecimalField(**MONEY, help_text="The partner's, out of the premium.")

    class Meta:
        abstract = True

    def set_parts(self, parts) -> None:
        """Copy a pricing.PremiumParts, or another priced row's parts."""
        for name in PART_NAMES:
            setattr(self, name, getattr(parts, name))


def parts_add_up(total: str, name: str) -> models.CheckConstraint:
    """The total is the sum of the parts the customer pays. SQLite computes with binary
    floats (145.40 + 7.27 is not 152.67 there), so the check allows a thousandth either way:
    for amounts of two places that is still exact equality."""
    parts = F("net_premium") + F("tax") + F("fees")
    slack = Value(Decimal("0.001"))
    return models.CheckConstraint(
        condition=Q(**{f"{total}__gte": parts - slack, f"{total}__lte": parts + slack}),
        name=name,
    )


# Why an offer could not quote a product for a customer.
UNAVAILABLE_CODES = ("age_out_of_range", "cover_out_of_range")


class QuoteState(models.TextChoices):
    QUOTED = "quoted"
    ACCEPTED = "accepted"
    PAID = "paid"
    DECLINED = "declined"
    EXPIRED = "expired"


# States whose quote can still be used, until `valid_until` passes.
OPEN_STATES = (QuoteState.QUOTED, QuoteState.ACCEPTED)


# A partner's own data on a quote or policy, echoed back and in events (as XCover's
# partner_metadata): string keys and values, bounded.
METADATA_MAX_KEYS = 20
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def validate_metadata(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("An object of string keys and values.", code="invalid")
    if len(value) > METADATA_MAX_KEYS:
        raise ValidationError(f"At most {METADATA_MAX_KEYS} keys.", code="invalid")
    for key, item in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= METADATA_MAX_KEY_LENGTH:
            raise ValidationError(
                f"Keys are 1 to {METADATA_MAX_KEY_LENGTH} characters.", code="invalid"
            )
        if not isinstance(item, str) or len(item) > METADATA_MAX_VALUE_LENGTH:
            raise ValidationError(
                f"Values are strings of at most {METADATA_MAX_VALUE_LENGTH} characters.",
                code="invalid",
            )
        validate_plain_text(key)
        validate_plain_text(item)


class Clocked(models.Model):
    """A row that lives at its customer's test clock's time, if it has one (copied from the
    customer when made, as the partner is): the real-time jobs leave it to that clock."""

    # Indexed for the clock's rows only (clock_index): the live ones, nearly all, take no room.
    test_clock = models.ForeignKey(
        "customers.TestClock",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    REAL_TIME = Q(test_clock__isnull=True)

    class Meta:
        abstract = True

    def now(self) -> dt.datetime:
        return time_of(self.test_clock_id)


def clock_index(name: str) -> models.Index:
    """The rows of test clocks, found when a clock moves; the live ones take no room."""
    return models.Index(fields=["test_clock"], condition=Q(test_clock__isnull=False), name=name)


class PartnerData(models.Model):
    """The partner's own reference (unique among its quotes, and so its policies) and
    metadata, on a quote and copied to the policy it issues."""

    partner_reference = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_plain_text],
        help_text="The partner's own id for it (its order or booking id); unique per partner.",
    )
    metadata = models.JSONField(default=dict, blank=True, validators=[validate_metadata])

    class Meta:
        abstract = True


class Quote(PricedParts, PartnerData, Clocked, Stateful):
    """A priced offer to one customer. The premium is fixed when priced, never recomputed."""

    State = QuoteState

    # Each state and the states it may become; every change goes through lifecycle.transition.
    TRANSITIONS: dict[str, set[str]] = {
        State.QUOTED: {State.ACCEPTED, State.DECLINED, State.EXPIRED},
        State.ACCEPTED: {State.PAID, State.DECLINED, State.EXPIRED},
        State.PAID: set(),
        State.DECLINED: set(),
        State.EXPIRED: set(),
    }

    # The owner, copied from the customer when priced, so that scoped reads need no join.
    partner = models.ForeignKey(
        "customers.Partner", on_delete=models.PROTECT, related_name="quotes", db_index=False
    )
    # Foreign keys below are indexed by the composite indexes in Meta, which lead with them.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="quotes", db_index=False
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="quotes", db_index=False
    )
    # Indexed: whether a version has priced a quote decides whether it may still change.
    rate_version = models.ForeignKey(
        RateVersion,
        on_delete=models.PROTECT,
        related_name="quotes",
        help_text="The product's rate version in force on the day it was priced.",
    )
    disclosed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the customer was given its version's product information document, "
        "as recorded on accepting.",
    )
    cover = models.DecimalField(**MONEY)
    premium = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    age_band = models.CharField(max_length=7, help_text='The age band priced, as "18-29".')
    rated_age = models.PositiveSmallIntegerField(help_text="Age in whole years when priced.")
    rate_per_mille = models.DecimalField(max_digits=8, decimal_places=4)
    valid_until = models.DateTimeField(help_text="Usable up to this instant (UTC).")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUOTED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked()
    objects = LifecycleQuerySet.as_manager()
    TIMED_RELATED = ("product", "rate_version", "partner")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["partner", "id"], name="quote_partner_idx"),
            models.Index(fields=["partner", "state", "id"], name="quote_partner_state_idx"),
            models.Index(fields=["partner", "product", "id"], name="quote_partner_product_idx"),
            models.Index(fields=["customer", "id"], name="quote_customer_idx"),
            models.Index(fields=["state", "valid_until"], name="quote_expiry_idx"),
            models.Index(fields=["created_at"], name="quote_created_idx"),  # the dashboard
            clock_index("quote_clock_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(cover__gt=0), name="quote_cover_positive"),
            models.CheckConstraint(condition=Q(premium__gt=0), name="quote_premium_positive"),
            parts_add_up("premium", "quote_premium_parts"),
            models.CheckConstraint(
                condition=Q(state__in=QuoteState.values), name="quote_state_valid"
            ),
            models.UniqueConstraint(
                fields=["partner", "partner_reference"],
                condition=~Q(partner_reference=""),
                name="quote_partner_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Quote {self.pk} ({self.state})"

    @classmethod
    def priced(
        cls, customer, version, *, cover, band, age: int, parts, valid_until, **fields
    ) -> "Quote":
        """A quote for `customer`, unsaved, priced by `version` (a RateVersion) at `band` (a
        pricing.Band) for `age` with `parts` (a pricing.PremiumParts): its owner, product,
        price and currency come from them."""
        product = version.product
        quote = cls(
            partner=customer.partner,
            customer=customer,
            test_clock_id=customer.test_clock_id,
            product=product,
            rate_version=version,
            cover=cover,
            premium=parts.premium,
            currency=product.currency,
            age_band=band.label,
            rated_age=age,
            rate_per_mille=band.rate_per_mille,
            valid_until=valid_until,
            **fields,
        )
        quote.set_parts(parts)
        return quote

    @property
    def label(self) -> str:
        return f"Quote {self.pk}"

    @property
    def instalment_plans(self) -> list[InstalmentPlan]:
        """What paying this quote by each plan its product allows comes to."""
        return self.rate_version.plans_for(PremiumParts.of(self), self.product)

    @classmethod
    def timed_states(cls, now: dt.datetime) -> list[tuple[str, Q]]:
        """An open quote past `valid_until` reads as expired."""
        return [(QuoteState.EXPIRED, Q(state__in=OPEN_STATES, valid_until__lt=now))]

    def timed_conflict(self, state: str) -> Conflict:
        return Conflict(
            f"Quote {self.pk} expired at {self.valid_until.isoformat()}; ask for a new quote.",
            code="quote_expired",
            state=state,
        )

    def timed_reason(self, state: str) -> str:
        return "validity ended"
