"""The same webhook flows on the Redis-based task backend (RQ, through django-tasks-rq), the
one larger deployments switch to by settings alone: TASKS_BACKEND=django_tasks_rq.RQBackend,
worked by `manage.py rqworker`. Against the local Redis, in a database of its own."""

import django_rq
import pytest
import redis
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from customers.tests.factories import CustomerFactory, PartnerFactory, partner_token
from myproject.webhooks import outbox
from myproject.webhooks.models import Delivery
from tests.helpers import born_years_ago, client_with_token

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REDIS_TEST_QUEUE = "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


@pytest.fixture
def rq_backend(settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    monkeypatch.setattr(django_rq.settings, "QUEUES", {"default": {"URL": REDIS_TEST_QUEUE}})
    connection = redis.Redis.from_url(REDIS_TEST_QUEUE)
    connection.flushdb()
    yield
    connection.flushdb()


def work():
    """`manage.py rqworker default --burst`, in this process (SimpleWorker forks nothing)."""
    call_command(
        "rqworker",
        "default",
        "--burst",
        "--worker-class=rq.worker.SimpleWorker",
        "--job-class=django_tasks_rq.Job",
        verbosity=0,
    )


@pytest.fixture
def partner_api():
    partner = PartnerFactory()
    customer = CustomerFactory(partner=partner, dob=born_years_ago(35))
    return client_with_token(partner_token(partner)), customer


def sell(client, customer) -> dict:
    quote = client.post(
        "/api/v1/quotes/", {"customer": customer.pk, "type": "personal-accident"}, format="json"
    ).json()
    client.post(f"/api/v1/quotes/{quote['id']}/accept/")
    return client.post(f"/api/v1/quotes/{quote['id']}/pay/").json()


def test_a_paid_policy_reaches_the_receiver_once_through_redis(rq_backend, partner_api, httpserver):
    api, customer = partner_api
    httpserver.expect_request("/hooks").respond_with_data("ok")
    endpoint = api.post(
        "/api/v1/webhook-endpoints/",
        {"url": httpserver.url_for("/hooks"), "events": ["policy.issued"]},
        format="json",
    ).json()

    policy = sell(api, customer)

    assert len(django_rq.get_queue("default")) == 1  # queued on Redis, not sent yet
    assert httpserver.log == []
    work()
    work()
    ((request, _),) = httpserver.log
    event = Webhook(endpoint["secret"]).verify(request.get_data(), dict(request.headers))
    assert event["type"] == "policy.issued"
    assert event["data"]["id"] == policy["id"]


def test_a_500_then_a_200_is_delivered_on_the_retry_through_redis(
    rq_backend, partner_api, httpserver
):
    api, customer = partner_api
    httpserver.expect_oneshot_request("/hooks").respond_with_data("down", status=500)
    httpserver.expect_request("/hooks").respond_with_data("ok")
    api.post(
        "/api/v1/webhook-endpoints/",
        {"url": httpserver.url_for("/hooks"), "events": ["policy.issued"]},
        format="json",
    )
    sell(api, customer)

    work()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.tries) == (Delivery.Status.PENDING, 1)
    # Test set-up: the retry falls due; the sweeper (`manage.py send_webhooks`) enqueues it.
    Delivery.objects.update(next_try_at=timezone.now())
    assert outbox.enqueue_due() == 1
    work()

    assert [response.status_code for _, response in httpserver.log] == [500, 200]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
