"""Events, written in the same transaction as each change (a transactional outbox): an event
and a delivery for each endpoint that wants it, enqueued only once that transaction commits,
so that nothing is sent from inside a request and nothing is sent of a change rolled back."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import tasks
from .models import Delivery, Event, FeedPosition, WebhookEndpoint


def record(event_type: str, *, owner_id: int, data: dict) -> Event:
    """Write an event in the current transaction, at its owner's next feed position, and a
    delivery for each active endpoint of its owner that wants it; each is enqueued once the
    transaction commits."""
    position, has_endpoints = FeedPosition.take_next(owner_id)
    event = Event.objects.create(type=event_type, owner_id=owner_id, data=data, position=position)
    if not has_endpoints:
        return event  # never registered one: no query for endpoints
    endpoints = WebhookEndpoint.objects.filter(owner_id=owner_id, is_active=True)
    for endpoint in endpoints:
        if endpoint.wants(event_type):
            delivery = Delivery.objects.create(endpoint=endpoint, event=event)
            # robust: a queue that is down must not fail a change already committed; the
            # delivery stays pending, and `send_webhooks` enqueues it later.
            transaction.on_commit(lambda pk=delivery.pk: tasks.enqueue(pk), robust=True)
    return event


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
