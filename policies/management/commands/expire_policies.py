from django.core.management.base import BaseCommand

from policies.services import policy_expire_ended


class Command(BaseCommand):
    help = (
        "Record `expired` in the history of active policies past their end date. Safe to run "
        "from cron on several machines at once; a second run finds nothing to do."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        count = policy_expire_ended(batch_size=batch_size)
        self.stdout.write(f"Expired {count} policies.")
