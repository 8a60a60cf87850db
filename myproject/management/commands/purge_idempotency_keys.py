from django.core.management.base import BaseCommand
from django.utils import timezone

from myproject.idempotency import IdempotencyKey


class Command(BaseCommand):
    help = "Delete Idempotency-Keys past their retention (IDEMPOTENCY_KEY_TTL); safe from cron."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size, **options):
        deleted = 0
        while True:
            batch = list(
                IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).values_list(
                    "pk", flat=True
                )[:batch_size]
            )
            if not batch:
                break
            deleted += IdempotencyKey.objects.filter(pk__in=batch).delete()[0]
        self.stdout.write(f"Deleted {deleted} expired idempotency keys.")
