"""Fixtures of the webhooks tests: a receiver on loopback, loopback allowed, and the worker."""

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    # The worker closes "old" connections between tasks, as Django does between requests;
    # the test's connection holds the transaction every test runs in, so it must stay open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture
def work(django_capture_on_commit_callbacks):
    """What `manage.py db_worker` does in production: run every task that is due, then stop
    (what its tasks commit, such as a retry, enqueued as on a real commit)."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    return run
