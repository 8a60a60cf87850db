from rest_framework import serializers

from myproject.http.fields import (
    StrictCharField,
    StrictDateField,
    StrictInputSerializer,
    UTCDateTimeField,
    id_field,
)
from myproject.http.rendering import OutputSerializer

from .access import ScopedPrimaryKeyRelatedField, partner_of
from .models import Customer, Partner, TestClock

EXTERNAL_REF_MAX_LENGTH = Customer._meta.get_field("external_ref").max_length


class CustomerInputSerializer(StrictInputSerializer):
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.all(),
        pk_field=id_field(),
        required=False,
        help_text="Staff only (signed in to admin), and then required: the partner the "
        "customer belongs to. A partner never sends it (400): its customers are its own.",
    )
    first_name = StrictCharField(max_length=100)
    last_name = StrictCharField(max_length=100)
    dob = StrictDateField(help_text="Date of birth, DD-MM-YYYY (YYYY-MM-DD also accepted).")
    external_ref = StrictCharField(
        required=False,
        max_length=EXTERNAL_REF_MAX_LENGTH,
        help_text="Your own id for this customer, unique among yours: sending one you used "
        "before answers 409 `customer_exists` with that customer's `id`.",
    )
    test_clock = ScopedPrimaryKeyRelatedField(
        partner_path="partner",
        queryset=TestClock.objects.all(),
        pk_field=id_field(),
        required=False,
        help_text="Sandbox partners: one of your test clocks. The customer, its quotes, "
        "policies and instalments then live at that clock's time.",
    )

    def validate(self, attrs):
        caller = partner_of(self.context["request"].user)
        if caller is not None:
            if "partner" in attrs:
                raise serializers.ValidationError(
                    {"partner": ["This field is not accepted by this operation."]}
                )
            attrs["partner"] = caller
        elif "partner" not in attrs:
            raise serializers.ValidationError({"partner": ["Staff must name the partner."]})
        return attrs


class CustomerSerializer(OutputSerializer):
    id = serializers.IntegerField(read_only=True)
    partner = serializers.IntegerField(source="partner_id", read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    dob = StrictDateField(read_only=True)
    external_ref = serializers.CharField(
        source="external_ref_or_none", read_only=True, allow_null=True
    )
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()


class CustomerUpdateInputSerializer(StrictInputSerializer):
    first_name = StrictCharField(required=False, max_length=100)
    last_name = StrictCharField(required=False, max_length=100)
    dob = StrictDateField(
        required=False, help_text="Only while the customer has no quote (else 409)."
    )
    external_ref = StrictCharField(
        required=False,
        allow_null=True,
        max_length=EXTERNAL_REF_MAX_LENGTH,
        help_text="null clears it.",
    )


class TestClockSerializer(OutputSerializer):
    id = serializers.IntegerField(read_only=True)
    now = UTCDateTimeField(help_text="The time its customers' objects live at.")
    today = StrictDateField(
        source="today_there", read_only=True, help_text="Its day, as the rules count days."
    )
    created_at = UTCDateTimeField()


class TestClockInputSerializer(StrictInputSerializer):
    start = StrictDateField(
        required=False, help_text="Today by default, or a later day (the clock stands at noon)."
    )


class TestClockAdvanceInputSerializer(StrictInputSerializer):
    to = StrictDateField(help_text="A later day than the clock's; it stands at noon then.")
