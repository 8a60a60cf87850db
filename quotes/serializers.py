from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.access import ScopedPrimaryKeyRelatedField
from customers.models import Customer
from myproject.history import REASON_MAX_LENGTH
from myproject.http.fields import (
    MoneyField,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictInputSerializer,
    UTCDateTimeField,
    id_field,
)
from myproject.http.rendering import OutputSerializer

from .models import (
    METADATA_MAX_KEYS,
    METADATA_MAX_VALUE_LENGTH,
    UNAVAILABLE_CODES,
    Product,
    Quote,
    validate_metadata,
)
from .pricing import PART_NAMES, PLANS


def money_input(**kwargs) -> MoneyField:
    return MoneyField(min_value=Decimal("0.01"), **kwargs)


def money_output(**kwargs) -> MoneyField:
    return MoneyField(read_only=True, **kwargs)


METADATA_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "string", "maxLength": METADATA_MAX_VALUE_LENGTH},
    "maxProperties": METADATA_MAX_KEYS,
    "example": {"order": "A-1042", "channel": "checkout"},
}


@extend_schema_field(METADATA_SCHEMA)
class MetadataField(serializers.Field):
    """The partner's own data: at most 20 string keys (1-40 characters) with string values
    of at most 500 characters; anything else is a 400 on the field."""

    def to_internal_value(self, data):
        try:
            validate_metadata(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return data

    def to_representation(self, value):
        return value


PARTNER_REFERENCE_HELP = (
    "Your own id for it (an order or booking id), unique among your quotes: a second quote "
    "with it is a 409 `reference_exists` naming the first. Its policy carries it too."
)
METADATA_HELP = "Your own data, echoed back, in events and on its policy."


class AgeBandSerializer(OutputSerializer):
    min_age = serializers.IntegerField(read_only=True)
    max_age = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True, help_text='As "18-29".')
    rate_per_mille = serializers.DecimalField(
        max_digits=8, decimal_places=4, read_only=True, help_text="Rate per 1000 of cover."
    )


def tax_rate_output(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        help_text='Tax on the net premium, percent ("5.00" for 5 %).',
        **kwargs,
    )


DOCUMENT_HELP = (
    "The id of its product information document (GET products/<code>/documents/ipid/"
    "?version=<number>), sent as `disclosure` when the customer accepts a quote it priced."
)


class RateVersionSummarySerializer(OutputSerializer):
    number = serializers.IntegerField(read_only=True, help_text="1, 2, ... per product.")
    effective_from = StrictDateField(
        read_only=True, help_text="Prices quotes made (and renewals starting) from this day."
    )
    document = serializers.CharField(source="document_id", read_only=True, help_text=DOCUMENT_HELP)


class RateVersionSerializer(RateVersionSummarySerializer):
    min_cover = money_output()
    max_cover = money_output()
    default_cover = money_output()
    minimum_premium = money_output(help_text="The least net premium, before tax and fees.")
    tax_rate = tax_rate_output()
    policy_fee = money_output(help_text="Charged once per policy.")
    instalment_fee = money_output(help_text="Added to each quarterly or monthly instalment.")
    cooling_off_days = serializers.IntegerField(
        read_only=True, help_text="Cancelled within these first days, everything is refunded."
    )
    bands = AgeBandSerializer(many=True, read_only=True)


class ProductSerializer(OutputSerializer):
    """A product, with the terms of its rate version in force today at the top level."""

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True, help_text="Sent as `type` in requests.")
    name = serializers.CharField(read_only=True)
    currency = serializers.CharField(read_only=True)
    min_cover = money_output(source="current_version.min_cover")
    max_cover = money_output(source="current_version.max_cover")
    default_cover = money_output(source="current_version.default_cover")
    min_age = serializers.IntegerField(read_only=True)
    max_age = serializers.IntegerField(read_only=True)
    minimum_premium = money_output(
        source="current_version.minimum_premium",
        help_text="The least net premium, before tax and fees.",
    )
    tax_rate = tax_rate_output(source="current_version.tax_rate")
    policy_fee = money_output(
        source="current_version.policy_fee", help_text="Charged once per policy."
    )
    payment_plans = serializers.ListField(
        child=serializers.ChoiceField(choices=PLANS),
        read_only=True,
        help_text="How a customer may pay: `annual`, and any of `quarterly` and `monthly`.",
    )
    instalment_fee = money_output(
        source="current_version.instalment_fee",
        help_text="Added to each quarterly or monthly instalment.",
    )
    grace_days = serializers.IntegerField(
        read_only=True,
        help_text="Days after an unpaid instalment's due date before the policy lapses.",
    )
    reinstatement_days = serializers.IntegerField(
        read_only=True, help_text="Days after a lapse within which it can be reinstated."
    )
    quote_validity_days = serializers.IntegerField(read_only=True)
    cooling_off_days = serializers.IntegerField(
        source="current_version.cooling_off_days",
        read_only=True,
        help_text="Cancelled within these first days of cover, everything is refunded.",
    )
    disclosure_required = serializers.BooleanField(
        read_only=True,
        help_text="Accepting a quote needs `disclosure`, the id of the product information "
        "document the customer was given.",
    )
    bands = AgeBandSerializer(source="current_version.bands", many=True, read_only=True)
    rate_version = RateVersionSummarySerializer(
        source="current_version", read_only=True, help_text="The rate version in force today."
    )
    next_rate_version = RateVersionSerializer(
        source="next_version",
        read_only=True,
        allow_null=True,
        help_text="The next rate version, with its terms, once one is scheduled.",
    )


class PartsSerializer(OutputSerializer):
    premium = money_output(help_text="net_premium + tax + fees.")
    net_premium = money_output()
    tax = money_output()
    fees = money_output()
    commission = money_output()


class InstalmentPlanSerializer(serializers.Serializer):
    """A plan's shape, for the schema and as the reference InstalmentPlansField renders."""

    plan = serializers.ChoiceField(choices=PLANS, read_only=True)
    instalments = serializers.IntegerField(
        source="count", read_only=True, help_text="How many payments a year: 1, 4 or 12."
    )
    first_instalment = PartsSerializer(
        source="first",
        read_only=True,
        help_text="Paid when the quote is paid; it carries the rounding remainder.",
    )
    later_instalments = PartsSerializer(
        source="later", read_only=True, help_text="Each of the others (as the first if none)."
    )
    total = PartsSerializer(
        read_only=True,
        help_text="The instalments added up, part by part: the premium, plus the instalment fees.",
    )


_PARTS = ("premium", *PART_NAMES)
_CENT = Decimal("0.01")


def _amounts(parts) -> dict:
    # As MoneyField renders a Decimal (two places, DRF's half-even), without its context copy.
    return {
        name: format(getattr(parts, name).quantize(_CENT, ROUND_HALF_EVEN), "f") for name in _PARTS
    }


@extend_schema_field(InstalmentPlanSerializer(many=True))
class InstalmentPlansField(serializers.Field):
    """A quote's plans as InstalmentPlanSerializer renders them, by a plain function: a page
    of 20 quotes holds 60 plans of 15 amounts, and rendering them field by field took three
    times as long (quotes/tests/test_instalment_plans.py compares the two)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, plans):
        return [
            {
                "plan": plan.plan,
                "instalments": plan.count,
                "first_instalment": _amounts(plan.first),
                "later_instalments": _amounts(plan.later),
                "total": _amounts(plan.total),
            }
            for plan in plans
        ]


class QuoteSerializer(OutputSerializer):
    id = serializers.IntegerField(read_only=True)
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    type = serializers.CharField(source="product.code", read_only=True, help_text="Product code.")
    product = serializers.IntegerField(source="product_id", read_only=True)
    cover = money_output()
    premium = money_output(help_text="What the customer pays: net_premium + tax + fees.")
    net_premium = money_output(help_text="Band rate x cover, at least the minimum premium.")
    tax = money_output(help_text="At the product's tax rate, on the net premium.")
    fees = money_output(help_text="The product's policy fee.")
    commission = money_output(
        help_text="The partner's share of the premium, on the net premium (not on top of it)."
    )
    currency = serializers.CharField(read_only=True)
    age_band = serializers.CharField(read_only=True)
    rated_age = serializers.IntegerField(read_only=True)
    rate_version = serializers.IntegerField(
        source="rate_version.number",
        read_only=True,
        help_text="The number of the product's rate version that priced it.",
    )
    disclosed_at = UTCDateTimeField(
        allow_null=True,
        help_text="When the customer was given its product information document, as sent "
        "on accepting (`disclosure`).",
    )
    instalment_plans = InstalmentPlansField(
        help_text="What the premium comes to by each plan the product allows, annual first.",
    )
    valid_until = UTCDateTimeField()
    state = serializers.ChoiceField(
        source="current_state",
        choices=Quote.State.choices,
        read_only=True,
        help_text="An open quote past `valid_until` reads as expired.",
    )
    partner_reference = serializers.CharField(read_only=True, help_text=PARTNER_REFERENCE_HELP)
    metadata = MetadataField(read_only=True, help_text=METADATA_HELP)
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()


CODE_MAX_LENGTH = Product._meta.get_field("code").max_length


@extend_schema_field(
    {"type": "string", "maxLength": CODE_MAX_LENGTH, "example": "personal-accident"}
)
class ProductCodeField(serializers.SlugRelatedField):
    """An active product named by its code, e.g. personal-accident."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Product.objects.active(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > CODE_MAX_LENGTH:
            self.fail("invalid")
        return super().to_internal_value(data)


class QuoteCreateInputSerializer(StrictInputSerializer):
    customer = ScopedPrimaryKeyRelatedField(
        partner_path="partner",
        queryset=Customer.objects.select_related("partner"),  # the quote's owner
        pk_field=id_field(),
        help_text="Customer id.",
    )
    policy = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.active(),
        pk_field=id_field(),
        required=False,
        help_text="Product id; or send `type` instead.",
    )
    type = ProductCodeField(
        required=False, help_text="Product code, e.g. personal-accident; or send `policy` instead."
    )
    cover = money_input(required=False, help_text="Defaults to the product's default cover.")
    age_band = StrictCharField(
        required=False, max_length=7, help_text='If sent, must equal the computed band ("18-29").'
    )
    quoted_premium = money_input(
        required=False,
        help_text="The price the client showed; a different server price is refused with 409.",
    )
    partner_reference = StrictCharField(
        required=False,
        max_length=Quote._meta.get_field("partner_reference").max_length,
        help_text=PARTNER_REFERENCE_HELP,
    )
    metadata = MetadataField(required=False, help_text=METADATA_HELP)

    def validate(self, attrs):
        by_id, by_code = attrs.pop("policy", None), attrs.pop("type", None)
        if by_id is None and by_code is None:
            raise serializers.ValidationError(
                {"type": ["Name the product by `type` (its code) or `policy` (its id)."]}
            )
        if by_id is not None and by_code is not None and by_id != by_code:
            raise serializers.ValidationError(
                {"type": ["`type` and `policy` name different products."]}
            )
        attrs["product"] = by_id or by_code
        return attrs


class QuoteRestatementSerializer(StrictInputSerializer):
    """Optional: fields that restate the quote, which must agree with it."""

    type = StrictCharField(required=False, max_length=CODE_MAX_LENGTH, help_text="Product code.")
    premium = MoneyField(required=False)
    cover = MoneyField(required=False)
    customer = id_field(required=False, help_text="Customer id.")
    state = StrictCharField(
        required=False, max_length=32, help_text="Accepted for compatibility; ignored."
    )
    is_accepted = StrictBooleanField(
        required=False, help_text="Accepted for compatibility; ignored on accept."
    )


DISCLOSURE_HELP = (
    "The id of the product information document the customer was given, as "
    '"personal-accident.v1": the one of the rate version that priced the quote. Recorded with '
    "the time; required by products with `disclosure_required`."
)


def disclosure_input() -> StrictCharField:
    return StrictCharField(required=False, max_length=64, help_text=DISCLOSURE_HELP)


class QuoteAcceptInputSerializer(QuoteRestatementSerializer):
    disclosure = disclosure_input()


class QuoteDeclineInputSerializer(StrictInputSerializer):
    reason = StrictCharField(
        required=False, max_length=REASON_MAX_LENGTH, help_text="Why the customer said no."
    )


class OfferInputSerializer(StrictInputSerializer):
    customer = ScopedPrimaryKeyRelatedField(
        partner_path="partner",
        queryset=Customer.objects.select_related("partner"),  # the quote's owner
        pk_field=id_field(),
        help_text="Customer id.",
    )
    cover = money_input(
        required=False, help_text="For every product; each one's default if not sent."
    )
    metadata = MetadataField(required=False, help_text="Your own data, on every quote made.")


class UnavailableSerializer(OutputSerializer):
    type = serializers.CharField(read_only=True, help_text="Product code.")
    code = serializers.ChoiceField(choices=UNAVAILABLE_CODES, read_only=True)
    detail = serializers.CharField(read_only=True)


class OfferSerializer(OutputSerializer):
    customer = serializers.IntegerField(read_only=True)
    quotes = QuoteSerializer(
        many=True, read_only=True, help_text="A quote for each product that can cover the customer."
    )
    unavailable = UnavailableSerializer(many=True, read_only=True)


class DocumentInputSerializer(StrictInputSerializer):
    disposition = serializers.ChoiceField(
        choices=[("attachment", "attachment"), ("inline", "inline")],
        default="attachment",
        help_text="`attachment` (a download, the default) or `inline` (shown by a browser).",
    )


class IpidInputSerializer(DocumentInputSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=32767,
        help_text="A rate version's number; the one in force today if not sent.",
    )
