"""Local demo data: a staff login and a demo partner with a token (its customers are made by
the README's examples); with --customers N, N customers with quotes, policies, payments and
history. Not for production."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from customers.services import partner_token_create
from policies.seeding import seed


class Command(BaseCommand):
    help = (
        "Create a staff login (admin/admin unless told otherwise) and a demo partner token; "
        "with --customers N, also N customers over --partners partners (the demo partner "
        "first) with quotes in every state, policies, payments and their history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="admin")
        parser.add_argument("--partner", default="Demo Partner")
        parser.add_argument("--customers", type=int, default=0, metavar="N")
        parser.add_argument("--partners", type=int, default=4, metavar="K")

    def handle(self, *args, username, password, partner, customers, partners, **options):
        if customers < 0 or partners < 1:
            raise CommandError("--customers must be at least 0 and --partners at least 1.")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(password)
            user.save()
        demo, token = partner_token_create(name=partner)
        if customers:
            owners = [demo] + [
                partner_token_create(name=f"Partner {number}")[0]
                for number in range(2, partners + 1)
            ]
            started = time.monotonic()
            counts = seed(customers=customers, partners=owners)
            made = ", ".join(f"{count:,} {name}" for name, count in counts.items())
            self.stdout.write(f"Seeded {made} in {time.monotonic() - started:.0f} s.")
        login = f"{username} / {password}" if created else f"{username} (existing password)"
        self.stdout.write(f"Staff login for http://127.0.0.1:8000/admin/: {login}")
        self.stdout.write(f"API token of partner {demo.name!r} (send 'Authorization: Token …'):")
        self.stdout.write(token)
