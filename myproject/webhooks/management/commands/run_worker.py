"""`manage.py run_worker`: the database queue's worker (django-tasks-db's), made to outlive
faults, for production.

- The database unreachable or restarting: it waits and reconnects with backoff (0.5 s,
  doubling to 10 s), logging each try, instead of exiting (db_worker re-raises).
- A worker that died mid-try leaves its delivery pending under a lease: every SWEEP_SECONDS
  this worker enqueues again what is overdue (deliveries past their lease, tasks lost) and
  marks task rows left RUNNING by a dead worker failed, so no cron job is needed
  (`send_webhooks` stays as a belt).
- SIGTERM or SIGINT: it finishes the try it is in, then exits (a second signal stops it).
"""

import datetime as dt
import logging
import time

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ... import outbox
from ...sending import LEASE

log = logging.getLogger("myproject.worker")

SWEEP_SECONDS = 30
# A task row RUNNING this long belongs to a worker that died (a try is bounded to seconds).
STALE_TASK = dt.timedelta(minutes=10)
BACKOFF_FIRST, BACKOFF_MOST = 0.5, 10.0


class _QuietBatches(logging.Filter):
    """The library's worker logs its start and end on every batch; once is enough."""

    def filter(self, record):
        message = record.getMessage()
        return not message.startswith(("Starting worker", "No more tasks to run"))


class ResilientWorker(Worker):
    """Runs every ready task in batches, sweeps what dead workers left, and waits out a
    database that is down."""

    def run(self) -> None:
        log.info("worker starting", extra={"worker_id": self.worker_id})
        self.batch = True
        self.startup_delay = False
        swept_at, backoff = 0.0, BACKOFF_FIRST
        while self.running:
            try:
                super().run()  # every task ready now, then back here
                if time.monotonic() - swept_at >= SWEEP_SECONDS:
                    self.sweep()
                    swept_at = time.monotonic()
                backoff = BACKOFF_FIRST
                delay = self.interval
            except (OperationalError, InterfaceError) as exc:
                log.warning(
                    "database unavailable, retrying",
                    extra={"worker_id": self.worker_id, "in_seconds": backoff, "error": str(exc)},
                )
                connections.close_all()  # reconnect on the next try
                delay, backoff = backoff, min(backoff * 2, BACKOFF_MOST)
            if self.running:
                time.sleep(delay)

    def sweep(self, now: dt.datetime | None = None) -> int:
        """Enqueue what is overdue, and retire task rows dead workers left RUNNING."""
        now = now or timezone.now()
        enqueued = outbox.enqueue_due(now=now, overdue_by=LEASE / 2)
        stale = DBTaskResult.objects.running().filter(started_at__lt=now - STALE_TASK)
        retired = stale.update(status="FAILED", finished_at=now)
        if enqueued or retired:
            log.info(
                "swept",
                extra={"worker_id": self.worker_id, "enqueued": enqueued, "retired": retired},
            )
        return enqueued


class Command(BaseCommand):
    help = (
        "Run a background worker (the database queue) that outlives database restarts, "
        "retries what dead workers left, and stops cleanly on SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument("--worker-id", default=None, help="Unique among workers.")

    def handle(self, *args, interval, worker_id, **options):
        logging.getLogger("django_tasks_db").addFilter(_QuietBatches())
        worker = ResilientWorker(
            queue_names=["default"],
            interval=interval,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
