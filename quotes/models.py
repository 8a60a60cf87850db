import datetime as dt

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 12, "decimal_places": 2}
# The longest reason a client may give for a change (a decline, a cancellation note); the
# history's reason column holds exactly this much.
REASON_MAX_LENGTH = 200
POSITIVE = [MinValueValidator(0)]
currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code.")


class Product(models.Model):
    """An insurance product partners can quote: cover limits, eligible ages and age bands."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    min_cover = models.DecimalField(**MONEY, validators=POSITIVE)
    max_cover = models.DecimalField(**MONEY, validators=POSITIVE)
    default_cover = models.DecimalField(**MONEY, validators=POSITIVE)
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField()
    minimum_premium = models.DecimalField(**MONEY, validators=POSITIVE)
    quote_validity_days = models.PositiveSmallIntegerField(default=30)
    cooling_off_days = models.PositiveSmallIntegerField(
        default=14, help_text="Cancellations in the first days of cover refund the whole premium."
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive products are hidden from the API and cannot be quoted."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_cover__gt=0)
                & Q(min_cover__lte=F("default_cover"))
                & Q(default_cover__lte=F("max_cover")),
                name="product_cover_limits",
            ),
            models.CheckConstraint(
                condition=Q(min_age__lte=F("max_age")), name="product_age_limits"
            ),
            models.CheckConstraint(
                condition=Q(quote_validity_days__gte=1), name="product_quote_validity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AgeBand(models.Model):
    """Rate per 1000 of cover for customers aged min_age to max_age inclusive."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="bands")
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField()
    rate_per_mille = models.DecimalField(
        max_digits=8, decimal_places=4, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["product", "min_age"]
        constraints = [
            models.UniqueConstraint(fields=["product", "min_age"], name="ageband_unique_start"),
            models.CheckConstraint(
                condition=Q(min_age__lte=F("max_age")), name="ageband_age_order"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.min_age}-{self.max_age}"


class QuoteState(models.TextChoices):
    QUOTED = "quoted"
    ACCEPTED = "accepted"
    PAID = "paid"
    DECLINED = "declined"
    EXPIRED = "expired"


# States whose quote can still be used, until `valid_until` passes.
OPEN_STATES = (QuoteState.QUOTED, QuoteState.ACCEPTED)


class QuoteQuerySet(models.QuerySet):
    def with_current_state(self, now: dt.datetime | None = None):
        """Annotate `current_state`: an open quote past `valid_until` reads as expired,
        whether or not `expire_quotes` has recorded it yet."""
        return self.annotate(
            current_state=Case(
                When(
                    state__in=OPEN_STATES,
                    valid_until__lt=now or timezone.now(),
                    then=Value(QuoteState.EXPIRED),
                ),
                default=F("state"),
                output_field=models.CharField(),
            )
        )

    def in_current_state(self, state: str, now: dt.datetime | None = None):
        """Quotes whose current state is `state`, as conditions on indexed columns."""
        now = now or timezone.now()
        if state == QuoteState.EXPIRED:
            return self.filter(
                Q(state=QuoteState.EXPIRED) | Q(state__in=OPEN_STATES, valid_until__lt=now)
            )
        if state in OPEN_STATES:
            return self.filter(state=state, valid_until__gte=now)
        return self.filter(state=state)


class Quote(models.Model):
    """A priced offer to one customer. The premium is fixed when priced, never recomputed."""

    State = QuoteState

    # Each state and the states it may become; every change goes through services.
    TRANSITIONS: dict[str, set[str]] = {
        State.QUOTED: {State.ACCEPTED, State.DECLINED, State.EXPIRED},
        State.ACCEPTED: {State.PAID, State.DECLINED, State.EXPIRED},
        State.PAID: set(),
        State.DECLINED: set(),
        State.EXPIRED: set(),
    }

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="quotes"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="quotes")
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

    history = HistoricalRecords(
        history_change_reason_field=models.CharField(max_length=REASON_MAX_LENGTH, null=True)
    )
    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["customer", "id"], name="quote_customer_idx"),
            models.Index(fields=["state", "id"], name="quote_state_idx"),
            models.Index(fields=["state", "valid_until"], name="quote_expiry_idx"),
            models.Index(fields=["product", "id"], name="quote_product_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(cover__gt=0), name="quote_cover_positive"),
            models.CheckConstraint(condition=Q(premium__gt=0), name="quote_premium_positive"),
            models.CheckConstraint(
                condition=Q(state__in=QuoteState.values), name="quote_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Quote {self.pk} ({self.state})"

    def can_become(self, state: str) -> bool:
        return state in self.TRANSITIONS.get(self.state, set())

    def state_at(self, now: dt.datetime) -> str:
        if self.state in OPEN_STATES and now > self.valid_until:
            return QuoteState.EXPIRED
        return self.state

    @property
    def current_state(self) -> str:
        """The state clients see: annotated by `with_current_state()`, or computed now."""
        annotated = self.__dict__.get("current_state")
        return annotated or self.state_at(timezone.now())

    @current_state.setter
    def current_state(self, value: str) -> None:
        self.__dict__["current_state"] = value
