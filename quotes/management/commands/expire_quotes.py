from django.core.management.base import BaseCommand

from quotes.services import quote_expire_stale


class Command(BaseCommand):
    help = (
        "Record `expired` in the history of open quotes past their validity. Safe to run from "
        "cron on several machines at once; a second run finds nothing to do."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        count = quote_expire_stale(batch_size=batch_size)
        self.stdout.write(f"Expired {count} quotes.")
