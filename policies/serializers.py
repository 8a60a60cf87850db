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
from quotes.serializers import (
    money_input,
    money_output,
)

from .models import CancellationReason, Payment, Policy


class PaymentSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Payment.Kind.choices, read_only=True)
    amount = money_output()
    currency = serializers.CharField(read_only=True)
    method = serializers.ChoiceField(choices=Payment.Method.choices, read_only=True)
    status = serializers.ChoiceField(choices=Payment.Status.choices, read_only=True)
    created_at = UTCDateTimeField()


PAYMENT_RENDERER = PaymentSerializer()


class PolicySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True, help_text="Equals the quote's id.")
    number = serializers.CharField(read_only=True, help_text="The policy number.")
    quote = serializers.IntegerField(source="quote_id", read_only=True)
    customer = CustomerSerializer(read_only=True)
    type = serializers.CharField(source="product.code", read_only=True, help_text="Product code.")
    cover = money_output()
    premium = money_output()
    currency = serializers.CharField(read_only=True)
    start_date = StrictDateField(read_only=True)
    end_date = StrictDateField(read_only=True, help_text="Last day of cover, inclusive.")
    state = serializers.ChoiceField(
        source="current_state",
        choices=Policy.State.choices,
        read_only=True,
        help_text="An active policy past its end date reads as expired.",
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
    payment = serializers.SerializerMethodField()
    refund = serializers.SerializerMethodField()
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, policy):
        return self._payment(policy, Payment.Kind.CHARGE)

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_refund(self, policy):
        return self._payment(policy, Payment.Kind.REFUND)

    @staticmethod
    def _payment(policy, kind):
        found = next((p for p in policy.payments.all() if p.kind == kind), None)
        # One serializer renders every payment: building one per payment deep-copies its
        # fields each time, most of a list's rendering.
        return PAYMENT_RENDERER.to_representation(found) if found else None


class HistoryEntrySerializer(serializers.Serializer):
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
    amount = money_input(required=False, help_text="If sent, must equal the premium.")


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
