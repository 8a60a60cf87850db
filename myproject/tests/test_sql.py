"""myproject.sql: rows read by statements written once are the instances the ORM gives, every
value converted as the ORM converts it (dates, times, decimals, JSON), on SQLite and
PostgreSQL alike; shown on the platform's own webhook models."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from myproject.sql import fetch_one, prepared, rows_of
from myproject.webhooks.models import Attempt, Delivery, Event, WebhookEndpoint

pytestmark = pytest.mark.django_db


def values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.fixture
def deliveries():
    owner = get_user_model().objects.create(username="owner")
    endpoint = WebhookEndpoint.objects.create(
        owner=owner, url="https://example.com/hooks", events=["*"]
    )
    made = []
    for n in range(3):
        event = Event.objects.create(
            type="quote.created", owner=owner, position=n + 1, data={"n": n, "é": [1.5, None]}
        )
        delivery = Delivery.objects.create(
            endpoint=endpoint, event=event, next_try_at=timezone.now() + dt.timedelta(days=n)
        )
        Attempt.objects.create(
            delivery=delivery, at=timezone.now(), status_code=500, duration_ms=n, response="no"
        )
        made.append(delivery)
    return made


def test_fetch_one_gives_the_orm_instance_with_the_related_ones(deliveries):
    delivery = deliveries[1]

    with CaptureQueriesContext(connection) as captured:
        found = fetch_one(Delivery, delivery.pk, related=("endpoint", "event"))
        endpoint, event = found.endpoint, found.event

    expected = Delivery.objects.select_related("endpoint", "event").get(pk=delivery.pk)
    assert len(captured.captured_queries) == 1  # the related objects came with it
    assert values(found) == values(expected)
    assert values(endpoint) == values(expected.endpoint)
    assert values(event) == values(expected.event)
    assert isinstance(found.next_try_at, dt.datetime) and found.next_try_at.tzinfo is not None
    assert event.data == {"n": 1, "é": [1.5, None]}
    assert found._state.adding is False and found._state.db == "default"


def test_fetch_one_finds_nothing_unknown_or_outside_its_condition(deliveries):
    delivery = deliveries[0]

    assert fetch_one(Delivery, delivery.pk + 1000) is None
    assert fetch_one(Delivery, delivery.pk, where={"status": "failed"}) is None
    assert fetch_one(Delivery, delivery.pk, where={"status": "pending"}).pk == delivery.pk


def test_rows_of_gives_the_orm_rows_in_key_order(deliveries):
    ids = [deliveries[2].pk, deliveries[0].pk]

    found = rows_of(Attempt, delivery_id=ids)

    expected = Attempt.objects.filter(delivery__in=ids).order_by("pk")
    assert [values(a) for a in found] == [values(a) for a in expected]
    assert len(found) == 2
    assert rows_of(Attempt, delivery_id=[]) == []


# Compiled at import, as the project's own prepared reads are: no database is touched.
ATTEMPTS = prepared(
    lambda endpoint_id, after: (
        Attempt.objects.filter(
            delivery__endpoint_id=endpoint_id, delivery__event__position__gt=after
        )
        .order_by("-id")
        .values_list("at", "status_code", "delivery__event__data", "delivery__next_try_at")
    )
)


def test_a_prepared_read_gives_the_rows_the_orm_gives_for_any_values(deliveries):
    endpoint_id = deliveries[0].endpoint_id
    for after in (0, 1, 3):
        with CaptureQueriesContext(connection) as captured:
            rows = ATTEMPTS(endpoint_id, after)
        expected = list(ATTEMPTS.build(endpoint_id, after))
        assert rows == expected
        assert len(captured.captured_queries) == 1
    assert len(ATTEMPTS(endpoint_id, 1)) == 2
    at, status, data, next_try = ATTEMPTS(endpoint_id, 2)[0]
    assert isinstance(at, dt.datetime) and at.tzinfo is not None
    assert (status, data) == (500, {"n": 2, "é": [1.5, None]})
    assert isinstance(next_try, dt.datetime)
    assert ATTEMPTS(endpoint_id + 1, 0) == []


def test_a_prepared_read_refuses_an_argument_it_cannot_find_in_its_sql():
    with pytest.raises(ValueError, match="unchanged"):
        prepared(lambda n: Event.objects.filter(position__gt=n + 1).values_list("pk"))(1)
    with pytest.raises(ValueError, match="unchanged"):
        prepared(lambda n: Event.objects.filter(position=n, owner_id=n).values_list("pk"))(1)
