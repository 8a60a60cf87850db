from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from customers.access import PartnerScopedMixin, acting_user
from myproject.http.fields import ID_PATH_PATTERN
from myproject.idempotency import idempotent
from myproject.replicas import ReplicaListMixin
from myproject.schema import TRANSITION_CONFLICT, conflict

from . import services
from .filters import QuoteFilter
from .models import AgeBand, Product, Quote
from .serializers import (
    OfferInputSerializer,
    OfferSerializer,
    ProductSerializer,
    QuoteCreateInputSerializer,
    QuoteDeclineInputSerializer,
    QuoteRestatementSerializer,
    QuoteSerializer,
    money_output,
)

# premium_mismatch tells the price the server would charge now; reference_exists names the
# quote that has the reference.
PRICE_CONFLICT = conflict(
    "PriceProblem",
    premium=money_output(required=False, help_text="With premium_mismatch: the current premium."),
    currency=serializers.CharField(required=False, help_text="With premium_mismatch."),
    id=serializers.IntegerField(
        required=False, help_text="With reference_exists: the quote that has the reference."
    ),
)


@extend_schema_view(
    list=extend_schema(summary="List the product catalogue"),
    retrieve=extend_schema(summary="Read a product with its age bands"),
)
class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATH_PATTERN
    queryset = Product.objects.active().prefetch_related(
        Prefetch("bands", queryset=AgeBand.objects.order_by("min_age"))
    )
    serializer_class = ProductSerializer
    filter_backends = []


@extend_schema_view(
    list=extend_schema(summary="List quotes", description="Newest last; filter and paginate."),
    retrieve=extend_schema(summary="Read a quote"),
)
class QuoteViewSet(
    ReplicaListMixin,
    PartnerScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    write_scope = "quotes:write"
    partner_path = "partner"
    # Each quote's current state is computed as it is rendered (Stateful.current_state): an
    # annotation would cost every read its SQL compiled, for the same answer.
    queryset = Quote.objects.select_related("product").order_by("id")
    read_by_key = {"retrieve": ("product",)}
    serializer_class = QuoteSerializer
    filterset_class = QuoteFilter

    @extend_schema(
        summary="Price a quote",
        description=(
            "Prices cover for the customer's age today. Name the product with `type` (code) "
            "or `policy` (id). Send `quoted_premium` to be told (409 `premium_mismatch`, with "
            "the current `premium`) if the price you showed is out of date. "
            "`partner_reference` (yours, unique among your quotes; a second use is a 409 "
            "`reference_exists` with the `id` of the quote that has it) and `metadata` (up to "
            "20 string keys and values) go with the quote to its policy and events."
        ),
        request=QuoteCreateInputSerializer,
        examples=[
            OpenApiExample(
                "Personal accident for customer 1",
                request_only=True,
                value={"customer": 1, "type": "personal-accident", "cover": "50000.00"},
            ),
            OpenApiExample(
                "With your reference and metadata",
                request_only=True,
                value={
                    "customer": 1,
                    "type": "personal-accident",
                    "partner_reference": "ORDER-1042",
                    "metadata": {"channel": "checkout"},
                },
            ),
        ],
        responses={201: QuoteSerializer, 409: PRICE_CONFLICT},
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        params = QuoteCreateInputSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        quote = services.quote_create(**params.validated_data, by=acting_user(request))
        return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept a quote",
        description=(
            "The customer accepts the offer. The body is optional; `type`, `premium`, `cover` "
            "and `customer`, if sent, must match the quote (else 409 `quote_mismatch`). "
            "A quote that is not `quoted`, or has expired, gives 409."
        ),
        request=QuoteRestatementSerializer,
        examples=[OpenApiExample("No body needed", request_only=True, value={})],
        responses={200: QuoteSerializer, 409: TRANSITION_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        params = QuoteRestatementSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        # The service finds the quote as the caller may see it (404 otherwise).
        quote = services.quote_accept(
            quote_id=int(pk), by=acting_user(request), restated=params.validated_data
        )
        return Response(QuoteSerializer(quote).data)

    @extend_schema(
        summary="Decline a quote",
        description="The customer says no. A quoted or accepted quote becomes declined; "
        "a paid, declined or expired one gives 409.",
        request=QuoteDeclineInputSerializer,
        examples=[
            OpenApiExample("Too expensive", request_only=True, value={"reason": "too expensive"})
        ],
        responses={200: QuoteSerializer, 409: TRANSITION_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def decline(self, request, pk=None):
        params = QuoteDeclineInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        quote = services.quote_decline(
            quote_id=int(pk), by=acting_user(request), reason=params.validated_data.get("reason")
        )
        return Response(QuoteSerializer(quote).data)


class OfferViewSet(viewsets.GenericViewSet):
    write_scope = "quotes:write"
    serializer_class = OfferSerializer
    filter_backends = []

    @extend_schema(
        summary="Offer every product to a customer",
        description=(
            "Prices every active product for the customer in one call: a stored quote (state "
            "`quoted`) for each product that can cover them, ready to accept and pay, and in "
            "`unavailable` each product that cannot, with why (`age_out_of_range`, "
            "`cover_out_of_range`). `cover` applies to every product; each product's default "
            "cover if not sent."
        ),
        request=OfferInputSerializer,
        examples=[
            OpenApiExample("Everything for customer 1", request_only=True, value={"customer": 1})
        ],
        responses={201: OfferSerializer},
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        params = OfferInputSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        customer = params.validated_data["customer"]
        quotes, unavailable = services.offer_create(
            customer=customer,
            cover=params.validated_data.get("cover"),
            metadata=params.validated_data.get("metadata"),
            by=acting_user(request),
        )
        offer = {"customer": customer.pk, "quotes": quotes, "unavailable": unavailable}
        return Response(OfferSerializer(offer).data, status=status.HTTP_201_CREATED)
