import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from policies import bordereau


class Command(BaseCommand):
    help = (
        "Write a month's premium bordereau (every money movement, signed, with its totals by "
        "currency) to standard output, as the staff report at reports/bordereau/ gives it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, metavar="YYYY-MM")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, month, format, **options):
        try:
            first = dt.datetime.strptime(month, "%Y-%m").date()
        except ValueError as exc:
            raise CommandError("--month: a month as YYYY-MM, e.g. 2026-11.") from exc
        write = bordereau.as_json if format == "json" else bordereau.as_csv
        for chunk in write(first):
            self.stdout.write(chunk, ending="")
