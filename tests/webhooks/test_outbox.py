"""Events written with each change (myproject.webhooks.outbox), the events feed, and the
sweepers (send_webhooks, purge_events)."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from myproject.webhooks import sending, tasks
from myproject.webhooks.models import Attempt, Delivery, Event
from myproject.webhooks.outbox import record, together
from myproject.webhooks.services import endpoint_create
from quotes.services import quote_create
from tests.webhooks.helpers import received, register, sell

pytestmark = pytest.mark.django_db


def test_an_event_written_in_a_rolled_back_transaction_is_never_sent(
    work, api, partner, customer, personal_accident, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    register(api, httpserver.url_for("/hooks"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            quote_create(customer=customer, product=personal_accident)
            assert Event.objects.count() == 1  # written with the change...
            raise RuntimeError("the change fails")
    work()

    assert callbacks == []
    assert not Event.objects.exists()  # ...and gone with it
    assert not DBTaskResult.objects.exists()
    assert received(httpserver) == []


def test_every_change_is_an_event_in_the_feed_oldest_first(
    api, customer, django_capture_on_commit_callbacks
):
    policy = sell(api, customer, django_capture_on_commit_callbacks)
    api.post(f"/api/v1/policies/{policy['id']}/endorse/", {"cover": "60000.00"}, format="json")
    api.post(f"/api/v1/policies/{policy['id']}/cancel/", {"reason": "other"}, format="json")

    events = api.get("/api/v1/events/").json()["results"]

    assert [e["type"] for e in events] == [
        "quote.created",
        "quote.accepted",
        "policy.issued",
        "payment.succeeded",
        "payment.succeeded",  # the endorsement's charge
        "policy.endorsed",
        "payment.refunded",
        "policy.cancelled",
    ]
    assert events[2]["data"]["state"] == "active"
    assert events[-1]["data"]["state"] == "cancelled"
    assert events[-2]["data"]["kind"] == "refund"
    assert events[-2]["data"]["policy"] == policy["id"]
    after = api.get("/api/v1/events/", {"after": events[5]["id"]}).json()["results"]
    assert [e["id"] for e in after] == [events[6]["id"], events[7]["id"]]
    issued = api.get("/api/v1/events/", {"type": "policy.issued"}).json()["results"]
    assert [e["id"] for e in issued] == [events[2]["id"]]


def test_sequences_increase_per_object_across_a_full_flow_and_reach_the_receiver(
    work, api, customer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    register(api, httpserver.url_for("/hooks"))
    first = sell(api, customer, django_capture_on_commit_callbacks)
    second = sell(api, customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):  # each change's deliveries
        for policy, cover in ((first, "60000.00"), (second, "60000.00"), (first, "70000.00")):
            path = f"/api/v1/policies/{policy['id']}/endorse/"
            api.post(path, {"cover": cover}, format="json")
        api.post(f"/api/v1/policies/{first['id']}/cancel/", {"reason": "other"}, format="json")
    work()

    events = api.get("/api/v1/events/").json()["results"]
    by_object: dict[tuple, list[int]] = {}
    for event in events:
        kind, data = event["type"].split(".")[0], event["data"]
        # A payment's events are its policy's: they change what the policy shows.
        key = ("policy", data["policy"]) if kind == "payment" else (kind, data["id"])
        by_object.setdefault(key, []).append(event["sequence"])
    # Issued, endorsed twice, cancelled, each with its payment: all of the policy, in order.
    assert len(by_object[("policy", first["id"])]) == 8
    for sequences in by_object.values():
        assert sequences == sorted(set(sequences))  # increasing, never repeated
    assert [e["sequence"] for e in events] == sorted(e["sequence"] for e in events)
    sent = {body["id"]: body["sequence"] for body in map(json.loads, bodies(httpserver))}
    assert sent == {e["id"]: e["sequence"] for e in events if e["id"] in sent}
    assert len(sent) == len(events)


def bodies(httpserver) -> list[bytes]:
    return [request.get_data() for request in received(httpserver)]


def test_time_and_staff_make_events_too(api, staff_api, partner, customer, quote):
    quote.valid_until = timezone.now() - dt.timedelta(seconds=1)
    quote.save()

    call_command("expire_quotes", verbosity=0)
    other = quote_create(customer=customer, product=quote.product)
    staff_api.post(
        f"/api/v1/quotes/{other.pk}/decline/", {"reason": "asked by phone"}, format="json"
    )

    types = [e["type"] for e in api.get("/api/v1/events/").json()["results"]]
    assert types == ["quote.created", "quote.expired", "quote.created", "quote.declined"]
    assert set(Event.objects.values_list("owner", flat=True)) == {partner.user_id}


def test_the_feed_is_the_partners_own(api, other_api, customer, personal_accident):
    quote_create(customer=customer, product=personal_accident)
    mine = api.get("/api/v1/events/").json()["results"]

    response = other_api.get("/api/v1/events/", {"after": mine[0]["id"]})

    assert other_api.get("/api/v1/events/").json()["results"] == []
    assert response.status_code == 400
    assert "after" in response.json()["errors"]


def test_staff_can_redeliver_from_admin(
    work,
    admin_client,
    api,
    customer,
    personal_accident,
    httpserver,
    django_capture_on_commit_callbacks,
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    register(api, httpserver.url_for("/hooks"), ["quote.created"])
    quote_create(customer=customer, product=personal_accident)
    delivery = Delivery.objects.get()
    sending.deliver(delivery.pk)

    page = admin_client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/webhooks/delivery/",
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    work()

    assert page.status_code == 200
    assert "200" in page.content.decode()
    assert len(received(httpserver)) == 2
    assert Attempt.objects.count() == 2


def test_a_queue_that_is_down_fails_no_request_and_the_sweeper_sends_later(
    work, api, customer, httpserver, monkeypatch, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    register(api, httpserver.url_for("/hooks"), ["policy.issued"])
    enqueue = tasks.enqueue

    def queue_down(*args, **kwargs):
        raise ConnectionError("the task queue is down")

    monkeypatch.setattr(tasks, "enqueue", queue_down)
    policy = sell(api, customer, django_capture_on_commit_callbacks)
    monkeypatch.setattr(tasks, "enqueue", enqueue)

    assert policy["state"] == "active"  # the change stands
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    call_command("send_webhooks", verbosity=0)
    work()
    assert len(received(httpserver)) == 1


def test_old_events_are_purged_once_nothing_is_left_to_send(
    api, customer, personal_accident, httpserver
):
    register(api, httpserver.url_for("/hooks"), ["quote.created"])
    quote_create(customer=customer, product=personal_accident)
    quote_create(customer=customer, product=personal_accident)
    old = timezone.now() - dt.timedelta(days=91)
    Event.objects.update(created=old)
    sent, waiting = Delivery.objects.order_by("id")
    Delivery.objects.filter(pk=sent.pk).update(status=Delivery.Status.DELIVERED)

    call_command("purge_events", verbosity=0)

    assert list(Event.objects.values_list("seq", flat=True)) == [waiting.event_id]
    assert list(Delivery.objects.all()) == [waiting]


def test_a_partner_that_never_had_an_endpoint_is_not_asked_for_them_on_each_event(
    partner, customer, personal_accident, httpserver
):
    with CaptureQueriesContext(connection) as without:
        record("quote.created", owner_id=partner.user_id, data={})
    endpoint_create(owner_id=partner.user_id, url=httpserver.url_for("/hooks"), events=["*"])
    with CaptureQueriesContext(connection) as with_one:
        event = record("quote.created", owner_id=partner.user_id, data={})

    assert len(without.captured_queries) == 2  # its feed position, the event
    assert "webhookendpoint" not in " ".join(q["sql"] for q in without.captured_queries)
    assert len(with_one.captured_queries) == 4  # and its endpoints, a delivery
    assert Delivery.objects.filter(event=event).count() == 1


def test_the_events_of_one_change_are_written_together_with_their_deliveries(
    partner, other_partner, httpserver
):
    url = httpserver.url_for("/hooks")
    endpoint_create(owner_id=partner.user_id, url=url, events=["*"])
    endpoint_create(owner_id=partner.user_id, url=url, events=["payment.succeeded"])
    record("quote.created", owner_id=partner.user_id, data={})  # position 1

    with CaptureQueriesContext(connection) as captured, transaction.atomic(), together():
        record("policy.issued", owner_id=partner.user_id, data={"n": 1})
        with together():  # an inner block leaves them to the outer one
            record("payment.succeeded", owner_id=partner.user_id, data={"n": 2})
        record("quote.created", owner_id=other_partner.user_id, data={"n": 3})
        assert not Event.objects.filter(data__n__isnull=False).exists()  # not yet written

    written = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # two feed positions (one per owner), the events, the endpoints, the deliveries
    assert len(written) == 6, written
    events = Event.objects.filter(data__n__isnull=False).order_by("data__n")
    assert [(e.type, e.position) for e in events] == [
        ("policy.issued", 2),
        ("payment.succeeded", 3),
        ("quote.created", 1),
    ]
    assert sorted(Delivery.objects.values_list("event__type", flat=True)) == [
        "payment.succeeded",
        "payment.succeeded",
        "policy.issued",
        "quote.created",
    ]


def test_a_block_that_fails_writes_none_of_its_events(partner):
    with pytest.raises(ValueError), transaction.atomic(), together():
        record("quote.created", owner_id=partner.user_id, data={})
        raise ValueError("the change failed")

    assert not Event.objects.exists()
