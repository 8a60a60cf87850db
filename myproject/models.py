"""The platform's one model, defined beside the code that uses it."""

from .idempotency import IdempotencyKey

__all__ = ["IdempotencyKey"]
