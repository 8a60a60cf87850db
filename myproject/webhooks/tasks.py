"""The background work of webhooks, on Django's Tasks API: any backend, any worker."""

import datetime as dt

from django.db import transaction
from django_tasks import task

from . import sending
from .models import Delivery


@task()
def deliver_webhook(delivery_id: int) -> None:
    """Try one delivery (a no-op if it is not due, or another worker has it), and queue its
    next try if it failed and has tries left."""
    attempt = sending.deliver(delivery_id)
    if attempt is not None and attempt.delivery.status == Delivery.Status.PENDING:
        retry_at = attempt.delivery.next_try_at
        # robust: a queue that is down leaves the delivery pending for `send_webhooks`.
        transaction.on_commit(lambda: enqueue(delivery_id, run_after=retry_at), robust=True)


def enqueue(delivery_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Queue a try of a delivery, now or at `run_after`."""
    task = deliver_webhook.using(run_after=run_after) if run_after else deliver_webhook
    task.enqueue(delivery_id)
