from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.access import PartnerScopedMixin, acting_user, visible_to
from myproject.idempotency import idempotent
from myproject.replicas import ReplicaListMixin
from myproject.schema import TRANSITION_CONFLICT, conflict, state_field
from quotes.models import Quote
from quotes.serializers import DocumentInputSerializer, QuoteSerializer

from . import bordereau, services
from .documents import policy_document
from .filters import InstalmentFilter, PolicyFilter
from .models import Instalment, Policy
from .selectors import (
    policies_for_reading,
    policy_history,
    ready_to_render,
)
from .serializers import (
    BordereauInputSerializer,
    CancelInputSerializer,
    CancellationPreviewInputSerializer,
    CancellationPreviewSerializer,
    EndorseInputSerializer,
    EndorsementPreviewSerializer,
    HistoryEntrySerializer,
    InstalmentFailureInputSerializer,
    InstalmentPaymentInputSerializer,
    InstalmentSerializer,
    PaymentInputSerializer,
    PolicySerializer,
    ReinstateInputSerializer,
)

# A renewal asked too early says from when; one asked twice names the open renewal quote.
RENEWAL_CONFLICT = conflict(
    "RenewalProblem",
    state=state_field(),
    renewable_from=serializers.CharField(
        required=False, help_text="With renewal_too_early: the first day (DD-MM-YYYY)."
    ),
    quote=serializers.IntegerField(
        required=False, help_text="With already_renewed: the renewal quote."
    ),
)


@extend_schema_view(
    list=extend_schema(summary="List policies"),
    retrieve=extend_schema(summary="Read a policy with its customer and payment"),
)
class PolicyViewSet(ReplicaListMixin, PartnerScopedMixin, viewsets.ReadOnlyModelViewSet):
    write_scope = "policies:write"
    scopes = {"reinstate": "payments:write"}  # it takes the arrears
    partner_path = "partner"
    queryset = Policy.objects.all()
    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    lookup_url_kwarg = "id"  # the policy's primary key is its quote; clients just see an id
    # What each read by id uses besides the policy; those that render it or price from its
    # payments get them attached too (`ready_to_render`).
    read_by_key = {
        "retrieve": ("customer", "product", "rate_version"),
        "history": (),
        "document": ("customer", "product", "rate_version", "partner"),
        "cancel_preview": ("product",),
        "endorse_preview": ("product", "rate_version", "quote"),
    }
    read_ready = ("retrieve", "document", "cancel_preview", "endorse_preview")

    def get_queryset(self):
        # Lists render policies; the other actions only find one, for its id.
        if self.action == "list":
            queryset = policies_for_reading()
        else:
            queryset = Policy.objects.all()
        return visible_to(queryset, self.request.user, self.partner_path)

    def get_object(self):
        policy = super().get_object()
        if self.action in self.read_ready:
            ready_to_render([policy])
        return policy

    def paginate_queryset(self, queryset):
        return ready_to_render(super().paginate_queryset(queryset))

    @extend_schema(
        summary="Read a policy's state history",
        description=(
            "The contract's states oldest first (quoted, accepted, active, ...), each with "
            "when it happened and who made the change. A change of cover appears as "
            "`endorsed` (the policy itself stays active), its reason saying what changed."
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
            "policy's cooling-off period (its `cooling_off_days` from the start), the whole "
            "premium is refunded, fees included; otherwise the net premium and tax of the "
            "unused days pro rata, and fees are kept. The partner's commission is clawed back "
            "in the same proportion. `GET cancellation-quote` tells the same refund "
            "beforehand. The refund is paid at "
            "once and appears as `refund`; a pending invoice is cancelled instead, refunding "
            "nothing. An open renewal quote is declined. A cancelled or expired policy, or one "
            "with a cancellation already scheduled, gives 409."
        ),
        request=CancelInputSerializer,
        examples=[
            OpenApiExample(
                "Today, at the customer's request",
                request_only=True,
                value={"reason": "customer_request"},
            )
        ],
        responses={200: PolicySerializer, 409: TRANSITION_CONFLICT},
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
        return Response(PolicySerializer(policy).data)

    @extend_schema(
        summary="The policy schedule (PDF)",
        description=(
            "The customer's document of the policy as it reads now: number, policyholder and "
            "date of birth, product, insurer, the partner that sold it, issue date, cover, the "
            "premium and its parts, term, payments, any cancellation and changes of cover, "
            "and a verification code the insurer checks. Made on request and kept until "
            "anything it says changes. Sent as a download named `<policy number>.pdf`; "
            "`?disposition=inline` asks a browser to show it instead."
        ),
        parameters=[DocumentInputSerializer],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def document(self, request, **kwargs):
        policy = self.get_object()
        params = DocumentInputSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        disposition = params.validated_data["disposition"]
        return HttpResponse(
            policy_document(policy),
            content_type="application/pdf",
            headers={"Content-Disposition": f'{disposition}; filename="{policy.number}.pdf"'},
        )

    def perform_content_negotiation(self, request, force=False):
        # A client asking for the document may send `Accept: application/pdf`; its errors are
        # still the problem JSON every route answers with.
        return super().perform_content_negotiation(
            request, force=force or self.action == "document"
        )

    @extend_schema(
        summary="What cancelling would refund",
        description=(
            "Answers, changing nothing, what `cancel` would refund on `effective_date` (today "
            "by default) if asked now: the refund is the sum of its parts' net premium, tax "
            "and fees; the commission clawback is the partner's, not the customer's. Gives "
            "409 where `cancel` would be refused, and 400 on a date it would refuse."
        ),
        parameters=[CancellationPreviewInputSerializer],
        responses={200: CancellationPreviewSerializer, 409: TRANSITION_CONFLICT},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="cancellation-quote",
        pagination_class=None,
        filter_backends=[],
    )
    def cancel_preview(self, request, **kwargs):
        policy = self.get_object()
        params = CancellationPreviewInputSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        quote = services.policy_cancel_preview(
            policy=policy, **params.validated_data, by=acting_user(request)
        )
        return Response(CancellationPreviewSerializer(quote).data)

    @extend_schema(
        summary="Change a policy's cover (endorse)",
        description=(
            "Changes an active policy's cover from `effective_date` (today by default; within "
            "the term, not before today), priced at the product's current rates for the age "
            "band the policy was rated in. The difference between the new and old annual "
            "premium parts, for the days from the effective date to the end date over the days "
            "of the term, is charged (or refunded, when cover goes down) at once by the "
            "policy's payment method and listed in `payments`; the change is listed in "
            "`endorsements` and in the history as `endorsed`. The policy fee is not charged "
            "again. A change takes effect on or after the day of the policy's last change. A "
            "cancelled or expired policy, one with a cancellation ahead or an unpaid "
            "invoice gives 409; a cover outside the product's limits, or the same cover, 400."
        ),
        request=EndorseInputSerializer,
        examples=[
            OpenApiExample("More cover from today", request_only=True, value={"cover": "75000.00"})
        ],
        responses={200: PolicySerializer, 409: TRANSITION_CONFLICT},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def endorse(self, request, **kwargs):
        policy = self.get_object()
        params = EndorseInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        policy = services.policy_endorse(
            policy_id=policy.pk, **params.validated_data, by=acting_user(request)
        )
        return Response(PolicySerializer(policy).data)

    @extend_schema(
        summary="What a change of cover would cost",
        description=(
            "Prices `endorse` with the same `cover` and `effective_date`, changing nothing: "
            "the annual parts before and after, and the change for the rest of the term."
        ),
        parameters=[EndorseInputSerializer],
        responses={200: EndorsementPreviewSerializer, 409: TRANSITION_CONFLICT},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="endorsement-quote",
        pagination_class=None,
        filter_backends=[],
    )
    def endorse_preview(self, request, **kwargs):
        policy = self.get_object()
        params = EndorseInputSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        quote = services.policy_endorse_preview(policy=policy, **params.validated_data)
        return Response(EndorsementPreviewSerializer(quote).data)

    @extend_schema(
        summary="Reinstate a lapsed policy",
        description=(
            "Within the product's `reinstatement_days` of a lapse for non-payment (the "
            "policy's `lapsed_on`), takes the arrears (the instalments due by today, and any "
            "refund the lapse made) as collected by the partner and restores the policy with "
            "no gap in cover: the history shows `reinstated`, the later instalments fall due "
            "as scheduled. A policy whose grace has just ended is lapsed and reinstated at "
            "once. Not lapsed, or after the window (or the term), gives 409."
        ),
        request=ReinstateInputSerializer,
        examples=[OpenApiExample("Arrears by card", request_only=True, value={})],
        responses={200: PolicySerializer, 409: TRANSITION_CONFLICT},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def reinstate(self, request, **kwargs):
        policy = self.get_object()
        params = ReinstateInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        policy = services.policy_reinstate(
            policy_id=policy.pk, **params.validated_data, by=acting_user(request)
        )
        return Response(PolicySerializer(policy).data)

    @extend_schema(
        summary="Quote the renewal of a policy",
        description=(
            f"From {services.RENEWAL_WINDOW_DAYS} days before the end date, quotes next year's "
            "cover at the customer's age "
            "on the day after this policy ends; paying that quote issues the next policy from "
            "that day. Too early, an ended policy, or an open renewal quote gives 409."
        ),
        request=None,
        responses={201: QuoteSerializer, 409: RENEWAL_CONFLICT},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def renew(self, request, **kwargs):
        policy = self.get_object()
        quote = services.policy_renew(policy_id=policy.pk, by=acting_user(request))
        return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)


class QuotePaymentViewSet(PartnerScopedMixin, viewsets.GenericViewSet):
    # Paying a quote issues its policy, so this quote route is served by policies.

    write_scope = "payments:write"
    partner_path = "partner"
    queryset = Quote.objects.all()
    serializer_class = PolicySerializer
    filter_backends = []

    @extend_schema(
        summary="Pay an accepted quote and issue its policy",
        request=PaymentInputSerializer,
        description=(
            "Takes payment for an accepted quote and issues its policy. With `plan` (one of "
            "the quote's `instalment_plans`), only the first instalment is paid now, by card; "
            "the rest are listed on the policy and at `instalments/`, each reported with "
            "`instalments/<id>/pay/` as the partner collects it."
        ),
        examples=[
            OpenApiExample("By card", request_only=True, value={"payment_method": "card"}),
            OpenApiExample("Monthly", request_only=True, value={"plan": "monthly"}),
        ],
        responses={200: PolicySerializer, 409: TRANSITION_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def pay(self, request, pk=None):
        params = PaymentInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        # The service finds the quote as the caller may see it (404 otherwise).
        policy = services.policy_issue(
            quote_id=int(pk), **params.validated_data, by=acting_user(request)
        )
        return Response(PolicySerializer(policy).data)


@extend_schema_view(
    list=extend_schema(
        summary="List instalments",
        description=(
            "Your policies' instalments, oldest first; `?status=due&due_before=` finds what "
            "to collect. `due` from a few days before the due date until paid; a policy with "
            "one unpaid past its due date is `in_grace`, and lapses after the product's "
            "`grace_days`."
        ),
    ),
    retrieve=extend_schema(summary="Read an instalment"),
)
class InstalmentViewSet(PartnerScopedMixin, viewsets.ReadOnlyModelViewSet):
    write_scope = "payments:write"
    partner_path = "partner"
    queryset = Instalment.objects.select_related("payment").order_by("pk")
    serializer_class = InstalmentSerializer
    filterset_class = InstalmentFilter
    lookup_url_kwarg = "id"
    read_by_key = {}

    @extend_schema(
        summary="Report an instalment collected",
        description=(
            "Records that the partner collected the instalment (early too): a succeeded "
            "charge on the policy, and a policy in grace active again once nothing past due "
            "is owed. Paid twice, cancelled, or after grace ended (`policy_lapsed`: reinstate "
            "the policy instead) gives 409."
        ),
        request=InstalmentPaymentInputSerializer,
        examples=[OpenApiExample("By card", request_only=True, value={"payment_method": "card"})],
        responses={200: InstalmentSerializer, 409: TRANSITION_CONFLICT},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def pay(self, request, **kwargs):
        instalment = self.get_object()  # another partner's is not found, whatever the body
        params = InstalmentPaymentInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        instalment = services.instalment_pay(
            instalment_id=instalment.pk, **params.validated_data, by=acting_user(request)
        )
        return Response(InstalmentSerializer(instalment).data)

    @extend_schema(
        summary="Report a failed collection",
        description=(
            "Records a failed try with its reason (`instalment.failed` is sent); the "
            "instalment stays owed, and grace runs from its due date however many tries fail."
        ),
        request=InstalmentFailureInputSerializer,
        examples=[OpenApiExample("Declined", request_only=True, value={"reason": "card declined"})],
        responses={200: InstalmentSerializer, 409: TRANSITION_CONFLICT},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def fail(self, request, **kwargs):
        instalment = self.get_object()
        params = InstalmentFailureInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        instalment = services.instalment_fail(
            instalment_id=instalment.pk, **params.validated_data, by=acting_user(request)
        )
        return Response(InstalmentSerializer(instalment).data)


class BordereauView(APIView):
    # The insurer's report of a month's money: staff only, streamed.

    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        summary="The premium bordereau of a month (staff)",
        description=(
            "One line per money movement of the month (new business, instalment, "
            "endorsement, cancellation, lapse, reinstatement), signed (refunds negative), "
            "with policy number, policyholder, product, rate version, dates, gross, tax, "
            "fees, the partner's commission, the net to the insurer and currency; then the "
            "totals by currency, which are the month's payments, part by part. Sandbox "
            "partners' money is never in it. Streamed as CSV (cells safe from spreadsheet "
            "formulas) or JSON. `manage.py bordereau --month` writes the same."
        ),
        parameters=[BordereauInputSerializer],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
    )
    def get(self, request):
        params = BordereauInputSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        month, kind = params.validated_data["month"], params.validated_data["format"]
        name = f"bordereau-{month:%Y-%m}"
        if kind == "json":
            return StreamingHttpResponse(bordereau.as_json(month), content_type="application/json")
        response = StreamingHttpResponse(bordereau.as_csv(month), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response

    def perform_content_negotiation(self, request, force=False):
        # Its answer is CSV or JSON by `format`; its errors are the problem JSON.
        return super().perform_content_negotiation(request, force=True)
