from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from myproject.webhooks.models import Delivery, Event


class Command(BaseCommand):
    help = (
        "Delete events older than EVENTS_KEEP_DAYS, with their deliveries and attempts, once "
        "nothing is still to be sent of them; safe from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size, **options):
        cutoff = timezone.now() - settings.EVENTS_KEEP
        pending = Delivery.objects.filter(status=Delivery.Status.PENDING).values("event")
        deleted = 0
        while True:
            # Oldest first along the primary key, where old events are.
            batch = list(
                Event.objects.filter(created__lt=cutoff)
                .exclude(seq__in=pending)
                .order_by("seq")
                .values_list("seq", flat=True)[:batch_size]
            )
            if not batch:
                break
            Event.objects.filter(seq__in=batch).delete()
            deleted += len(batch)
        self.stdout.write(f"Deleted {deleted} events older than {settings.EVENTS_KEEP.days} days.")
