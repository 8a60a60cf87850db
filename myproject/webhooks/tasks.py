"""The background work of webhooks, on Django's Tasks API: any backend, any worker."""

from django_tasks import task

from . import services


@task()
def deliver_webhook(delivery_id: int) -> None:
    """Try one delivery (a no-op if it is not due, or another worker has it)."""
    services.deliver(delivery_id)
