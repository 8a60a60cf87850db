from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from customers.access import PartnerScopedMixin, acting_user
from myproject.idempotency import idempotent
from myproject.replicas import ReplicaListMixin
from myproject.schema import TRANSITION_CONFLICT, conflict

from . import services
from .documents import ipid_document
from .filters import QuoteFilter
from .models import AgeBand, Product, Quote, RateVersion
from .serializers import (
    IpidInputSerializer,
    OfferInputSerializer,
    OfferSerializer,
    ProductSerializer,
    QuoteAcceptInputSerializer,
    QuoteCreateInputSerializer,
    QuoteDeclineInputSerializer,
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


PRODUCT_KEY = OpenApiParameter(
    "id",
    str,
    OpenApiParameter.PATH,
    description="The product's code (as personal-accident) or its id.",
)


@extend_schema_view(
    list=extend_schema(
        summary="List the product catalogue",
        description="The products on sale today, each with the terms of its rate version in "
        "force today and the next one scheduled, if any.",
    ),
    retrieve=extend_schema(
        summary="Read a product with its age bands and rate versions",
        parameters=[PRODUCT_KEY],
    ),
)
class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"[0-9A-Za-z_-]{1,50}"  # a code (a slug) or an id
    serializer_class = ProductSerializer
    filter_backends = []

    def get_queryset(self):
        # On sale: active, with a rate version in force today.
        in_force = RateVersion.objects.filter(
            product=OuterRef("pk"), effective_from__lte=timezone.localdate()
        )
        bands = Prefetch("bands", queryset=AgeBand.objects.order_by("min_age"))
        versions = RateVersion.objects.order_by("effective_from").prefetch_related(bands)
        return (
            Product.objects.active()
            .filter(Exists(in_force))
            .prefetch_related(Prefetch("rate_versions", queryset=versions))
        )

    def get_object(self):
        key = self.kwargs["pk"]
        lookup = {"pk": int(key)} if key.isdigit() else {"code": key}
        return get_object_or_404(self.get_queryset(), **lookup)

    @extend_schema(
        summary="The product information document (PDF)",
        description=(
            "The standard pre-contract document of a rate version of the product (an IPID: "
            "what is and is not insured, cover limits and ages, how it is paid, when cover "
            "starts and ends, cooling-off and how to cancel, the insurer), at most two pages. "
            "Give it to the customer before they accept, then send its id (the product's "
            "`rate_version.document`, as personal-accident.v1; also the file's name) as "
            "`disclosure` when accepting. `?version=` asks for another version's; unknown, "
            "404. `?disposition=inline` asks a browser to show it."
        ),
        parameters=[PRODUCT_KEY, IpidInputSerializer],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="documents/ipid",
        pagination_class=None,
        filter_backends=[],
    )
    def ipid(self, request, **kwargs):
        product = self.get_object()
        params = IpidInputSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        number = params.validated_data.get("version")
        version = product.current_version if number is None else product.version_numbered(number)
        if version is None:
            raise Http404(f"{product.code} has no rate version {number}.")
        disposition = params.validated_data["disposition"]
        return HttpResponse(
            ipid_document(version),
            content_type="application/pdf",
            headers={"Content-Disposition": f'{disposition}; filename="{version.document_id}.pdf"'},
        )

    def perform_content_negotiation(self, request, force=False):
        # A client asking for the document may send `Accept: application/pdf`; its errors are
        # still the problem JSON every route answers with.
        return super().perform_content_negotiation(request, force=force or self.action == "ipid")


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
    queryset = Quote.objects.select_related("product", "rate_version").order_by("id")
    read_by_key = {"retrieve": ("product", "rate_version")}
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
            "A quote that is not `quoted`, or has expired, gives 409. `disclosure`: the id of "
            "the product information document the customer was given (that of the quote's "
            "`rate_version`), recorded with the time; products with `disclosure_required` "
            "refuse acceptance without it (400)."
        ),
        request=QuoteAcceptInputSerializer,
        examples=[
            OpenApiExample("No body needed", request_only=True, value={}),
            OpenApiExample(
                "With the document given",
                request_only=True,
                value={"disclosure": "personal-accident.v1"},
            ),
        ],
        responses={200: QuoteSerializer, 409: TRANSITION_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        params = QuoteAcceptInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        restated = dict(params.validated_data)
        disclosure = restated.pop("disclosure", None)
        # The service finds the quote as the caller may see it (404 otherwise).
        quote = services.quote_accept(
            quote_id=int(pk), by=acting_user(request), restated=restated, disclosure=disclosure
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
