"""Move a demo policy (or quote) back in time, to show renewal and expiry locally.

    python manage.py demo_time_travel --policy 1 --days 340   # renewable: 25 days left
    python manage.py demo_time_travel --policy 1 --days 400   # past its end: reads expired
    python manage.py demo_time_travel --policy 5 --days 70    # paid monthly: in grace
    python manage.py demo_time_travel --policy 5 --days 30    # then lapse_policies lapses it
    python manage.py demo_time_travel --quote 4 --days 31     # past its validity: expired

Refused unless DEBUG is on or the database is the demo SQLite file (`make run`'s): it edits
dates the rules treat as facts, which nothing in production may do.
"""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from policies.models import Policy
from quotes.models import Quote

DEMO_DATABASE = str(settings.BASE_DIR / "db.sqlite3")


def is_demo() -> bool:
    return settings.DEBUG or str(settings.DATABASES["default"]["NAME"]) == DEMO_DATABASE


class Command(BaseCommand):
    help = __doc__.split("\n")[0]

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--policy", type=int)
        target.add_argument("--quote", type=int)
        parser.add_argument("--days", type=int, required=True, help="how far back, 1 to 800")

    @transaction.atomic
    def handle(self, *args, policy, quote, days, **options):
        if not is_demo():
            raise CommandError("Only on demo data: set DEBUG=1 or use the demo SQLite file.")
        if not 1 <= days <= 800:
            raise CommandError("--days must be 1 to 800.")
        back = dt.timedelta(days=days)
        if policy is not None:
            found = Policy.objects.select_for_update().filter(pk=policy).first()
            if found is None:
                raise CommandError(f"There is no policy {policy}.")
            found.start_date -= back
            found.end_date -= back
            for name in ("cancelled_on", "next_due", "lapsed_on"):
                if getattr(found, name):
                    setattr(found, name, getattr(found, name) - back)
            found._change_reason = f"demo time travel: {days} days back"
            found.save(
                update_fields=[
                    "start_date",
                    "end_date",
                    "cancelled_on",
                    "next_due",
                    "lapsed_on",
                    "updated_at",
                ]
            )
            for instalment in found.instalments.order_by("number"):
                instalment.due_date -= back
                instalment._change_reason = found._change_reason
                instalment.save(update_fields=["due_date", "updated_at"])
            self.stdout.write(
                f"Policy {found.number} now runs {found.start_date:%d-%m-%Y} to "
                f"{found.end_date:%d-%m-%Y}; it reads {found.current_state}."
            )
            return
        found = Quote.objects.select_for_update().filter(pk=quote).first()
        if found is None:
            raise CommandError(f"There is no quote {quote}.")
        found.valid_until -= back
        found._change_reason = f"demo time travel: {days} days back"
        found.save(update_fields=["valid_until", "updated_at"])
        self.stdout.write(
            f"Quote {found.pk} is valid until {found.valid_until:%d-%m-%Y %H:%M}; "
            f"it reads {found.current_state}."
        )
