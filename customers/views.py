from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from myproject.idempotency import idempotent
from myproject.replicas import ReplicaListMixin
from myproject.schema import conflict

from . import services
from .access import PartnerScopedMixin, acting_user
from .filters import CustomerFilter
from .models import Customer
from .serializers import (
    CustomerInputSerializer,
    CustomerSerializer,
    CustomerUpdateInputSerializer,
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
