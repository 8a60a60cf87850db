import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from customers.models import SCOPES
from customers.services import partner_token_create

MAX_EXPIRES_IN_DAYS = 3650  # ten years; a token meant to outlive that should not expire


class Command(BaseCommand):
    help = (
        "Create a partner (or, if NAME exists, add a token to it) and print a new API token "
        "alone on the last line. Tokens do not expire unless --expires-in is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The partner's name, unique.")
        parser.add_argument(
            "--expires-in", type=int, metavar="DAYS", help="The token expires after DAYS days."
        )
        parser.add_argument(
            "--sandbox",
            action="store_true",
            help="A sandbox partner (new ones only): the same API, its data kept out of live "
            "reports, its documents marked SPECIMEN.",
        )
        parser.add_argument(
            "--scopes",
            metavar="SCOPE,...",
            help=f"Limit the token to these scopes ({', '.join(SCOPES)}); every one by default.",
        )

    def handle(self, *args, name, expires_in, scopes, sandbox, **options):
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("NAME must be 1 to 100 characters.")
        if expires_in is not None and not 1 <= expires_in <= MAX_EXPIRES_IN_DAYS:
            raise CommandError(f"--expires-in must be 1 to {MAX_EXPIRES_IN_DAYS} days.")
        expiry = dt.timedelta(days=expires_in) if expires_in else None
        limited = [scope.strip() for scope in scopes.split(",")] if scopes is not None else None
        try:
            partner, token = partner_token_create(
                name=name, expires_in=expiry, scopes=limited, sandbox=sandbox
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        lifetime = f"expires in {expires_in} days" if expires_in else "does not expire"
        allowed = ", ".join(limited) if limited else "every scope"
        kind = "Sandbox partner" if partner.is_sandbox else "Partner"
        self.stdout.write(
            f"{kind} {partner.name} (id {partner.pk}); this token {lifetime}, {allowed}:"
        )
        self.stdout.write(token)
