"""Local demo data: a staff login and a demo partner with a token (its customers are made by
the README's examples); with --customers N, N customers with quotes, policies, payments and
history. Not for production."""

import os
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import AuthenticationFailed

from customers.access import TokenAuthentication
from customers.models import Partner
from customers.services import partner_token_create
from policies.seeding import seed


def saved_token(path: Path | None, *, partner: str) -> str | None:
    """The token kept in `path` by an earlier run, if it still signs in as `partner`."""
    if path is None or not path.is_file():
        return None
    token = path.read_text().strip()
    try:
        user, _ = TokenAuthentication().authenticate_credentials(token.encode())
    except AuthenticationFailed:
        return None
    return token if Partner.objects.filter(user=user, name=partner).exists() else None


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
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="Where the server will listen."
        )
        parser.add_argument(
            "--token-file",
            type=Path,
            metavar="PATH",
            help="Keep the demo partner's token here and reuse it on the next run while it "
            "is valid (make run does, in .demo-token), instead of making a new one each time.",
        )

    def handle(
        self, *args, username, password, partner, customers, partners, url, token_file, **options
    ):
        if customers < 0 or partners < 1:
            raise CommandError("--customers must be at least 0 and --partners at least 1.")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(password)
            user.save()
        token = saved_token(token_file, partner=partner)
        if token is None:
            demo, token = partner_token_create(name=partner)
            if token_file is not None:
                token_file.write_text(token + "\n")
                os.chmod(token_file, 0o600)
        else:
            demo = Partner.objects.get(name=partner)
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
        url = url.rstrip("/")
        self.stdout.write(f"Staff login for {url}/admin/: {login}")
        self.stdout.write(f"API docs: {url}/api/docs/")
        self.stdout.write("The README's examples run as shown once this is set in your shell:")
        self.stdout.write(
            f'export API={url}/api/v1 AUTH="Authorization: Token {token}" '
            'JSON="Content-Type: application/json"'
        )
        self.stdout.write(f"API token of partner {demo.name!r} (send 'Authorization: Token …'):")
        self.stdout.write(token)
