from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from myproject.idempotency import idempotent
from myproject.replicas import ReplicaListMixin
from myproject.schema import ProblemSerializer, conflict

from . import clocks, services
from .access import PartnerScopedMixin, acting_user, partner_of
from .filters import CustomerFilter
from .models import Customer, TestClock
from .serializers import (
    CustomerInputSerializer,
    CustomerSerializer,
    CustomerUpdateInputSerializer,
    TestClockAdvanceInputSerializer,
    TestClockInputSerializer,
    TestClockSerializer,
)

BEN = {"first_name": "Ben", "last_name": "Stokes", "dob": "25-06-1991"}
# customer_exists names the customer that has the reference already.
CUSTOMER_CONFLICT = conflict(
    "CustomerProblem",
    id=serializers.IntegerField(required=False, help_text="With customer_exists: its id."),
)


@extend_schema_view(
    list=extend_schema(summary="List customers", description="Paginated, oldest first."),
    retrieve=extend_schema(summary="Read a customer"),
)
class CustomerViewSet(
    ReplicaListMixin,
    PartnerScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    write_scope = "customers:write"
    partner_path = "partner"
    queryset = Customer.objects.order_by("id")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter

    @extend_schema(
        summary="Change a customer",
        description="Names and your reference; the date of birth only while the customer has "
        "no quote (409 `customer_quoted`). A reference you already use elsewhere is a 409 "
        "`customer_exists`.",
        request=CustomerUpdateInputSerializer,
        examples=[
            OpenApiExample("A new reference", request_only=True, value={"external_ref": "C-1"})
        ],
        responses={200: CustomerSerializer, 409: CUSTOMER_CONFLICT},
    )
    @idempotent
    def partial_update(self, request, *args, **kwargs):
        customer = self.get_object()
        params = CustomerUpdateInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        customer = services.customer_update(
            customer_id=customer.pk, by=acting_user(request), **params.validated_data
        )
        return Response(CustomerSerializer(customer).data)

    @extend_schema(
        summary="Create a customer",
        request=CustomerInputSerializer,
        examples=[OpenApiExample("Ben Stokes", request_only=True, value=BEN)],
        responses={201: CustomerSerializer, 409: CUSTOMER_CONFLICT},
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        params = CustomerInputSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        customer = services.customer_create(**params.validated_data, by=acting_user(request))
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)


NOT_SANDBOX = OpenApiResponse(ProblemSerializer, description="A live partner: no test clocks.")


@extend_schema_view(
    list=extend_schema(summary="List your test clocks (sandbox)"),
    retrieve=extend_schema(summary="Read a test clock (sandbox)"),
)
class TestClockViewSet(
    PartnerScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    # A sandbox partner's own time (README, Test clocks); live partners find no such routes.

    write_scope = "customers:write"
    partner_path = "partner"
    queryset = TestClock.objects.order_by("id")
    serializer_class = TestClockSerializer
    filter_backends = []

    def get_queryset(self):
        # Every route but `create` finds clocks here; a live partner has none to find (404).
        if not self.request.user.is_staff:
            clocks.sandbox_only(partner_of(self.request.user))
        return super().get_queryset()

    @extend_schema(
        summary="Make a test clock (sandbox)",
        description=(
            "A clock for customers made with `test_clock`: they, their quotes, policies and "
            "instalments live at its time, which moves only forward, by `advance`. Starts now, "
            "or at noon on `start` (today or later). Live partners get 404."
        ),
        request=TestClockInputSerializer,
        examples=[OpenApiExample("Starting now", request_only=True, value={})],
        responses={201: TestClockSerializer, 404: NOT_SANDBOX},
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        params = TestClockInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        clock = clocks.test_clock_create(partner=partner_of(request.user), **params.validated_data)
        return Response(TestClockSerializer(clock).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a test clock forward (sandbox)",
        description=(
            "Moves the clock to noon on `to`, a later day (at most "
            f"{clocks.MAX_ADVANCE_DAYS} days on), and brings its customers' objects through "
            "each day on the way, in order, as the periodic jobs do in real time: quotes "
            "expire, instalments fall due, policies go into grace, lapse, are cancelled on a "
            "scheduled day or expire, each with its history and events. A day before or on "
            "the clock's own is a 400."
        ),
        request=TestClockAdvanceInputSerializer,
        examples=[OpenApiExample("Forty days on", request_only=True, value={"to": "15-01-2027"})],
        responses={200: TestClockSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def advance(self, request, **kwargs):
        clock = self.get_object()
        params = TestClockAdvanceInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        clock = clocks.test_clock_advance(clock_id=clock.pk, **params.validated_data)
        return Response(TestClockSerializer(clock).data)
