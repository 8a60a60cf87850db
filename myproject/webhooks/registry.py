"""The event types partners can hear of, each with the serializer of its `data`: each app
registers its own (the platform does not know quotes or policies), and the API, its schema
and the endpoints' subscriptions read them from here."""

from rest_framework import serializers

EVENT_TYPES: dict[str, tuple[type[serializers.Serializer], str]] = {}


def register(event_type: str, data: type[serializers.Serializer], description: str) -> None:
    EVENT_TYPES[event_type] = (data, description)
