from django.core.management.base import BaseCommand

from myproject.webhooks.outbox import enqueue_due


class Command(BaseCommand):
    help = (
        "Enqueue every webhook delivery that is due but has no task (one lost to a crash or a "
        "queue that was down). Safe to run from cron on several machines: a try is claimed "
        "once, whoever runs it."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Enqueued {enqueue_due()} due webhook deliveries.")
