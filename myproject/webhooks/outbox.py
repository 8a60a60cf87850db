"""Events, written in the same transaction as each change (a transactional outbox): an event
and a delivery for each endpoint that wants it, enqueued only once that transaction commits,
so that nothing is sent from inside a request and nothing is sent of a change rolled back."""

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from ..problems import Conflict
from . import tasks
from .models import Delivery, Event, FeedPosition, WebhookEndpoint
from .serializers import WebhookTestSerializer

# The events of the innermost `together()` block being run, if any.
_batch: ContextVar[list | None] = ContextVar("outbox_batch", default=None)


def record(event_type: str, *, owner_id: int, data: dict) -> Event:
    """Write an event in the current transaction, at its owner's next feed position, and a
    delivery for each active endpoint of its owner that wants it; each is enqueued once the
    transaction commits. Inside `together()`, written when that block ends."""
    event = Event(type=event_type, owner_id=owner_id, data=data)
    pending = _batch.get()
    if pending is None:
        _write([event])
    else:
        pending.append(event)
    return event


@contextmanager
def together():
    """Events recorded in this block are written at its end, still in its transaction, in
    the order recorded: their positions in one statement, the events in one, and their
    deliveries in one more (for an owner that ever registered an endpoint). A change that
    tells of several things (a payment that issues a policy) costs two statements, not two
    per event. An error in the block writes none of them."""
    if _batch.get() is not None:
        yield  # the outer block writes them
        return
    events = []
    token = _batch.set(events)
    try:
        yield
    finally:
        _batch.reset(token)
    if events:
        _write(events)


def _write(events: list[Event]) -> None:
    owners = {}
    for event in events:
        owners.setdefault(event.owner_id, []).append(event)
    with_endpoints = []
    for owner_id, owned in sorted(owners.items()):  # rows locked in one order: no deadlock
        last, has_endpoints = FeedPosition.take_next(owner_id, len(owned))
        for position, event in enumerate(owned, start=last - len(owned) + 1):
            event.position = position
        if has_endpoints:  # never registered one: no query for endpoints
            with_endpoints.append(owner_id)
    Event.objects.bulk_create(events)
    if not with_endpoints:
        return
    endpoints = {}
    for endpoint in WebhookEndpoint.objects.filter(owner_id__in=with_endpoints, is_active=True):
        endpoints.setdefault(endpoint.owner_id, []).append(endpoint)
    deliveries = [
        Delivery(endpoint=endpoint, event=event)
        for event in events
        for endpoint in endpoints.get(event.owner_id, ())
        if endpoint.wants(event.type)
    ]
    for delivery in Delivery.objects.bulk_create(deliveries):
        # robust: a queue that is down must not fail a change already committed; the
        # delivery stays pending, and `send_webhooks` enqueues it later.
        transaction.on_commit(lambda pk=delivery.pk: tasks.enqueue(pk), robust=True)


def send_to(endpoint: WebhookEndpoint, event: Event) -> Delivery:
    """Send `event` to `endpoint` once more (or for the first time), however its earlier
    deliveries there ended: a try now, with the same `webhook-id`. Written in the current
    transaction, enqueued once it commits."""
    delivery = Delivery.objects.select_for_update().filter(endpoint=endpoint, event=event).first()
    if delivery is None:
        delivery = Delivery.objects.create(endpoint=endpoint, event=event)
    else:
        delivery.status = Delivery.Status.PENDING
        delivery.next_try_at = None
        delivery.save(update_fields=["status", "next_try_at", "updated_at"])
    transaction.on_commit(lambda: tasks.enqueue(delivery.pk), robust=True)
    return delivery


def record_for(endpoint: WebhookEndpoint, event_type: str, data: dict) -> Delivery:
    """An event for one endpoint only (a test), in its owner's feed like any other, and its
    delivery."""
    (last, _) = FeedPosition.take_next(endpoint.owner_id, 1)
    event = Event.objects.create(
        type=event_type, owner_id=endpoint.owner_id, data=data, position=last
    )
    return send_to(endpoint, event)


def redeliver(*, delivery_id: int) -> Delivery:
    """Staff: try a delivery again now, whatever became of it."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        delivery.status = Delivery.Status.PENDING
        delivery.next_try_at = None
        delivery.save(update_fields=["status", "next_try_at", "updated_at"])
        transaction.on_commit(lambda: tasks.enqueue(delivery_id), robust=True)
    return delivery


def enqueue_due(
    *, now: dt.datetime | None = None, overdue_by: dt.timedelta = dt.timedelta(0)
) -> int:
    """Enqueue every pending delivery that is due (by `overdue_by` at least): those whose
    task was lost (a crash between commit and enqueue, a queue that was down) or whose worker
    died mid-try (its lease has passed)."""
    now = now or timezone.now()
    before = now - overdue_by
    due = Delivery.objects.filter(status=Delivery.Status.PENDING).filter(
        Q(next_try_at__isnull=True, created_at__lte=before) | Q(next_try_at__lte=before)
    )
    count = 0
    for delivery_id in due.values_list("pk", flat=True).iterator():
        tasks.enqueue(delivery_id)
        count += 1
    return count


def _locked_active(endpoint_id: int, *, missing) -> WebhookEndpoint:
    """The endpoint, locked until the transaction ends, if it still exists (`missing`, an
    exception, when it was deleted since the request found it) and is enabled (else 409)."""
    try:
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise missing from None
    if not endpoint.is_active:
        raise Conflict(
            f"Endpoint {endpoint.pk} is disabled; enable it first.", code="endpoint_disabled"
        )
    return endpoint


@transaction.atomic
def endpoint_ping(*, endpoint_id: int) -> Delivery:
    """A `webhook.test` event sent to one endpoint now, signed as every delivery is, so that
    a receiver's verification can be tried without waiting for a change."""
    endpoint = _locked_active(endpoint_id, missing=Http404(f"No webhook endpoint {endpoint_id}."))
    data = WebhookTestSerializer(endpoint).data
    return record_for(endpoint, "webhook.test", data)


@transaction.atomic
def event_redeliver(*, event: Event, endpoint_id: int) -> Delivery:
    """Send an event to one of its owner's endpoints again: one try now with the same
    `webhook-id`, whatever became of the earlier ones (failed for good included), and one
    for an endpoint that did not exist or did not subscribe when it happened."""
    gone = ValidationError({"endpoint": [f"Webhook endpoint {endpoint_id} was deleted."]})
    return send_to(_locked_active(endpoint_id, missing=gone), event)
