"""Local demo data: a staff login, a demo partner with a token, and one customer. Not for
production."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from customers.models import Customer
from customers.services import customer_create, partner_token_create


class Command(BaseCommand):
    help = "Create a staff login (admin/admin unless told otherwise) and a demo partner token."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="admin")
        parser.add_argument("--partner", default="Demo Partner")

    def handle(self, *args, username, password, partner, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(password)
            user.save()
        demo, token = partner_token_create(name=partner)
        if not Customer.objects.filter(partner=demo).exists():
            customer_create(
                partner=demo, first_name="Ben", last_name="Stokes", dob=dt.date(1991, 6, 25)
            )
        login = f"{username} / {password}" if created else f"{username} (existing password)"
        self.stdout.write(f"Staff login for http://127.0.0.1:8000/admin/: {login}")
        self.stdout.write(f"API token of partner {demo.name!r} (send 'Authorization: Token …'):")
        self.stdout.write(token)
