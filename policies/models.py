import datetime as dt

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from simple_history.models import HistoricalRecords

from quotes.models import MONEY, REASON_MAX_LENGTH


class PolicyState(models.TextChoices):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class CancellationReason(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request"
    NON_PAYMENT = "non_payment"
    FRAUD = "fraud"
    OTHER = "other"


def _cancelled_by(today: dt.date) -> Q:
    """An active policy whose (scheduled) cancellation has taken effect by `today`."""
    return Q(state=PolicyState.ACTIVE, cancelled_on__lte=today)


def _expired_by(today: dt.date) -> Q:
    """An active policy past its end date. A cancellation always falls within the term, so a
    cancelled policy reads cancelled, never expired."""
    return Q(state=PolicyState.ACTIVE, end_date__lt=today, cancelled_on__isnull=True)


class PolicyQuerySet(models.QuerySet):
    def with_current_state(self, today: dt.date | None = None):
        """Annotate `current_state`: an active policy reads cancelled from the day a scheduled
        cancellation takes effect, and expired after its end date, whether or not
        `expire_policies` has recorded it yet."""
        today = today or timezone.localdate()
        return self.annotate(
            current_state=Case(
                When(_cancelled_by(today), then=Value(PolicyState.CANCELLED)),
                When(_expired_by(today), then=Value(PolicyState.EXPIRED)),
                default=F("state"),
                output_field=models.CharField(),
            )
        )

    def in_current_state(self, state: str, today: dt.date | None = None):
        """Policies whose current state is `state`, as conditions on indexed columns."""
        today = today or timezone.localdate()
        if state == PolicyState.EXPIRED:
            return self.filter(Q(state=state) | _expired_by(today))
        if state == PolicyState.CANCELLED:
            return self.filter(Q(state=state) | _cancelled_by(today))
        return self.filter(state=state).exclude(_cancelled_by(today) | _expired_by(today))


class Policy(models.Model):
    """The contract issued when a quote is paid; its id is the quote's id.

    Cover, premium and currency are copied from the quote, never recomputed.
    """

    State = PolicyState

    # Each state and the states it may become; every change goes through services.
    TRANSITIONS: dict[str, set[str]] = {
        State.ACTIVE: {State.CANCELLED, State.EXPIRED},
        State.CANCELLED: set(),
        State.EXPIRED: set(),
    }

    quote = models.OneToOneField(
        "quotes.Quote", on_delete=models.PROTECT, primary_key=True, related_name="policy"
    )
    number = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="policies"
    )
    product = models.ForeignKey("quotes.Product", on_delete=models.PROTECT, related_name="policies")
    cover = models.DecimalField(**MONEY)
    premium = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day of cover, inclusive.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    cancellation_reason = models.CharField(
        max_length=32, choices=CancellationReason.choices, blank=True
    )
    cancelled_on = models.DateField(
        null=True,
        blank=True,
        help_text="The first day without cover after a cancellation; while it lies ahead the "
        "policy stays active.",
    )
    cancellation_note = models.CharField(
        max_length=REASON_MAX_LENGTH,
        blank=True,
        help_text="Staff's explanation of a backdated cancellation.",
    )
    renewal_quote = models.OneToOneField(
        "quotes.Quote",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal_of",
        help_text="The quote for the next year's cover, once renewal is asked for.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        history_change_reason_field=models.CharField(max_length=REASON_MAX_LENGTH, null=True)
    )
    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ["quote"]
        verbose_name_plural = "policies"
        indexes = [
            models.Index(fields=["customer", "quote"], name="policy_customer_idx"),
            models.Index(fields=["product", "quote"], name="policy_product_idx"),
            models.Index(fields=["state", "quote"], name="policy_state_idx"),
            models.Index(fields=["state", "end_date"], name="policy_expiry_idx"),
            models.Index(fields=["state", "cancelled_on"], name="policy_cancellation_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="policy_term_order"
            ),
            models.CheckConstraint(
                condition=Q(state__in=PolicyState.values), name="policy_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def can_become(self, state: str) -> bool:
        return state in self.TRANSITIONS.get(self.state, set())

    def state_on(self, day: dt.date) -> str:
        if self.state == PolicyState.ACTIVE:
            if self.cancelled_on is not None and day >= self.cancelled_on:
                return PolicyState.CANCELLED
            if day > self.end_date:
                return PolicyState.EXPIRED
        return self.state

    @property
    def cancelled_from(self) -> dt.date | None:
        """The first day without cover, once a cancellation has taken effect."""
        if self.current_state == PolicyState.CANCELLED:
            return self.cancelled_on
        return None

    @property
    def cancels_on(self) -> dt.date | None:
        """The day a scheduled cancellation takes effect, while it still lies ahead."""
        if self.current_state == PolicyState.ACTIVE:
            return self.cancelled_on
        return None

    @property
    def current_state(self) -> str:
        """The state clients see: annotated by `with_current_state()`, or computed today."""
        return self.__dict__.get("current_state") or self.state_on(timezone.localdate())

    @current_state.setter
    def current_state(self, value: str) -> None:
        self.__dict__["current_state"] = value


class Payment(models.Model):
    """Money for a policy: exactly one charge, and at most one refund when it is cancelled."""

    class Kind(models.TextChoices):
        CHARGE = "charge"
        REFUND = "refund"

    class Method(models.TextChoices):
        CARD = "card"
        INVOICE = "invoice"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded"
        PENDING = "pending"
        CANCELLED = "cancelled"

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CHARGE)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=Method.choices)
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        help_text="Card payments succeed at once; invoices stay pending until invoiced, and "
        "a pending invoice is cancelled with its policy.",
    )
    reference = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy"], condition=Q(kind="charge"), name="payment_one_charge_per_policy"
            ),
            models.UniqueConstraint(
                fields=["policy"], condition=Q(kind="refund"), name="payment_one_refund_per_policy"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.reference
