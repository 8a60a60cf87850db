"""Local demo data: a staff login for admin and one customer to quote for. Never for production."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from customers.models import Customer
from customers.services import customer_create


class Command(BaseCommand):
    help = "Create a staff login (admin/admin unless told otherwise) and a demo customer."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="admin")

    def handle(self, *args, username, password, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(password)
            user.save()
        if not Customer.objects.exists():
            customer_create(first_name="Ben", last_name="Stokes", dob=dt.date(1991, 6, 25))
        login = f"{username} / {password}" if created else f"{username} (existing password)"
        self.stdout.write(f"Staff login for http://127.0.0.1:8000/admin/: {login}")
