import datetime as dt
import secrets

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from myproject.history import REASON_MAX_LENGTH, tracked
from myproject.lifecycle import LifecycleQuerySet, Stateful
from myproject.problems import Conflict
from quotes.models import MONEY, PricedParts, parts_add_up
from quotes.pricing import PremiumParts


class PolicyState(models.TextChoices):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class CancellationReason(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request"
    NON_PAYMENT = "non_payment"
    FRAUD = "fraud"
    OTHER = "other"


class Policy(PricedParts, Stateful):
    """The contract issued when a quote is paid; its id is the quote's id.

    Cover, premium (with its parts) and currency are copied from the quote, never recomputed;
    an endorsement changes cover and the annual premium from its effective date.
    """

    State = PolicyState

    # Each state and the states it may become; every change goes through lifecycle.transition.
    TRANSITIONS: dict[str, set[str]] = {
        State.ACTIVE: {State.CANCELLED, State.EXPIRED},
        State.CANCELLED: set(),
        State.EXPIRED: set(),
    }

    quote = models.OneToOneField(
        "quotes.Quote", on_delete=models.PROTECT, primary_key=True, related_name="policy"
    )
    number = models.CharField(max_length=32, unique=True)
    # The owner, copied from the quote, so that scoped reads need no join.
    partner = models.ForeignKey(
        "customers.Partner", on_delete=models.PROTECT, related_name="policies", db_index=False
    )
    # Foreign keys below are indexed by the composite indexes in Meta, which lead with them.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="policies", db_index=False
    )
    product = models.ForeignKey(
        "quotes.Product", on_delete=models.PROTECT, related_name="policies", db_index=False
    )
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

    history = tracked()
    objects = LifecycleQuerySet.as_manager()

    class Meta:
        ordering = ["quote"]
        verbose_name_plural = "policies"
        indexes = [
            models.Index(fields=["partner", "quote"], name="policy_partner_idx"),
            models.Index(fields=["partner", "state", "quote"], name="policy_partner_state_idx"),
            models.Index(fields=["partner", "product", "quote"], name="policy_partner_product_idx"),
            models.Index(fields=["customer", "quote"], name="policy_customer_idx"),
            models.Index(fields=["created_at"], name="policy_created_idx"),  # the dashboard
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
            parts_add_up("premium", "policy_premium_parts"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def label(self) -> str:
        return f"Policy {self.number}"

    @classmethod
    def timed_states(cls, now: dt.datetime) -> list[tuple[str, Q]]:
        """An active policy reads cancelled from the day a scheduled cancellation takes
        effect, and expired after its end date. A cancellation always falls within the term,
        so the two never both hold."""
        today = timezone.localdate(now)
        return [
            (PolicyState.CANCELLED, Q(state=PolicyState.ACTIVE, cancelled_on__lte=today)),
            (
                PolicyState.EXPIRED,
                Q(state=PolicyState.ACTIVE, end_date__lt=today, cancelled_on__isnull=True),
            ),
        ]

    def timed_conflict(self, state: str) -> Conflict:
        if state == PolicyState.EXPIRED:
            return Conflict(
                f"Policy {self.number} ended on {self.end_date:%d-%m-%Y}.",
                code="policy_expired",
                state=state,
            )
        since = f" from {self.cancelled_on:%d-%m-%Y}" if self.cancelled_on else ""
        return Conflict(
            f"Policy {self.number} is cancelled{since}.", code="invalid_transition", state=state
        )

    def timed_reason(self, state: str) -> str:
        return self.cancellation_reason if state == PolicyState.CANCELLED else "term ended"

    @classmethod
    def from_quote(cls, quote, *, start: dt.date, end: dt.date, **fields) -> "Policy":
        """The policy a paid quote issues, unsaved: its number, owner, cover and price (with
        its parts) come from the quote, never recomputed."""
        policy = cls(
            quote=quote,
            number=f"POL-{start:%Y}-{quote.pk:07d}",
            partner=quote.partner,
            customer=quote.customer,
            product=quote.product,
            cover=quote.cover,
            premium=quote.premium,
            currency=quote.currency,
            start_date=start,
            end_date=end,
            **fields,
        )
        policy.set_parts(quote)
        return policy

    def attach_related(
        self, *, payments: list["Payment"], endorsements: list["Endorsement"]
    ) -> "Policy":
        """Attach the payments and endorsements a service has just read or written, so that
        rendering the policy reads nothing again (as a prefetch would have)."""
        self._prefetched_objects_cache = {
            "payments": sorted(payments, key=lambda p: p.pk),
            "endorsements": sorted(endorsements, key=lambda e: e.pk),
        }
        return self

    def _related(self, name: str):
        # A prefetched or attached relation as it was read: `.all()` on it would build a
        # manager and clone a queryset each time, most of rendering a list of policies.
        cached = getattr(self, "_prefetched_objects_cache", {})
        return cached[name] if name in cached else getattr(self, name).all()

    @property
    def payment_rows(self):
        """Every charge and refund, oldest first (prefetched when read to be rendered)."""
        return self._related("payments")

    @property
    def endorsement_rows(self):
        """Every change of cover, oldest first (prefetched when read to be rendered)."""
        return self._related("endorsements")

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


class Payment(PricedParts, Stateful):
    """Money for a policy: the charge that issued it, a charge or refund for each change of
    cover, and a refund when it is cancelled; each with its parts.

    A charge is pending until paid (an invoice) or succeeds at once (a card); a pending one is
    cancelled with its policy. A refund succeeds when made and marks the charges it repays,
    oldest first, partially refunded or refunded.
    """

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
        PARTIALLY_REFUNDED = "partially_refunded"
        REFUNDED = "refunded"

    STATE_FIELD = "status"
    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.SUCCEEDED, Status.CANCELLED},
        Status.SUCCEEDED: {Status.PARTIALLY_REFUNDED, Status.REFUNDED},
        Status.PARTIALLY_REFUNDED: {Status.REFUNDED},
        Status.CANCELLED: set(),
        Status.REFUNDED: set(),
    }

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="payments")
    # The owner, copied from the policy.
    partner = models.ForeignKey(
        "customers.Partner", on_delete=models.PROTECT, related_name="payments", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CHARGE)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=Method.choices)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        help_text="Card payments succeed at once; invoices stay pending until invoiced, and "
        "a pending invoice is cancelled with its policy; a refund marks its charge refunded.",
    )
    reference = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = tracked()
    objects = LifecycleQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["partner", "id"], name="payment_partner_idx"),
            models.Index(fields=["kind", "created_at"], name="payment_kind_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            parts_add_up("amount", "payment_amount_parts"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def label(self) -> str:
        return f"Payment {self.reference}"

    @classmethod
    def charge(cls, policy: Policy, parts: PremiumParts, *, method: str) -> "Payment":
        """A charge of `parts` for a policy, unsaved: by card it succeeds at once, by invoice
        it stays pending until the invoice is paid."""
        succeeds = method == cls.Method.CARD
        return cls._made(
            policy,
            parts,
            kind=cls.Kind.CHARGE,
            method=method,
            status=cls.Status.SUCCEEDED if succeeds else cls.Status.PENDING,
        )

    @classmethod
    def refund(cls, policy: Policy, parts: PremiumParts, *, method: str) -> "Payment":
        """Money going back to the customer (`parts` as positive sums; the commission is the
        partner's clawback), unsaved: a refund succeeds when made."""
        return cls._made(
            policy, parts, kind=cls.Kind.REFUND, method=method, status=cls.Status.SUCCEEDED
        )

    @classmethod
    def _made(cls, policy: Policy, parts: PremiumParts, **fields) -> "Payment":
        payment = cls(
            policy=policy,
            partner_id=policy.partner_id,
            amount=parts.premium,
            currency=policy.currency,
            reference=f"PAY-{secrets.token_hex(8).upper()}",
            **fields,
        )
        payment.set_parts(parts)
        return payment


# The states of a charge whose money the insurer received.
MONEY_TAKEN = (
    Payment.Status.SUCCEEDED,
    Payment.Status.PARTIALLY_REFUNDED,
    Payment.Status.REFUNDED,
)


class Endorsement(models.Model):
    """A change of a live policy's cover from `effective_date`, priced for the rest of the
    term (see refunds.endorsement_change) and settled by `payment`, a charge or a refund."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="endorsements")
    effective_date = models.DateField()
    old_cover = models.DecimalField(**MONEY)
    new_cover = models.DecimalField(**MONEY)
    # The annual parts before (their premium is the sum of net premium, tax and fees), for
    # a cancellation taking effect before this change does.
    old_net_premium = models.DecimalField(**MONEY)
    old_tax = models.DecimalField(**MONEY)
    old_fees = models.DecimalField(**MONEY)
    old_commission = models.DecimalField(**MONEY)
    new_premium = models.DecimalField(**MONEY, help_text="The annual premium after.")
    premium_change = models.DecimalField(
        **MONEY, help_text="Charged for the rest of the term; negative when refunded."
    )
    payment = models.OneToOneField(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="endorsement",
        help_text="None when the change rounds to nothing.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = tracked()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(new_cover=F("old_cover")), name="endorsement_changes_cover"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_cover} to {self.new_cover} from {self.effective_date:%d-%m-%Y}"

    @property
    def currency(self) -> str:
        return self.policy.currency

    @property
    def old_premium(self):
        """The annual premium before."""
        return self.old_parts.premium

    @property
    def old_parts(self) -> PremiumParts:
        return PremiumParts(self.old_net_premium, self.old_tax, self.old_fees, self.old_commission)
