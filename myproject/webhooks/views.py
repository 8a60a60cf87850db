from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiExample,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ..http.fields import ID_PATH_PATTERN
from ..http.pagination import KeysetPagination
from ..http.throttling import PartnerRateThrottle, WebhookSendThrottle
from ..idempotency import idempotent
from ..replicas import ReplicaListMixin
from ..schema import CONFLICT
from . import outbox, services
from .filters import EventFilter
from .models import Attempt, Delivery, Event, WebhookEndpoint
from .registry import EVENT_TYPES
from .serializers import (
    DeliverySerializer,
    EventSerializer,
    RedeliveryInputSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWithSecretSerializer,
    event_schema,
)

SIGNATURE = (
    "Each delivery is a POST of the event (as the feed shows it) signed to the Standard "
    "Webhooks specification: headers `webhook-id` (the event id), `webhook-timestamp` "
    "(seconds since the epoch) and `webhook-signature` (`v1,` and the base64 HMAC-SHA256, "
    "keyed with the base64-decoded part of the secret after `whsec_`, of "
    "`<webhook-id>.<webhook-timestamp>.<body>`). Answer 2xx within 10 s; anything else is "
    "retried about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the previous try, then "
    "given up; an endpoint failing for five days is disabled, saying why. Delivery is at "
    "least once: the same event id may arrive twice, so act on each id once."
)


# A test or a redelivery counts against the partner's request rate and its own.
SENDS = [PartnerRateThrottle, WebhookSendThrottle]


def owned(queryset, user):
    """Staff see everything; a partner only what its own user owns."""
    return queryset if user.is_staff else queryset.filter(owner=user)


def event_response():
    return PolymorphicProxySerializer(
        component_name="Event",
        serializers={event_type: event_schema(event_type) for event_type in sorted(EVENT_TYPES)},
        resource_type_field_name="type",
        many=True,
    )


class FeedPagination(KeysetPagination):
    # A partner's events in the order their transactions committed (Event.position).
    ordering = "position"


@extend_schema_view(
    list=extend_schema(
        summary="List events, oldest first",
        description=(
            "What happened to the partner's quotes, policies and payments, for partners that "
            "poll: oldest first, by cursor; `after` an event id gives only newer ones. Events "
            "take their place in the feed in the order their changes committed, so a client "
            "that follows `next` (or polls with `after` its last event) sees every event "
            "exactly once, even when a slow change commits after a quicker one. The same "
            "events are pushed to webhook endpoints. " + SIGNATURE
        ),
        responses=event_response(),
    )
)
class EventViewSet(ReplicaListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    write_scope = "webhooks:manage"
    queryset = Event.objects.all()
    serializer_class = EventSerializer
    # An event is named by its id as partners see it, evt_...
    lookup_field = "uid"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"evt_[0-9a-f]{1,40}"
    filterset_class = EventFilter
    pagination_class = FeedPagination

    def get_queryset(self):
        return owned(super().get_queryset(), self.request.user)

    @extend_schema(
        summary="Send an event to an endpoint again",
        description=(
            "One try now to one of your endpoints, with the same `webhook-id` (act on each id "
            "once), whatever became of the earlier ones: a delivery that failed for good, one "
            "still waiting for its next retry, or none (the endpoint did not exist or did not "
            "subscribe then). Listed, with its attempt, in the endpoint's deliveries. Counted "
            "against `WEBHOOK_SEND_THROTTLE_RATE` (10 a minute) besides the request rate. A "
            "disabled endpoint gives 409 `endpoint_disabled`. " + SIGNATURE
        ),
        request=RedeliveryInputSerializer,
        examples=[OpenApiExample("To endpoint 1", request_only=True, value={"endpoint": 1})],
        responses={202: DeliverySerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], throttle_classes=SENDS)
    def redeliver(self, request, **kwargs):
        event = self.get_object()
        params = RedeliveryInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        endpoint = owned(WebhookEndpoint.objects, request.user).filter(
            pk=params.validated_data["endpoint"]
        )
        if not endpoint.exists():
            raise ValidationError({"endpoint": ["No such endpoint of yours."]})
        delivery = outbox.event_redeliver(
            event=event, endpoint_id=params.validated_data["endpoint"]
        )
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @property
    def paginator(self):
        # Staff read every owner's events: in the order of all of them.
        if not hasattr(self, "_paginator"):
            staff = self.request.user.is_staff
            self._paginator = KeysetPagination() if staff else FeedPagination()
        return self._paginator


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints"),
    retrieve=extend_schema(summary="Read a webhook endpoint"),
    destroy=extend_schema(summary="Delete a webhook endpoint (and its deliveries)"),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    write_scope = "webhooks:manage"
    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    lookup_value_regex = ID_PATH_PATTERN
    filter_backends = []

    def get_queryset(self):
        return owned(super().get_queryset(), self.request.user)

    @extend_schema(
        summary="Register a webhook endpoint",
        description=(
            "Nothing is sent on registration. The URL must be https on a public address "
            "(a private, loopback or link-local one is refused, now and before each "
            "delivery). The example's `receiver.example` is a name reserved for "
            "documentation, which never resolves: put your receiver's URL in its place. For "
            "development, a server started with `WEBHOOKS_ALLOW_LOOPBACK=1` (as `make run` "
            "starts it) also takes `http://127.0.0.1:<port>/...` and "
            "`http://localhost:<port>/...`, for a receiver on the same machine. The answer "
            "shows the signing `secret` once. A partner has at most "
            f"{services.MAX_ENDPOINTS} endpoints (409 `too_many_endpoints`). " + SIGNATURE
        ),
        request=WebhookEndpointInputSerializer,
        examples=[
            OpenApiExample(
                "Policies issued and cancelled",
                request_only=True,
                value={
                    "url": "https://receiver.example/webhooks",
                    "events": ["policy.issued", "policy.cancelled"],
                },
            )
        ],
        responses={201: WebhookEndpointWithSecretSerializer, 409: CONFLICT},
    )
    @idempotent
    def create(self, request):
        params = WebhookEndpointInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(owner_id=request.user.pk, **params.validated_data)
        return Response(
            WebhookEndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Send a test event to an endpoint",
        description=(
            "A `webhook.test` event (`data`: the endpoint's id and URL), delivered by a worker "
            "within seconds and signed as every delivery is, to check a receiver's "
            "verification. It is in your feed and in the endpoint's deliveries like any event. "
            "Counted against `WEBHOOK_SEND_THROTTLE_RATE` (10 a minute) besides the request "
            "rate. A disabled endpoint gives 409 `endpoint_disabled`."
        ),
        request=None,
        responses={202: DeliverySerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], throttle_classes=SENDS)
    def test(self, request, **kwargs):
        delivery = outbox.endpoint_ping(endpoint_id=self.get_object().pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Rotate an endpoint's signing secret",
        description="The new secret, shown once, signs every delivery from now on.",
        request=None,
        responses={200: WebhookEndpointWithSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, **kwargs):
        endpoint = services.endpoint_rotate_secret(endpoint_id=self.get_object().pk)
        return Response(WebhookEndpointWithSecretSerializer(endpoint).data)

    @extend_schema(
        summary="Disable an endpoint",
        description="Nothing more is sent to it until it is enabled again.",
        request=None,
        responses={200: WebhookEndpointSerializer},
    )
    @action(detail=True, methods=["post"])
    def disable(self, request, **kwargs):
        endpoint = services.endpoint_set_active(
            endpoint_id=self.get_object().pk, active=False, reason="Disabled by its owner."
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        summary="Enable an endpoint again",
        description="It receives events from now on (not those it missed: read the feed).",
        request=None,
        responses={200: WebhookEndpointSerializer},
    )
    @action(detail=True, methods=["post"])
    def enable(self, request, **kwargs):
        endpoint = self.get_object()
        services.check_url(endpoint.url)
        endpoint = services.endpoint_set_active(endpoint_id=endpoint.pk, active=True)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        summary="List an endpoint's deliveries and every attempt",
        responses={200: DeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, **kwargs):
        endpoint = self.get_object()
        queryset = (
            Delivery.objects.filter(endpoint=endpoint)
            .select_related("event")
            .prefetch_related(Prefetch("attempts", queryset=Attempt.objects.order_by("id")))
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
