"""Idempotency-Key for creating and money-moving requests, after Stripe and the IETF draft.

The same key (per caller, up to 255 characters, kept IDEMPOTENCY_KEY_TTL) with the same
request (operation, ids in the path, JSON body) replays the first outcome with
`Idempotent-Replayed: true` and does nothing again; with a different request it is refused
(422); while the first request is still running a retry is refused (409). Executed outcomes
(2xx, 404, 409, ...) are stored in the same transaction as the work itself; validation
failures (400) and server errors are not, so the client can fix the request or retry.
"""

import datetime as dt
import functools
import hashlib
import json
import re

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from .http.rendering import FastJSONRenderer
from .problems import Conflict

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A first request that has held its key this long died without finishing (its node was
# killed: gunicorn ends any request after GUNICORN_TIMEOUT, 30 s); retries may go on.
ABANDONED_AFTER = dt.timedelta(seconds=60)
KEY_PATTERN = re.compile(rf"^[ -~]{{1,{MAX_KEY_LENGTH}}}$")
NOT_STORED = {400, 401, 403, 413, 415, 429}


class IdempotencyKey(models.Model):
    """A caller's Idempotency-Key and the outcome of the first request sent with it.

    The same key with the same request replays the stored outcome instead of acting again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the operation, the ids in its path and the body."
    )
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty while the first request is still running."
    )
    response_body = models.JSONField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    locked_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        app_label = "myproject"
        db_table = "customers_idempotencykey"  # where it was created, rows and all
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user"),
        ]

    def __str__(self) -> str:
        return self.key


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used with a different request."
    default_code = "idempotency_key_reused"


class _Discard(Exception):
    """Carries a response that must not be stored, out of the transaction."""

    def __init__(self, response):
        self.response = response


def operation(view, request) -> str:
    """What a request does, whichever of its spellings was called (`customers/`, `customers`
    and the seed's `create_customer` are one operation): the view, its action and the ids in
    the path."""
    name = getattr(view, "action", None) or request.method.lower()
    ids = ",".join(f"{key}={value}" for key, value in sorted(view.kwargs.items()))
    return f"{type(view).__module__}.{type(view).__qualname__}.{name}({ids})"


def fingerprint(view, request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{operation(view, request)}\n{body}".encode()).hexdigest()


def claim_key(*, user, key: str, digest: str) -> tuple[IdempotencyKey, str]:
    """Insert the key, or read what happened to it: 'new', 'replay', 'reused' or 'running'."""
    now = timezone.now()
    fresh = {
        "fingerprint": digest,
        "response_status": None,
        "response_body": None,
        "response_content_type": "",
        "locked_at": now,
        "expires_at": now + settings.IDEMPOTENCY_KEY_TTL,
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, **fresh), "new"
        except IntegrityError:
            pass
        record = IdempotencyKey.objects.select_for_update().get(user=user, key=key)
        running = record.response_status is None
        if record.expires_at <= now or (running and record.locked_at < now - ABANDONED_AFTER):
            for field, value in fresh.items():
                setattr(record, field, value)
            record.save()
            return record, "new"
        if record.fingerprint != digest:
            return record, "reused"
        return record, "running" if running else "replay"


def _replay(record: IdempotencyKey) -> Response:
    return Response(
        record.response_body,
        status=record.response_status,
        content_type=record.response_content_type or None,
        headers={"Idempotent-Replayed": "true"},
    )


def idempotent(handler):
    """Make a view method honour the Idempotency-Key header."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        if not KEY_PATTERN.match(key):
            raise ValidationError(
                {HEADER: [f"Send 1 to {MAX_KEY_LENGTH} printable ASCII characters."]}
            )
        record, outcome = claim_key(user=request.user, key=key, digest=fingerprint(self, request))
        if outcome == "replay":
            return _replay(record)
        if outcome == "reused":
            raise KeyReused()
        if outcome == "running":
            raise Conflict(
                "A request with this Idempotency-Key is still running; retry later.",
                code="idempotency_in_progress",
            )
        try:
            with transaction.atomic():
                try:
                    response = handler(self, request, *args, **kwargs)
                except Exception as exc:  # a handled error is an outcome too
                    response = self.handle_exception(exc)
                if response.status_code in NOT_STORED or response.status_code >= 500:
                    raise _Discard(response)
                record.response_status = response.status_code
                rendered = FastJSONRenderer().render(response.data)
                record.response_body = json.loads(rendered or "null")
                record.response_content_type = response.content_type or ""
                record.save()
                return response
        except _Discard as discard:
            record.delete()
            return discard.response
        except BaseException:
            record.delete()
            raise

    wrapper.idempotent = True
    return wrapper
