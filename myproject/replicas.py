"""Reads that may be a little stale go to a streaming replica (DATABASE_REPLICA_URL), and a
caller's own writes are never hidden from it: after a caller writes, its reads stay on the
primary for REPLICA_PIN_SECONDS.

Views opt in around the reads that may lag (lists, search, the events feed, the dashboard)
with `replica_reads()`; everything else, and every write, uses the primary. Without a
replica configured, everything uses the primary and nothing here costs anything.
"""

import contextlib
import contextvars

from django.conf import settings
from django.core.cache import cache

REPLICA = "replica"
_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_from_replica", default=False
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _pin_key(user_id) -> str:
    return f"replica-pin:{user_id}"


def pin_to_primary(user) -> None:
    """The caller just wrote: its next reads see it (REPLICA_PIN_SECONDS on the primary)."""
    if replica_configured() and user is not None and user.is_authenticated:
        try:
            cache.set(_pin_key(user.pk), 1, settings.REPLICA_PIN_SECONDS)
        except Exception:  # the cache is down: the pin is lost, reads may lag a moment
            pass


def pinned(user) -> bool:
    try:
        return bool(user and user.is_authenticated and cache.get(_pin_key(user.pk)))
    except Exception:  # the cache is down: read from the primary, to be safe
        return True


@contextlib.contextmanager
def replica_reads(user):
    """Reads inside go to the replica, unless none is configured or `user` wrote lately."""
    use = replica_configured() and not pinned(user)
    token = _reading_from_replica.set(use)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaListMixin:
    # A viewset whose lists may lag a little: they read from the replica (see replica_reads).

    def list(self, request, *args, **kwargs):
        with replica_reads(request.user):
            return super().list(request, *args, **kwargs)


class ReplicaRouter:
    """Django's database router: reads inside `replica_reads` to the replica; the rest, and
    every write and migration, to the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reading_from_replica.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


class PinAfterWritesMiddleware:
    """A request that changed something (an unsafe method that succeeded) pins its caller's
    reads to the primary for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            pin_to_primary(getattr(request, "user", None))
        return response
