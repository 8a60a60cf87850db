import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from myproject.history import tracked
from myproject.text import has_visible_character, normalize_text, validate_plain_text

EARLIEST_DOB = dt.date(1900, 1, 1)


def validate_name(value: str) -> None:
    """Names are printable text, shown as they read (see myproject.text), with at least one
    letter or digit that shows: a name of blanks, fillers or lone marks reads as nothing."""
    validate_plain_text(value)
    if value and not has_visible_character(value):
        raise ValidationError("Use at least one letter or digit.", code="invalid")


class Partner(models.Model):
    """A distribution partner (broker, bank, web front end) calling the API.

    It signs in as its own user, whose API tokens are managed by django-rest-knox, and owns
    the customers it creates and, through them, their quotes, policies and payments.
    """

    name = models.CharField(max_length=100, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner"
    )
    commission_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent of the net premium the partner earns, unless a product says "
        "otherwise (see the product's commissions).",
    )
    is_sandbox = models.BooleanField(
        "sandbox",
        default=False,
        help_text="A sandbox partner integrates against the same API, but its data is never "
        "live business: left out of the dashboard, exports and reports to the insurer, and "
        "its documents are marked SPECIMEN.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Its commission rate prices every quote it makes: who changed it, and when, is kept.
    history = tracked()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# What a partner's API token may be limited to (README, Partners and tokens), each with what
# it allows; a token without a grant may do all of it.
SCOPES = {
    "read": "read every object the partner may see",
    "customers:write": "create and change customers",
    "quotes:write": "create, accept and decline quotes and offers",
    "payments:write": "pay quotes, report instalments' collections, reinstate policies",
    "policies:write": "cancel, endorse and renew policies",
    "webhooks:manage": "register and change webhook endpoints",
}


def validate_scopes(value) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        raise ValidationError("A non-empty list of scopes.", code="invalid")
    unknown = sorted(set(value) - set(SCOPES))
    if unknown:
        raise ValidationError(
            f"Unknown scope {unknown[0][:40]}; the scopes are {', '.join(SCOPES)}.",
            code="invalid",
        )
    if len(set(value)) != len(value):
        raise ValidationError("Each scope once.", code="invalid")


class TokenGrant(models.Model):
    """The scopes one API token is limited to. A token without a grant has every scope, as
    every token made before scopes existed."""

    token = models.OneToOneField(
        "knox.AuthToken", on_delete=models.CASCADE, primary_key=True, related_name="grant"
    )
    scopes = models.JSONField(validators=[validate_scopes])

    def __str__(self) -> str:
        return ", ".join(self.scopes)


class TestClock(models.Model):
    """A sandbox partner's own time, as Stripe's test clocks: the customers attached to it at
    creation, and their quotes, policies and instalments, live at `now`, which only moves
    forward (customers.services.test_clock_advance runs what each day brings)."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="test_clocks")
    now = models.DateTimeField(help_text="The time its objects live at.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Test clock {self.pk} at {self.now:%d-%m-%Y}"

    @property
    def today_there(self) -> dt.date:
        return timezone.localdate(self.now)


class Customer(models.Model):
    """A person a partner sells to. Born on a real date, after 1900 and before today."""

    # Indexed by customer_partner_idx, which every scoped list walks.
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="customers", db_index=False
    )
    first_name = models.CharField(max_length=100, validators=[validate_name])
    last_name = models.CharField(max_length=100, validators=[validate_name])
    dob = models.DateField("date of birth")
    test_clock = models.ForeignKey(
        TestClock,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        db_index=False,  # never looked up by clock: its quotes and policies are
        help_text="A sandbox customer living at a test clock's time, with all its objects.",
    )
    external_ref = models.CharField(
        "partner's reference",
        max_length=64,
        blank=True,
        validators=[validate_name],
        help_text="The partner's own id for this customer; unique per partner.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked()

    class Meta:
        ordering = ["id"]
        # Name search (partial, any case) uses trigram indexes on PostgreSQL, made by
        # migration 0006 (they are PostgreSQL's own), not a B-tree that LIKE '%x%' cannot use.
        indexes = [
            models.Index(fields=["dob"], name="customer_dob_idx"),
            models.Index(fields=["partner", "dob", "id"], name="customer_partner_dob_idx"),
            models.Index(fields=["partner", "id"], name="customer_partner_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dob__gte=EARLIEST_DOB), name="customer_dob_after_1900"
            ),
            models.UniqueConstraint(
                fields=["partner", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="customer_external_ref_per_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def external_ref_or_none(self) -> str | None:
        return self.external_ref or None

    def clean(self) -> None:
        self.first_name = normalize_text((self.first_name or "").strip())
        self.last_name = normalize_text((self.last_name or "").strip())
        if self.dob and self.dob >= timezone.localdate():
            raise ValidationError({"dob": "The date of birth must be before today."})
        if self.dob and self.dob < EARLIEST_DOB:
            raise ValidationError({"dob": "The date of birth cannot be before 01-01-1900."})
