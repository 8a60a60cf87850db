"""The production worker (`manage.py run_worker`): it waits out a database that is down, and
sends what a worker that died left behind, without cron."""

import datetime as dt
import logging

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from myproject.webhooks.management.commands.run_worker import ResilientWorker
from myproject.webhooks.models import Delivery
from tests.webhooks.helpers import received, register, sell

pytestmark = pytest.mark.django_db


def worker() -> ResilientWorker:
    return ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def test_a_worker_waits_out_a_database_that_is_down_and_carries_on(monkeypatch, caplog):
    runs, waits = [], []
    subject = worker()

    def batch(self):
        runs.append(len(runs))
        if len(runs) <= 3:
            raise OperationalError("the database system is starting up")
        self.running = False  # the fourth batch ran: the database is back

    monkeypatch.setattr(Worker, "run", batch)
    monkeypatch.setattr("time.sleep", waits.append)
    monkeypatch.setattr(ResilientWorker, "sweep", lambda self, now=None: 0)

    with caplog.at_level(logging.WARNING, logger="myproject.worker"):
        subject.run()

    assert len(runs) == 4  # it did not exit on the first error
    assert waits == [0.5, 1.0, 2.0]  # backing off
    assert [r.message for r in caplog.records] == ["database unavailable, retrying"] * 3


def test_a_delivery_whose_worker_died_mid_try_is_sent_by_the_next_sweep(
    work, api, customer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    register(api, httpserver.url_for("/hooks"), ["policy.issued"])
    sell(api, customer, django_capture_on_commit_callbacks)
    # A worker claimed the try and died: the task row gone with it, the lease running out.
    DBTaskResult.objects.all().delete()
    delivery = Delivery.objects.get()
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        tries=1, next_try_at=now - dt.timedelta(seconds=31)
    )

    with django_capture_on_commit_callbacks(execute=True):
        enqueued = worker().sweep(now)
    work()

    assert enqueued == 1
    assert len(received(httpserver)) == 1
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_a_sweep_leaves_alone_what_is_not_yet_overdue_and_retires_dead_task_rows(
    api, customer, httpserver, django_capture_on_commit_callbacks
):
    register(api, httpserver.url_for("/hooks"), ["policy.issued"])
    sell(api, customer, django_capture_on_commit_callbacks)  # a delivery just enqueued
    now = timezone.now()
    running = DBTaskResult.objects.get()
    DBTaskResult.objects.filter(pk=running.pk).update(
        status="RUNNING", started_at=now - dt.timedelta(minutes=11)
    )

    enqueued = worker().sweep(now)

    assert enqueued == 0  # its task may still come: no second one
    assert DBTaskResult.objects.get().status == "FAILED"
