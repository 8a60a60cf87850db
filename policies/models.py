from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from quotes.models import MONEY


class PolicyState(models.TextChoices):
    ACTIVE = "active"


class Policy(models.Model):
    """The contract issued when a quote is paid; its id is the quote's id.

    Cover, premium and currency are copied from the quote, never recomputed.
    """

    State = PolicyState

    # Each state and the states it may become; later lifecycle steps add to this.
    TRANSITIONS: dict[str, set[str]] = {State.ACTIVE: set()}

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["quote"]
        verbose_name_plural = "policies"
        indexes = [
            models.Index(fields=["customer", "quote"], name="policy_customer_idx"),
            models.Index(fields=["product", "quote"], name="policy_product_idx"),
            models.Index(fields=["state", "quote"], name="policy_state_idx"),
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


class Payment(models.Model):
    """Money received for a policy. A policy has exactly one charge."""

    class Kind(models.TextChoices):
        CHARGE = "charge"

    class Method(models.TextChoices):
        CARD = "card"
        INVOICE = "invoice"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded"
        PENDING = "pending"

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CHARGE)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=Method.choices)
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        help_text="Card payments succeed at once; invoices stay pending until invoiced.",
    )
    reference = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy"], condition=Q(kind="charge"), name="payment_one_charge_per_policy"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.reference
