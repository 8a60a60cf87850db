"""`manage.py run_periodic`: the periodic jobs (README, Jobs) in one long-running process, for
a deployment without cron. Safe on several machines: each round, a PostgreSQL advisory lock
makes one of them the runner and the others skip it (the jobs are safe to run at once
anyway; the lock only saves the work). On SQLite (one machine) every round runs."""

import logging
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection

log = logging.getLogger("myproject.periodic")

# Lapses before expiry: a policy whose grace ends with its term lapses rather than expires.
JOBS = [
    "expire_quotes",
    "expire_instalments",
    "lapse_policies",
    "expire_policies",
    "send_webhooks",
    "purge_idempotency_keys",
    "purge_events",
]
# An arbitrary 64-bit number naming this lock among the database's advisory locks.
LOCK_KEY = 7_312_004_220_119


def _lock() -> bool:
    # Behind PgBouncer in transaction mode a session lock could outlive its holder: none
    # then (the jobs are safe to run at once).
    if connection.vendor != "postgresql" or settings.DATABASE_POOLER == "pgbouncer":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        return cursor.fetchone()[0]


def _unlock() -> None:
    if connection.vendor == "postgresql" and settings.DATABASE_POOLER != "pgbouncer":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def run_round() -> bool:
    """Run every job once if this process wins the round's lock; whether it ran them."""
    if not _lock():
        return False
    try:
        for job in JOBS:
            try:
                call_command(job, verbosity=0)
            except DatabaseError:
                log.exception("job failed", extra={"job": job})  # the next round retries
    finally:
        _unlock()
    return True


class Command(BaseCommand):
    help = "Run the periodic jobs every --every seconds (one runner among many machines)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=300.0, metavar="SECONDS")
        parser.add_argument("--once", action="store_true", help="One round, then exit.")

    def handle(self, *args, every, once, **options):
        while True:
            try:
                ran = run_round()
            except DatabaseError as exc:  # the database is down: try again next round
                log.warning("periodic round skipped", extra={"error": str(exc)})
                connection.close()
                ran = False
            log.info("periodic round", extra={"ran": ran})
            if once:
                return
            time.sleep(every)
