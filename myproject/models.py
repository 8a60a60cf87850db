"""The platform's models, each defined beside the code that uses it."""

from .idempotency import IdempotencyKey
from .webhooks.models import Attempt, Delivery, Event, WebhookEndpoint

__all__ = ["Attempt", "Delivery", "Event", "IdempotencyKey", "WebhookEndpoint"]
