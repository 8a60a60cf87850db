"""Migrations that move things keep the data: events and webhooks became an app of their own
in state only, their tables and rows where they were."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_events_written_before_webhooks_became_an_app_are_read_after():
    from django.contrib.auth import get_user_model

    from myproject.webhooks.models import Event

    owner = get_user_model().objects.create(username="partner-before")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("webhooks", None), ("myproject", "0002_webhooks")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO myproject_event (uid, type, owner_id, created, data) "
            "VALUES (%s, %s, %s, CURRENT_TIMESTAMP, %s)",
            ["evt_before", "quote.created", owner.pk, '{"id": 1}'],
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    event = Event.objects.get(uid="evt_before")
    assert (event.type, event.owner_id, event.data) == ("quote.created", owner.pk, {"id": 1})
    assert Event._meta.db_table == "myproject_event"
