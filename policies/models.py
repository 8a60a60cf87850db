import datetime as dt
import secrets

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from myproject.history import REASON_MAX_LENGTH, tracked
from myproject.lifecycle import LifecycleQuerySet, Stateful
from myproject.problems import Conflict
from quotes.models import MONEY, Clocked, PartnerData, PricedParts, clock_index, parts_add_up
from quotes.pricing import PLANS, PremiumParts


class PolicyState(models.TextChoices):
    ACTIVE = "active"
    IN_GRACE = "in_grace", "in grace"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class CancellationReason(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request"
    NON_PAYMENT = "non_payment"
    FRAUD = "fraud"
    OTHER = "other"


class Policy(PricedParts, PartnerData, Clocked, Stateful):
    """The contract issued when a quote is paid; its id is the quote's id.

    Cover, premium (with its parts) and currency are copied from the quote, never recomputed;
    an endorsement changes cover and the annual premium from its effective date.
    """

    State = PolicyState

    # Each state and the states it may become; every change goes through lifecycle.transition.
    # A policy in grace is still covered; paying its arrears makes it active again. A
    # cancelled policy becomes active again only by reinstatement after a lapse.
    TRANSITIONS: dict[str, set[str]] = {
        State.ACTIVE: {State.CANCELLED, State.EXPIRED, State.IN_GRACE},
        State.IN_GRACE: {State.ACTIVE, State.CANCELLED, State.EXPIRED},
        State.CANCELLED: {State.ACTIVE},
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
    # Its quote's, copied as the price is; never filtered by, so not indexed.
    rate_version = models.ForeignKey(
        "quotes.RateVersion",
        on_delete=models.PROTECT,
        related_name="policies",
        db_index=False,
        help_text="The product's rate version that priced it, in force on its quote's day.",
    )
    disclosed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the customer was given the product information document, as recorded "
        "on accepting its quote; cooling-off counts from the later of this day and the start.",
    )
    cover = models.DecimalField(**MONEY)
    premium = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day of cover, inclusive.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    plan = models.CharField(
        max_length=16,
        choices=[(plan, plan) for plan in PLANS],
        default="annual",
        help_text="How the premium is paid: at once (annual) or by instalments.",
    )
    next_due = models.DateField(
        null=True,
        blank=True,
        help_text="The due date of the earliest instalment not paid; the policy is in grace "
        "the day after it, and lapses after the product's grace days.",
    )
    written_off = models.DecimalField(
        **MONEY,
        default=0,
        help_text="Earned premium (net and tax) never paid, given up when the policy was "
        "cancelled or lapsed: a cancellation never charges.",
    )
    cooling_off_days = models.PositiveSmallIntegerField(
        help_text="The cooling-off period it was sold with, its rate version's: a later "
        "version's applies to policies sold after it."
    )
    lapsed_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the policy lapsed for non-payment; reinstatement is open for the "
        "product's reinstatement days from it.",
    )
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
    TIMED_RELATED = ("customer", "product", "rate_version", "partner")

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
            models.Index(fields=["state", "next_due"], name="policy_arrears_idx"),
            models.Index(
                fields=["partner", "partner_reference"],
                condition=~Q(partner_reference=""),
                name="policy_partner_reference_idx",
            ),
            clock_index("policy_clock_idx"),
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
        """A covered policy reads cancelled from the day a scheduled cancellation takes
        effect, and expired after its end date (a cancellation always falls within the term,
        so the two never both hold); an active one reads in grace from the day after an
        instalment falls due unpaid."""
        today = timezone.localdate(now)
        covered = [PolicyState.ACTIVE, PolicyState.IN_GRACE]
        return [
            (PolicyState.CANCELLED, Q(state__in=covered, cancelled_on__lte=today)),
            (
                PolicyState.EXPIRED,
                Q(state__in=covered, end_date__lt=today, cancelled_on__isnull=True),
            ),
            (PolicyState.IN_GRACE, Q(state=PolicyState.ACTIVE, next_due__lt=today)),
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
        if state == PolicyState.IN_GRACE:
            return f"instalment due {self.next_due:%d-%m-%Y} unpaid"
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
            partner_reference=quote.partner_reference,
            metadata=quote.metadata,
            test_clock_id=quote.test_clock_id,
            rate_version=quote.rate_version,
            disclosed_at=quote.disclosed_at,
            cooling_off_days=quote.rate_version.cooling_off_days,
            **fields,
        )
        policy.set_parts(quote)
        return policy

    @property
    def disclosed_on(self) -> dt.date | None:
        """The day the product information document was given, on the policy's clock."""
        return timezone.localdate(self.disclosed_at) if self.disclosed_at else None

    def attach_related(
        self,
        *,
        payments: list["Payment"],
        endorsements: list["Endorsement"],
        instalments: list["Instalment"] = (),
    ) -> "Policy":
        """Attach the payments, endorsements and instalments a service has just read or
        written, so that rendering the policy reads nothing again (as a prefetch would
        have)."""
        self._prefetched_objects_cache = {
            "payments": sorted(payments, key=lambda p: p.pk),
            "endorsements": sorted(endorsements, key=lambda e: e.pk),
            "instalments": sorted(instalments, key=lambda i: i.number),
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
    def by_instalments(self) -> bool:
        """Paid by a plan of instalments rather than at once."""
        return self.plan != "annual"

    @property
    def instalment_rows(self):
        """The instalments of a plan, by number (none when paid annually)."""
        if not self.by_instalments:
            return []
        return self._related("instalments")

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
    def collected(cls, policy: Policy, parts: PremiumParts, *, method: str) -> "Payment":
        """A charge the partner reports collected (an instalment, arrears), unsaved: it has
        succeeded, whatever the method."""
        return cls._made(
            policy, parts, kind=cls.Kind.CHARGE, method=method, status=cls.Status.SUCCEEDED
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


def cover_refunds(payments, endorsements) -> list["Payment"]:
    """The refunds of cover stopping (a cancellation's, a lapse's), oldest first: every
    refund but those settling a change of cover."""
    settled_changes = {e.payment_id for e in endorsements}
    return [p for p in payments if p.kind == Payment.Kind.REFUND and p.pk not in settled_changes]


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


class InstalmentStatus(models.TextChoices):
    SCHEDULED = "scheduled"
    DUE = "due"
    PAID = "paid"
    FAILED = "failed"
    WAIVED = "waived"
    CANCELLED = "cancelled"


# An instalment reads `due` from this many days before its due date (instalment.due is sent).
REMINDER_DAYS = 3


class Instalment(PricedParts, Clocked, Stateful):
    """One payment of a policy's plan, with its share of each part of the premium (its fees
    include the instalment fee). The partner collects it and reports the outcome; the first
    is paid when the policy is issued. The instalments of a plan add up to its total exactly.
    """

    Status = InstalmentStatus
    STATE_FIELD = "status"
    # Unpaid ones may be paid (early too), fail again, be waived by staff or be cancelled
    # with their policy; a lapse's cancelled ones come back when the policy is reinstated.
    TRANSITIONS: dict[str, set[str]] = {
        Status.SCHEDULED: {Status.DUE, Status.PAID, Status.FAILED, Status.WAIVED, Status.CANCELLED},
        Status.DUE: {Status.PAID, Status.FAILED, Status.WAIVED, Status.CANCELLED},
        Status.FAILED: {Status.PAID, Status.FAILED, Status.WAIVED, Status.CANCELLED},
        Status.CANCELLED: {Status.SCHEDULED, Status.DUE, Status.PAID},
        Status.PAID: set(),
        Status.WAIVED: set(),
    }
    UNPAID = (Status.SCHEDULED, Status.DUE, Status.FAILED)

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="instalments")
    # The owner, copied from the policy, so that a partner's list needs no join.
    partner = models.ForeignKey(
        "customers.Partner", on_delete=models.PROTECT, related_name="instalments", db_index=False
    )
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    payment = models.OneToOneField(
        "Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instalment",
        help_text="The charge that collected it.",
    )
    failure_reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    note = models.CharField(
        max_length=REASON_MAX_LENGTH, blank=True, help_text="Staff's reason for a waiver."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked()
    objects = LifecycleQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["partner", "id"], name="instalment_partner_idx"),
            models.Index(fields=["status", "due_date"], name="instalment_due_idx"),
            clock_index("instalment_clock_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="instalment_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=InstalmentStatus.values), name="instalment_status_valid"
            ),
            parts_add_up("amount", "instalment_amount_parts"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} #{self.number}"

    @property
    def label(self) -> str:
        return f"Instalment {self.number} of policy {self.policy_id}"

    @classmethod
    def timed_states(cls, now: dt.datetime) -> list[tuple[str, Q]]:
        """A scheduled instalment reads due from REMINDER_DAYS before its due date."""
        soon = timezone.localdate(now) + dt.timedelta(days=REMINDER_DAYS)
        return [(InstalmentStatus.DUE, Q(status=InstalmentStatus.SCHEDULED, due_date__lte=soon))]

    def timed_reason(self, state: str) -> str:
        return f"due on {self.due_date:%d-%m-%Y}"
