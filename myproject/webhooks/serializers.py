import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..http.fields import StrictCharField, StrictInputSerializer, UTCDateTimeField
from ..http.rendering import OutputSerializer
from .models import Delivery
from .registry import EVENT_TYPES, register

EVERY_EVENT = "*"


class EventSerializer(OutputSerializer):
    id = serializers.CharField(source="uid", read_only=True, help_text="evt_...")
    type = serializers.CharField(read_only=True)
    created = UTCDateTimeField()
    sequence = serializers.IntegerField(
        source="position",
        read_only=True,
        allow_null=True,
        help_text="The event's place in its partner's feed: increasing in the order the "
        "changes committed, so for each object too. A receiver keeps the highest it has "
        "applied per object and drops an event with a lower one (not consecutive: other "
        "objects' events take the numbers between).",
    )
    data = serializers.JSONField(read_only=True, help_text="The object as the API rendered it.")


def event_schema(event_type: str) -> type[serializers.Serializer]:
    """A serializer documenting one event type, its `data` as the API renders that object."""
    data, description = EVENT_TYPES[event_type]
    name = "".join(part.capitalize() for part in re.split(r"[._]", event_type)) + "Event"
    kind = extend_schema_field(
        {"type": "string", "pattern": f"^{re.escape(event_type)}$", "example": event_type}
    )(type(f"{name}Type", (serializers.CharField,), {}))
    return type(
        name,
        (EventSerializer,),
        {
            "__doc__": description,
            "type": kind(read_only=True, help_text=f"Always `{event_type}`."),
            "data": data(read_only=True),
        },
    )


class EventTypeField(serializers.ChoiceField):
    """An event type partners can subscribe to, or `*` for every one."""

    def __init__(self, **kwargs):
        super().__init__(choices=[EVERY_EVENT, *sorted(EVENT_TYPES)], **kwargs)


class WebhookEndpointInputSerializer(StrictInputSerializer):
    url = StrictCharField(
        max_length=500,
        help_text="https, on a public address; a development server with "
        "WEBHOOKS_ALLOW_LOOPBACK=1 (make run) also takes http://127.0.0.1:<port>/... .",
    )
    events = serializers.ListField(
        child=EventTypeField(),
        min_length=1,
        max_length=50,
        help_text='The event types to send, or ["*"] for every one.',
    )

    def validate_events(self, value):
        return sorted(set(value))


class WebhookTestSerializer(OutputSerializer):
    endpoint = serializers.IntegerField(
        source="pk", read_only=True, help_text="The endpoint tested."
    )
    url = serializers.CharField(read_only=True)


register(
    "webhook.test",
    WebhookTestSerializer,
    "A test sent on request (webhook-endpoints/<id>/test/), signed as every delivery.",
)


class RedeliveryInputSerializer(StrictInputSerializer):
    endpoint = serializers.IntegerField(min_value=1, help_text="One of your endpoints' id.")


class WebhookEndpointSerializer(OutputSerializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.CharField(read_only=True)
    events = serializers.ListField(child=serializers.CharField(), read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    disabled_reason = serializers.CharField(
        read_only=True, help_text="Why it was disabled, when it was."
    )
    failing_since = UTCDateTimeField(
        allow_null=True, help_text="Deliveries have failed since then; five days disable it."
    )
    created_at = UTCDateTimeField()


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="whsec_...: verifies each delivery's signature. Shown here only; keep it.",
    )


class AttemptSerializer(OutputSerializer):
    at = UTCDateTimeField()
    status_code = serializers.IntegerField(read_only=True, allow_null=True)
    duration_ms = serializers.IntegerField(read_only=True)
    response = serializers.CharField(read_only=True, help_text="Its first 200 characters.")
    error = serializers.CharField(read_only=True, help_text="Why nothing came back, if so.")


class DeliverySerializer(OutputSerializer):
    id = serializers.IntegerField(read_only=True)
    event = serializers.CharField(source="event.uid", read_only=True, help_text="evt_...")
    type = serializers.CharField(source="event.type", read_only=True)
    status = serializers.ChoiceField(choices=Delivery.Status.choices, read_only=True)
    tries = serializers.IntegerField(read_only=True)
    next_try_at = UTCDateTimeField(allow_null=True)
    attempts = AttemptSerializer(many=True, read_only=True)
