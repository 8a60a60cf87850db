from django.db.models import Prefetch
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.access import PartnerScopedMixin, acting_user
from customers.views import CustomerViewSet
from myproject.idempotency import idempotent
from myproject.schema import CONFLICT
from quotes import services as quote_services
from quotes.models import Quote
from quotes.serializers import QuoteSerializer

from . import services
from .filters import CustomerSearchFilter, PolicyFilter
from .models import Payment, Policy
from .selectors import policy_history
from .serializers import (
    AssessmentCreateSerializer,
    AssessmentStatusSerializer,
    CancelInputSerializer,
    HistoryEntrySerializer,
    LegacyPaymentInputSerializer,
    PaymentInputSerializer,
    PolicySerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="Search customers",
        description="Filters combine with AND; name filters are case-insensitive substrings.",
    )
)
class CustomerSearchViewSet(CustomerViewSet):
    filterset_class = CustomerSearchFilter


@extend_schema_view(
    list=extend_schema(summary="List policies"),
    retrieve=extend_schema(summary="Read a policy with its customer and payment"),
)
class PolicyViewSet(PartnerScopedMixin, viewsets.ReadOnlyModelViewSet):
    partner_path = "customer__partner"
    queryset = (
        Policy.objects.select_related("customer", "product")
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("id")))
        .order_by("quote")
    )
    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    lookup_url_kwarg = "id"  # the policy's primary key is its quote; clients just see an id

    def get_queryset(self):
        return super().get_queryset().with_current_state()

    @extend_schema(
        summary="Read a policy's state history",
        description=(
            "The contract's states oldest first (quoted, accepted, active, ...), each with "
            "when it happened and who made the change."
        ),
        responses={200: HistoryEntrySerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, **kwargs):
        policy = self.get_object()
        return Response(
            HistoryEntrySerializer(policy_history(policy, viewer=request.user), many=True).data
        )

    @extend_schema(
        summary="Cancel a policy",
        description=(
            "Cover stops on `effective_date` (today by default; within the policy's term and "
            "not before today). A later date schedules the cancellation: the policy stays "
            "active until then and shows `cancels_on`. Asked for and taking effect within the "
            "product's cooling-off period (`cooling_off_days` from the start), the whole "
            "premium is refunded; otherwise the unused days pro rata. The refund is paid at "
            "once and appears as `refund`; a pending invoice is cancelled instead, refunding "
            "nothing. An open renewal quote is declined. A cancelled or expired policy, or one "
            "with a cancellation already scheduled, gives 409."
        ),
        request=CancelInputSerializer,
        responses={200: PolicySerializer, 409: CONFLICT},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def cancel(self, request, **kwargs):
        policy = self.get_object()
        params = CancelInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        policy = services.policy_cancel(
            policy_id=policy.pk, **params.validated_data, by=acting_user(request)
        )
        return Response(rendered_policy(policy))

    @extend_schema(
        summary="Quote the renewal of a policy",
        description=(
            "From 30 days before the end date, quotes next year's cover at the customer's age "
            "on the day after this policy ends; paying that quote issues the next policy from "
            "that day. Too early, an ended policy, or an open renewal quote gives 409."
        ),
        request=None,
        responses={201: QuoteSerializer, 409: CONFLICT},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def renew(self, request, **kwargs):
        policy = self.get_object()
        quote = services.policy_renew(policy_id=policy.pk, by=acting_user(request))
        return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)


def rendered_policy(policy: Policy) -> dict:
    policy = PolicyViewSet.queryset.with_current_state().get(pk=policy.pk)
    return PolicySerializer(policy).data


class QuotePaymentViewSet(PartnerScopedMixin, viewsets.GenericViewSet):
    """Paying a quote issues its policy, so these quote routes live with policies."""

    partner_path = "customer__partner"
    queryset = Quote.objects.all()
    serializer_class = PolicySerializer
    filter_backends = []

    @extend_schema(
        summary="Pay an accepted quote and issue its policy",
        request=PaymentInputSerializer,
        responses={200: PolicySerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def pay(self, request, pk=None):
        quote = self.get_object()
        params = PaymentInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        policy = services.policy_issue(
            quote_id=quote.pk, **params.validated_data, by=acting_user(request)
        )
        return Response(rendered_policy(policy))

    @extend_schema(
        summary="Pay an accepted quote (seed contract)",
        description=(
            'The accept body with `"is_accepted": true`; `type`, `premium`, `cover` and '
            "`customer`, if sent, must match the quote. Same result as `pay`."
        ),
        request=LegacyPaymentInputSerializer,
        responses={200: PolicySerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["put"], url_path="update", url_name="update")
    @idempotent
    def legacy_pay(self, request, pk=None):
        quote = self.get_object()
        params = LegacyPaymentInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        policy = services.policy_issue(
            quote_id=quote.pk,
            payment_method=params.validated_data["payment_method"],
            amount=params.validated_data.get("amount"),
            restated=params.restated(),
            by=acting_user(request),
        )
        return Response(rendered_policy(policy))


QuoteOrPolicy = PolymorphicProxySerializer(
    component_name="QuoteOrPolicy",
    serializers=[QuoteSerializer, PolicySerializer],
    resource_type_field_name=None,
)


class AssessmentQuoteView(APIView):
    """The assessment's single endpoint: create, accept or pay, chosen by the body."""

    @extend_schema(
        summary="Create, accept or pay a quote (assessment contract)",
        description=(
            '`{"customer_id", "type", "cover"?}` creates a quote (201); '
            '`{"quote_id", "status": "accepted"}` accepts it (200, the quote); '
            '`{"quote_id", "status": "active"}` pays it (200, the issued policy).'
        ),
        request=PolymorphicProxySerializer(
            component_name="AssessmentQuoteRequest",
            serializers=[AssessmentCreateSerializer, AssessmentStatusSerializer],
            resource_type_field_name=None,
        ),
        responses={201: QuoteSerializer, 200: QuoteOrPolicy, 409: CONFLICT},
    )
    @idempotent
    def post(self, request):
        by = acting_user(request)
        if "quote_id" not in request.data and "status" not in request.data:
            params = AssessmentCreateSerializer(data=request.data, context={"request": request})
            params.is_valid(raise_exception=True)
            quote = quote_services.quote_create(
                customer=params.validated_data["customer_id"],
                product=params.validated_data["type"],
                cover=params.validated_data.get("cover"),
                by=by,
            )
            return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)
        params = AssessmentStatusSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        quote = params.validated_data["quote_id"]
        if params.validated_data["status"] == "accepted":
            quote = quote_services.quote_accept(quote_id=quote.pk, by=by)
            return Response(QuoteSerializer(quote).data)
        policy = services.policy_issue(quote_id=quote.pk, by=by)
        return Response(rendered_policy(policy))
