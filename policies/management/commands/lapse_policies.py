from django.core.management.base import BaseCommand

from policies.services import lapse_due


class Command(BaseCommand):
    help = (
        "Lapse policies whose grace ended with an instalment unpaid: cancelled for "
        "non-payment from its due date. Safe from cron on several machines at once."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Lapsed {lapse_due()} policies.")
