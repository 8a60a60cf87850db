"""The published client contracts' endpoints that issue policies or read across apps, as thin
adapters onto the same services as the resources (myproject/urls.py lists their routes):

- `PUT quotes/<id>/update/` pays a quote, restating it (the seed README's);
- `GET search` finds customers, also by the products they hold policies of, which only this
  app knows (the seed README's);
- `POST quote/` creates, accepts or pays a quote, as its body says (the assessment's).
"""

from drf_spectacular.utils import (
    OpenApiExample,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.access import (
    PartnerScopedMixin,
    ScopedPrimaryKeyRelatedField,
    acting_user,
    require_scope,
)
from customers.filters import CustomerFilter
from customers.models import Customer
from customers.views import CustomerViewSet
from myproject.http.fields import StrictBooleanField, StrictInputSerializer, id_field
from myproject.idempotency import idempotent
from myproject.schema import TRANSITION_CONFLICT
from quotes import services as quote_services
from quotes.filters import ProductCodeFilter
from quotes.models import Quote
from quotes.serializers import (
    ProductCodeField,
    QuoteRestatementSerializer,
    QuoteSerializer,
    disclosure_input,
    money_input,
)

from . import services
from .models import Policy
from .serializers import PaymentInputSerializer, PolicySerializer

# PUT quotes/<id>/update/


class PaymentByUpdateInputSerializer(QuoteRestatementSerializer, PaymentInputSerializer):
    """The accept body with `is_accepted: true`, and optionally how to pay."""

    is_accepted = StrictBooleanField(help_text="Must be true: the customer pays.")

    def validate_is_accepted(self, value):
        if value is not True:
            raise serializers.ValidationError("Must be true to pay for the quote.")
        return value


class PaymentByUpdateViewSet(PartnerScopedMixin, viewsets.GenericViewSet):
    write_scope = "payments:write"
    partner_path = "partner"
    queryset = Quote.objects.all()
    serializer_class = PolicySerializer
    filter_backends = []

    @extend_schema(
        summary="Pay an accepted quote (seed contract)",
        description=(
            'The accept body with `"is_accepted": true`; `type`, `premium`, `cover` and '
            "`customer`, if sent, must match the quote. Same result as `pay`."
        ),
        request=PaymentByUpdateInputSerializer,
        examples=[OpenApiExample("Pay", request_only=True, value={"is_accepted": True})],
        responses={200: PolicySerializer, 409: TRANSITION_CONFLICT},
    )
    @idempotent
    def update(self, request, pk=None):
        quote = self.get_object()
        params = PaymentByUpdateInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        policy = services.policy_issue(
            quote_id=quote.pk,
            payment_method=params.validated_data["payment_method"],
            amount=params.validated_data.get("amount"),
            restated=params.validated_data,
            by=acting_user(request),
        )
        return Response(PolicySerializer(policy).data)


# GET search


class CustomerSearchFilter(CustomerFilter):
    policy_type = ProductCodeFilter(
        method="filter_policy_type", label="Customers holding a policy of this product code."
    )

    class Meta(CustomerFilter.Meta):
        fields = [*CustomerFilter.Meta.fields, "policy_type"]

    def filter_policy_type(self, queryset, name, value):
        # A subquery, not a join: each customer appears once however many policies they hold.
        holders = Policy.objects.filter(product=value).values("customer_id")
        return queryset.filter(pk__in=holders)


@extend_schema_view(
    list=extend_schema(
        summary="Search customers",
        description="Filters combine with AND; name filters are case-insensitive substrings.",
    )
)
class CustomerSearchViewSet(CustomerViewSet):
    filterset_class = CustomerSearchFilter


# POST quote/


class QuoteCommandCreateSerializer(StrictInputSerializer):
    customer_id = ScopedPrimaryKeyRelatedField(
        partner_path="partner",
        queryset=Customer.objects.all(),
        pk_field=id_field(),
        help_text="Customer id.",
    )
    type = ProductCodeField(help_text="Product code.")
    cover = money_input(required=False, help_text="Defaults to the product's default cover.")


class QuoteCommandStatusSerializer(StrictInputSerializer):
    quote_id = ScopedPrimaryKeyRelatedField(
        partner_path="partner",
        queryset=Quote.objects.all(),
        pk_field=id_field(),
        help_text="Quote id.",
    )
    status = serializers.ChoiceField(
        choices=[("accepted", "accepted"), ("active", "active")],
        help_text="`accepted` accepts the quote; `active` pays it and issues the policy.",
    )
    disclosure = disclosure_input()

    def validate(self, attrs):
        if "disclosure" in attrs and attrs["status"] != "accepted":
            raise serializers.ValidationError(
                {"disclosure": ["Sent when the quote is accepted (`status`: `accepted`)."]}
            )
        return attrs


QuoteOrPolicy = PolymorphicProxySerializer(
    component_name="QuoteOrPolicy",
    serializers=[QuoteSerializer, PolicySerializer],
    resource_type_field_name=None,
)


class QuoteCommandView(APIView):
    write_scope = None  # creating and accepting need quotes:write, paying payments:write

    @extend_schema(
        summary="Create, accept or pay a quote (assessment contract)",
        description=(
            '`{"customer_id", "type", "cover"?}` creates a quote (201); '
            '`{"quote_id", "status": "accepted"}` accepts it (200, the quote); '
            '`{"quote_id", "status": "active"}` pays it (200, the issued policy).'
        ),
        request=PolymorphicProxySerializer(
            component_name="QuoteCommandRequest",
            serializers=[QuoteCommandCreateSerializer, QuoteCommandStatusSerializer],
            resource_type_field_name=None,
        ),
        examples=[
            OpenApiExample(
                "1. Create",
                request_only=True,
                value={"customer_id": 1, "type": "personal-accident"},
            ),
            OpenApiExample(
                "2. Accept", request_only=True, value={"quote_id": 1, "status": "accepted"}
            ),
            OpenApiExample("3. Pay", request_only=True, value={"quote_id": 1, "status": "active"}),
        ],
        responses={201: QuoteSerializer, 200: QuoteOrPolicy, 409: TRANSITION_CONFLICT},
    )
    @idempotent
    def post(self, request):
        by = acting_user(request)
        if "quote_id" not in request.data and "status" not in request.data:
            require_scope(request, "quotes:write")
            params = QuoteCommandCreateSerializer(data=request.data, context={"request": request})
            params.is_valid(raise_exception=True)
            quote = quote_services.quote_create(
                customer=params.validated_data["customer_id"],
                product=params.validated_data["type"],
                cover=params.validated_data.get("cover"),
                by=by,
            )
            return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)
        params = QuoteCommandStatusSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        quote = params.validated_data["quote_id"]
        if params.validated_data["status"] == "accepted":
            require_scope(request, "quotes:write")
            quote = quote_services.quote_accept(
                quote_id=quote.pk, by=by, disclosure=params.validated_data.get("disclosure")
            )
            return Response(QuoteSerializer(quote).data)
        require_scope(request, "payments:write")
        policy = services.policy_issue(quote_id=quote.pk, by=by)
        return Response(PolicySerializer(policy).data)
