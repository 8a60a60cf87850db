"""Webhook endpoints: registering, rotating secrets, disabling and enabling them."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from ..problems import Conflict
from .models import FeedPosition, WebhookEndpoint, endpoint_secret
from .safety import UnsafeURL, resolve

# Endpoints a partner may have: each event is written once per endpoint, in the change's
# own transaction.
MAX_ENDPOINTS = 10


@transaction.atomic
def endpoint_create(*, owner_id: int, url: str, events: list[str]) -> WebhookEndpoint:
    check_url(url)
    # Counted under a lock on the owner's endpoints... of which there may be none yet: lock
    # the owner's user row instead, so that two registrations at once count each other.
    get_user_model().objects.select_for_update().filter(pk=owner_id).first()
    if WebhookEndpoint.objects.filter(owner_id=owner_id).count() >= MAX_ENDPOINTS:
        raise Conflict(
            f"A partner may have {MAX_ENDPOINTS} webhook endpoints; delete one first.",
            code="too_many_endpoints",
        )
    FeedPosition.note_endpoints(owner_id)
    return WebhookEndpoint.objects.create(owner_id=owner_id, url=url, events=events)


def check_url(url: str) -> None:
    try:
        resolve(url)
    except UnsafeURL as exc:
        raise ValidationError({"url": str(exc)}) from exc


@transaction.atomic
def endpoint_rotate_secret(*, endpoint_id: int) -> WebhookEndpoint:
    """A new secret signs every delivery from now on; the old one stops at once."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    endpoint.secret = endpoint_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_set_active(*, endpoint_id: int, active: bool, reason: str = "") -> WebhookEndpoint:
    """Disable an endpoint (nothing more is sent to it, its pending deliveries fail), or
    enable it again (it receives events from then on)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    endpoint.is_active = active
    endpoint.disabled_reason = "" if active else reason
    endpoint.failing_since = None
    endpoint.save(update_fields=["is_active", "disabled_reason", "failing_since", "updated_at"])
    return endpoint
