"""Migrations that move things keep the data: events and webhooks became an app of their own
in state only, their tables and rows where they were."""

import pytest
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader


def test_webhooks_became_an_app_without_touching_the_database():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    moved = [
        loader.get_migration("myproject", "0003_webhooks_become_their_own_app"),
        loader.get_migration("webhooks", "0001_initial"),
    ]

    for migration in moved:
        for operation in migration.operations:
            # The models move in the state only; the one step that runs renames the content
            # types, so that permissions and admin's log follow the models.
            assert isinstance(operation, migrations.SeparateDatabaseAndState | migrations.RunPython)
            if isinstance(operation, migrations.SeparateDatabaseAndState):
                assert operation.database_operations == []


@pytest.mark.django_db
def test_the_tables_myproject_created_are_the_ones_webhooks_reads():
    from django.contrib.auth import get_user_model

    from myproject.webhooks.models import Attempt, Delivery, Event, WebhookEndpoint

    owner = get_user_model().objects.create(username="partner-before")
    with connection.cursor() as cursor:  # a row as myproject's 0002 table holds it
        cursor.execute(
            "INSERT INTO myproject_event (uid, type, owner_id, created, data) "
            "VALUES (%s, %s, %s, CURRENT_TIMESTAMP, %s)",
            ["evt_before", "quote.created", owner.pk, '{"id": 1}'],
        )

    event = Event.objects.get(uid="evt_before")
    assert (event.type, event.owner_id, event.data) == ("quote.created", owner.pk, {"id": 1})
    tables = [model._meta.db_table for model in (Event, WebhookEndpoint, Delivery, Attempt)]
    assert tables == [
        "myproject_event",
        "myproject_webhookendpoint",
        "myproject_delivery",
        "myproject_attempt",
    ]
