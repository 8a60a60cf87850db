import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.serializers import CustomerSerializer
from myproject.history import REASON_MAX_LENGTH
from myproject.http.fields import (
    StrictCharField,
    StrictDateField,
    StrictInputSerializer,
    UTCDateTimeField,
)
from myproject.http.rendering import OutputSerializer
from quotes.models import document_id
from quotes.pricing import PLANS
from quotes.serializers import MetadataField, PartsSerializer, money_input, money_output

from .models import (
    REMINDER_DAYS,
    CancellationReason,
    Instalment,
    Payment,
    Policy,
    cover_refunds,
)


class PaymentSerializer(OutputSerializer):
    reference = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Payment.Kind.choices, read_only=True)
    amount = money_output(help_text="net_premium + tax + fees.")
    net_premium = money_output()
    tax = money_output()
    fees = money_output()
    commission = money_output(help_text="The partner's; on a refund, what is clawed back.")
    currency = serializers.CharField(read_only=True)
    method = serializers.ChoiceField(choices=Payment.Method.choices, read_only=True)
    status = serializers.ChoiceField(choices=Payment.Status.choices, read_only=True)
    created_at = UTCDateTimeField()


PAYMENT_RENDERER = PaymentSerializer()


class PaymentEventSerializer(PaymentSerializer):
    policy = serializers.IntegerField(source="policy_id", read_only=True)


class InstalmentSerializer(OutputSerializer):
    id = serializers.IntegerField(read_only=True)
    policy = serializers.IntegerField(source="policy_id", read_only=True)
    number = serializers.IntegerField(read_only=True, help_text="1 is paid at issue.")
    due_date = StrictDateField(read_only=True)
    amount = money_output(help_text="net_premium + tax + fees (the instalment fee included).")
    net_premium = money_output()
    tax = money_output()
    fees = money_output()
    commission = money_output(help_text="The partner's share.")
    currency = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(
        source="current_state",
        choices=Instalment.Status.choices,
        read_only=True,
        help_text=f"`due` from {REMINDER_DAYS} days before the due date until paid.",
    )
    failure_reason = serializers.CharField(
        read_only=True, help_text="The last failed collection's reason."
    )
    payment = serializers.CharField(
        source="payment.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The reference of the charge that collected it.",
    )
    updated_at = UTCDateTimeField()


INSTALMENT_RENDERER = InstalmentSerializer()


class EndorsementSerializer(OutputSerializer):
    effective_date = StrictDateField(read_only=True)
    old_cover = money_output()
    new_cover = money_output()
    old_premium = money_output(help_text="The annual premium before.")
    new_premium = money_output(help_text="The annual premium after.")
    premium_change = money_output(
        help_text="Charged for the rest of the term; negative when refunded."
    )
    payment = serializers.CharField(
        source="payment.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The reference of the charge or refund that settled it.",
    )
    created_at = UTCDateTimeField()


class DisclosureSerializer(serializers.Serializer):
    """A disclosure's shape, for the schema and as DisclosureField renders it."""

    document = serializers.CharField(
        read_only=True, help_text="The product information document's id."
    )
    at = UTCDateTimeField(help_text="When it was recorded as given.")


_AT = UTCDateTimeField()  # one field renders every time, as a serializer's would


@extend_schema_field(DisclosureSerializer(allow_null=True))
class DisclosureField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, policy):
        if policy.disclosed_at is None:
            return None
        return {
            "document": document_id(policy.product.code, policy.rate_version.number),
            "at": _AT.to_representation(policy.disclosed_at),
        }


class PolicySerializer(OutputSerializer):
    id = serializers.IntegerField(source="pk", read_only=True, help_text="Equals the quote's id.")
    number = serializers.CharField(read_only=True, help_text="The policy number.")
    quote = serializers.IntegerField(source="quote_id", read_only=True)
    customer = CustomerSerializer(read_only=True)
    type = serializers.CharField(source="product.code", read_only=True, help_text="Product code.")
    cover = money_output()
    premium = money_output(
        help_text="The annual premium: net_premium + tax + fees (after any endorsement, the "
        "current one)."
    )
    net_premium = money_output()
    tax = money_output()
    fees = money_output()
    commission = money_output(help_text="The partner's share of the premium.")
    currency = serializers.CharField(read_only=True)
    start_date = StrictDateField(read_only=True)
    end_date = StrictDateField(read_only=True, help_text="Last day of cover, inclusive.")
    state = serializers.ChoiceField(
        source="current_state",
        choices=Policy.State.choices,
        read_only=True,
        help_text="An active policy past its end date reads as expired; one with an "
        "instalment unpaid past its due date reads in_grace (still covered).",
    )
    plan = serializers.ChoiceField(
        choices=[(plan, plan) for plan in PLANS],
        read_only=True,
        help_text="annual, quarterly or monthly: how the premium is paid.",
    )
    next_due = StrictDateField(
        read_only=True,
        allow_null=True,
        help_text="The due date of the earliest instalment not paid.",
    )
    instalments = serializers.SerializerMethodField(
        help_text="A plan's instalments by number; empty when paid annually."
    )
    written_off = money_output(
        help_text="Earned premium never paid, given up on cancellation or lapse."
    )
    lapsed_on = StrictDateField(
        read_only=True,
        allow_null=True,
        help_text="The day the policy lapsed for non-payment (reinstatement is open from it).",
    )
    rate_version = serializers.IntegerField(
        source="rate_version.number",
        read_only=True,
        help_text="The number of the product's rate version that priced it.",
    )
    disclosure = DisclosureField(
        help_text="The product information document the customer was given before buying, "
        "and when; null if none was recorded."
    )
    cooling_off_days = serializers.IntegerField(
        read_only=True,
        help_text="Its cooling-off period, as sold: cancelled within it, everything is refunded. "
        "It counts from the start, or from the day of `disclosure` if that came later.",
    )
    cancellation_reason = serializers.ChoiceField(
        choices=CancellationReason.choices, read_only=True, allow_blank=True
    )
    cancelled_on = StrictDateField(
        source="cancelled_from",
        read_only=True,
        allow_null=True,
        help_text="First day without cover, once cancelled.",
    )
    cancels_on = StrictDateField(
        read_only=True,
        allow_null=True,
        help_text="A scheduled cancellation: the first day without cover, while it lies ahead "
        "(the policy stays active until then; its refund is already shown).",
    )
    renewal_quote = serializers.IntegerField(
        source="renewal_quote_id", read_only=True, allow_null=True
    )
    partner_reference = serializers.CharField(
        read_only=True, help_text="Yours, from the quote it was issued from."
    )
    metadata = MetadataField(read_only=True, help_text="Yours, from its quote.")
    payment = serializers.SerializerMethodField(help_text="The charge that issued the policy.")
    refund = serializers.SerializerMethodField(help_text="The cancellation's refund.")
    payments = serializers.SerializerMethodField(
        help_text="Every charge and refund, oldest first, endorsements' included."
    )
    endorsements = EndorsementSerializer(many=True, read_only=True, source="endorsement_rows")
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, policy):
        found = next((p for p in policy.payment_rows if p.kind == Payment.Kind.CHARGE), None)
        return self._render(found)

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_refund(self, policy):
        made = cover_refunds(policy.payment_rows, policy.endorsement_rows)
        return self._render(made[0] if made else None)

    @extend_schema_field(PaymentSerializer(many=True))
    def get_payments(self, policy):
        return [self._render(payment) for payment in policy.payment_rows]

    @extend_schema_field(InstalmentSerializer(many=True))
    def get_instalments(self, policy):
        return [INSTALMENT_RENDERER.to_representation(i) for i in policy.instalment_rows]

    @staticmethod
    def _render(payment):
        # One serializer renders every payment: building one per payment deep-copies its
        # fields each time, most of a list's rendering.
        return PAYMENT_RENDERER.to_representation(payment) if payment else None


class HistoryEntrySerializer(OutputSerializer):
    state = serializers.CharField(read_only=True)
    at = UTCDateTimeField()
    by = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Who made the change: the partner's name, `staff` for the insurer's staff, "
        "or null for scheduled jobs.",
    )
    reason = serializers.CharField(read_only=True, allow_null=True, help_text="Why, if known.")


class PaymentInputSerializer(StrictInputSerializer):
    payment_method = serializers.ChoiceField(
        choices=Payment.Method.choices,
        default=Payment.Method.CARD,
        help_text="`card` succeeds at once; `invoice` is pending until invoiced.",
    )
    plan = serializers.ChoiceField(
        choices=[(plan, plan) for plan in PLANS],
        required=False,
        help_text="How the premium is paid, one of the quote's `instalment_plans` (annual by "
        "default; a renewal keeps its policy's plan). By instalments, only the first is "
        "paid now, by card.",
    )
    amount = money_input(
        required=False,
        help_text="If sent, must equal what is paid now: the premium, or the first instalment.",
    )


class InstalmentPaymentInputSerializer(StrictInputSerializer):
    payment_method = serializers.ChoiceField(
        choices=Payment.Method.choices,
        default=Payment.Method.CARD,
        help_text="How the partner collected it.",
    )
    amount = money_input(required=False, help_text="If sent, must equal the instalment.")


class InstalmentFailureInputSerializer(StrictInputSerializer):
    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH, help_text="Why the collection failed (card declined...)."
    )


class ReinstateInputSerializer(StrictInputSerializer):
    payment_method = serializers.ChoiceField(
        choices=[(Payment.Method.CARD, "card")],
        default=Payment.Method.CARD,
        help_text="The arrears are collected by card.",
    )
    amount = money_input(required=False, help_text="If sent, must equal the arrears.")


class CancelInputSerializer(StrictInputSerializer):
    reason = serializers.ChoiceField(
        choices=CancellationReason.choices,
        help_text="customer_request, non_payment, fraud or other.",
    )
    effective_date = StrictDateField(
        required=False,
        help_text="The first day without cover, within the term and not before today (today "
        "by default); a later date schedules the cancellation. Only staff may backdate.",
    )
    note = StrictCharField(
        required=False,
        default="",
        max_length=REASON_MAX_LENGTH,
        help_text="Staff only, and required to backdate: why.",
    )


class RefundPartsSerializer(OutputSerializer):
    net_premium = money_output()
    tax = money_output()
    fees = money_output(help_text="Refunded only within the cooling-off period.")
    commission_clawback = money_output(
        help_text="The partner's commission taken back; not part of the refund."
    )


class CancellationPreviewSerializer(OutputSerializer):
    effective_date = StrictDateField(read_only=True)
    refund = money_output(source="refund.amount", help_text="net_premium + tax + fees.")
    currency = serializers.CharField(read_only=True)
    within_cooling_off = serializers.BooleanField(
        source="refund.within_cooling_off", read_only=True
    )
    parts = RefundPartsSerializer(source="refund", read_only=True)
    written_off = money_output(
        source="refund.written_off",
        help_text="Earned premium (net and tax) left unpaid by instalments: given up, never "
        "charged.",
    )
    instalments_cancelled = InstalmentSerializer(
        many=True, read_only=True, help_text="The instalments still owed, which cancelling ends."
    )


class CancellationPreviewInputSerializer(StrictInputSerializer):
    effective_date = StrictDateField(
        required=False, help_text="The first day without cover (today by default)."
    )


class EndorsementPreviewSerializer(OutputSerializer):
    effective_date = StrictDateField(read_only=True)
    currency = serializers.CharField(read_only=True)
    old_cover = money_output()
    new_cover = money_output()
    old_annual = PartsSerializer(source="old_parts", read_only=True)
    new_annual = PartsSerializer(source="new_parts", read_only=True)
    change = PartsSerializer(
        read_only=True,
        help_text="For the rest of the term: charged when positive, refunded when negative; "
        "by instalments, spread over those still to pay.",
    )
    instalments = InstalmentSerializer(
        many=True,
        read_only=True,
        help_text="By instalments: those still to pay as they would read after the change "
        "(empty when it is settled at once: none left, or a refund larger than they are).",
    )


class EndorseInputSerializer(StrictInputSerializer):
    cover = money_input(help_text="The new cover, within the product's limits.")
    effective_date = StrictDateField(
        required=False,
        help_text="From when, within the term and not before today (today by default).",
    )


class BordereauInputSerializer(StrictInputSerializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": "Send a month as YYYY-MM, e.g. 2026-11."},
        help_text="The month, YYYY-MM.",
    )
    format = serializers.ChoiceField(
        choices=[("csv", "csv"), ("json", "json")],
        default="csv",
        help_text="`csv` (a download, the default) or `json`.",
    )

    def validate_month(self, value):
        year, month = (int(part) for part in value.split("-"))
        if year < 2000:
            raise serializers.ValidationError("Send a month from 2000 on.")
        return dt.date(year, month, 1)
