"""The platform's own model, defined beside the code that uses it (events and webhooks are an
app of their own, myproject.webhooks)."""

from .idempotency import IdempotencyKey

__all__ = ["IdempotencyKey"]
