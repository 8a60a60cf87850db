"""Webhooks end to end: a real HTTP receiver on loopback, the database task queue and its
worker (`manage.py db_worker`), signatures checked with the Standard Webhooks library."""

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import socket
import threading

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook
from werkzeug import Response

from myproject.webhooks import sending, services, tasks
from myproject.webhooks.models import Attempt, Delivery, Event, WebhookEndpoint
from quotes.services import quote_create

pytestmark = pytest.mark.django_db


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


def register(client, url: str, events=("*",)):
    return client.post("/api/v1/webhook-endpoints/", {"url": url, "events": events}, format="json")


def sell(client, customer, capture) -> dict:
    """Quote, accept and pay through the API; what each request commits is enqueued."""
    with capture(execute=True):
        quote = client.post(
            "/api/v1/quotes/", {"customer": customer.pk, "type": "personal-accident"}, format="json"
        ).json()
    with capture(execute=True):
        client.post(f"/api/v1/quotes/{quote['id']}/accept/")
    with capture(execute=True):
        return client.post(f"/api/v1/quotes/{quote['id']}/pay/").json()


def received(httpserver) -> list:
    return [request for request, _ in httpserver.log]


def test_a_paid_policy_reaches_the_receiver_once_with_a_valid_signature(
    work, api, customer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks", method="POST").respond_with_data("thanks")
    endpoint = register(api, httpserver.url_for("/hooks"), ["policy.issued"]).json()

    policy = sell(api, customer, django_capture_on_commit_callbacks)

    assert received(httpserver) == []  # nothing is sent from inside a request
    work()
    work()  # a second worker run finds nothing left to send
    (request,) = received(httpserver)
    event = Webhook(endpoint["secret"]).verify(request.get_data(), dict(request.headers))
    assert event["type"] == "policy.issued"
    assert event["id"].startswith("evt_")
    assert request.headers["webhook-id"] == event["id"]
    assert event["data"] == api.get(f"/api/v1/policies/{policy['id']}/").json()
    deliveries = api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/").json()
    (delivery,) = deliveries["results"]
    assert delivery["status"] == "delivered"
    assert delivery["event"] == event["id"]
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    assert delivery["attempts"][0]["response"] == "thanks"


def test_a_receiver_answering_500_then_200_gets_the_event_on_the_retry(
    work, api, customer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_oneshot_request("/hooks").respond_with_data("down", status=500)
    httpserver.expect_request("/hooks").respond_with_data("ok")
    endpoint = register(api, httpserver.url_for("/hooks"), ["policy.issued"]).json()
    sell(api, customer, django_capture_on_commit_callbacks)

    work()

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    wait = delivery.next_try_at - Attempt.objects.get().at
    assert dt.timedelta(seconds=4.5) <= wait <= dt.timedelta(seconds=5.5)  # 5 s with jitter
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the retry, deferred
    # Test set-up: five seconds pass.
    Delivery.objects.update(next_try_at=timezone.now())
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    work()

    first, second = received(httpserver)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # the same event
    deliveries = api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/").json()
    (delivery,) = deliveries["results"]
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]
    assert api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/").json()["failing_since"] is None


def test_a_failed_try_says_what_happened(
    work, api, customer, httpserver, django_capture_on_commit_callbacks
):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refusing = f"http://127.0.0.1:{closed.getsockname()[1]}/hooks"
    closed.close()  # nothing listens there now
    httpserver.expect_request("/hooks").respond_with_data("down for maintenance", status=503)
    register(api, refusing, ["policy.issued"])
    register(api, httpserver.url_for("/hooks"), ["policy.issued"])
    sell(api, customer, django_capture_on_commit_callbacks)

    work()

    by_url = {
        a.delivery.endpoint.url: a for a in Attempt.objects.select_related("delivery__endpoint")
    }
    assert by_url[refusing].error == "connection refused"
    answered = by_url[httpserver.url_for("/hooks")]
    assert answered.error == "answered HTTP 503"
    assert (answered.status_code, answered.response) == (503, "down for maintenance")


def tls_failure(tmp_path, *, certificate_for: str, trusted: bool) -> str:
    """What `failure` says of a real TLS handshake with a receiver whose certificate is for
    `certificate_for`, self-signed, and trusted by the sender or not."""
    import ssl
    import subprocess
    import threading

    import urllib3

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", f"/CN={certificate_for}"]
        + ["-addext", f"subjectAltName=DNS:{certificate_for}"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        connection, _ = listener.accept()
        try:
            context.wrap_socket(connection, server_side=True)
        except (ssl.SSLError, OSError):
            pass
        connection.close()

    threading.Thread(target=serve, daemon=True).start()
    pool = urllib3.HTTPSConnectionPool(
        "127.0.0.1",
        listener.getsockname()[1],
        server_hostname="hooks.partner.example",
        assert_hostname="hooks.partner.example",
        ca_certs=str(cert) if trusted else None,
    )
    try:
        pool.urlopen("POST", "/", body=b"{}", retries=False, timeout=5)
    except urllib3.exceptions.HTTPError as exc:
        return sending.failure(exc)
    finally:
        listener.close()
    raise AssertionError("the handshake succeeded")


def test_a_tls_failure_says_whether_the_name_or_the_trust_failed(tmp_path):
    untrusted = tls_failure(tmp_path, certificate_for="hooks.partner.example", trusted=False)
    other_name = tls_failure(tmp_path, certificate_for="other.example", trusted=True)

    assert untrusted.startswith("TLS: the certificate is not trusted (self")
    assert other_name == "TLS: the certificate is not for this host name"


@pytest.fixture
def silent_receiver():
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"
    listener.close()


def test_a_receiver_that_never_answers_does_not_hold_up_the_api(
    work, api, customer, silent_receiver, monkeypatch, django_capture_on_commit_callbacks
):
    register(api, silent_receiver)

    policy = sell(api, customer, django_capture_on_commit_callbacks)

    assert policy["state"] == "active"
    assert not Attempt.objects.exists()  # the request waited on no receiver
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 0.3)  # the worker's wait, shortened
    work()
    attempts = Attempt.objects.all()
    assert attempts and all(a.status_code is None for a in attempts)
    assert {a.error for a in attempts} <= {"no answer within 0.3 s", "no whole answer within 0.3 s"}
    assert all(d.status == Delivery.Status.PENDING for d in Delivery.objects.all())  # retried


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


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hooks",
        "https://127.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:10.0.0.1]/hooks",
        # IPv6 forms that embed a private IPv4 address: NAT64, local-use NAT64, 6to4,
        # IPv4-compatible, and Teredo.
        "https://[64:ff9b::a00:1]/hooks",
        "https://[64:ff9b:1::a00:1]/hooks",
        "https://[2002:a00:1::1]/hooks",
        "https://[::a00:1]/hooks",
        "https://[::127.0.0.1]/hooks",
        "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hooks",
        "https://100.64.0.1/hooks",
        "https://0.0.0.0/hooks",
        "http://example.com/hooks",
        "ftp://example.com/hooks",
        "https://user:secret@example.com/hooks",
        "not a url",
    ],
)
def test_a_url_on_a_private_address_or_without_https_is_refused(api, url):
    response = register(api, url)

    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


def test_loopback_is_refused_unless_allowed(api, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    assert register(api, "http://127.0.0.1:8123/hooks").status_code == 400
    assert register(api, "http://localhost:8123/hooks").status_code == 400


def resolving_to(monkeypatch, address: str):
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_a_name_resolving_to_a_private_address_is_refused(api, monkeypatch):
    resolving_to(monkeypatch, "192.168.1.10")

    response = register(api, "https://hooks.partner.example/in")

    assert response.status_code == 400
    assert response.json()["errors"]["url"] == ["hooks.partner.example is not a public address."]


@pytest.mark.parametrize("url", ["https://localhost/", "https://no-such-name.invalid/"])
def test_a_refusal_tells_nothing_of_the_networks_names(api, settings, url):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False  # as in production

    response = register(api, url)

    assert response.status_code == 400
    (message,) = response.json()["errors"]["url"]
    assert message.endswith("is not a public address.")
    assert "127.0.0.1" not in message and "resolve" not in message


def test_a_public_address_written_in_an_ipv6_form_that_embeds_it_is_allowed():
    from myproject.webhooks.safety import is_public

    assert is_public("64:ff9b::5db8:d822")  # NAT64 of 93.184.216.34
    assert is_public("2606:4700::1111")
    assert not is_public("64:ff9b::7f00:1")  # NAT64 of 127.0.0.1


def test_the_address_is_checked_again_before_each_delivery(
    work, api, customer, monkeypatch, django_capture_on_commit_callbacks
):
    resolving_to(monkeypatch, "93.184.216.34")
    assert register(api, "https://hooks.partner.example/in").status_code == 201
    sell(api, customer, django_capture_on_commit_callbacks)
    resolving_to(monkeypatch, "10.1.2.3")  # the name now points inside

    work()

    attempts = list(Attempt.objects.all())
    assert attempts and all("not a public address" in a.error for a in attempts)
    assert all(a.status_code is None for a in attempts)


def test_registering_sends_nothing_and_shows_the_secret_once(api, httpserver):
    response = register(api, httpserver.url_for("/hooks"), ["policy.issued", "policy.issued"])

    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["policy.issued"]
    assert body["is_active"] is True
    assert "secret" not in api.get(f"/api/v1/webhook-endpoints/{body['id']}/").json()
    assert received(httpserver) == []


def test_an_unknown_event_type_is_refused(api, httpserver):
    response = register(api, httpserver.url_for("/hooks"), ["policy.exploded"])

    assert response.status_code == 400
    assert "events.0" in response.json()["errors"]


def test_rotating_the_secret_signs_with_the_new_one(
    work, api, customer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    endpoint = register(api, httpserver.url_for("/hooks"), ["policy.issued"]).json()
    rotated = api.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/rotate-secret/").json()
    sell(api, customer, django_capture_on_commit_callbacks)

    work()

    assert rotated["secret"] != endpoint["secret"]
    (request,) = received(httpserver)
    Webhook(rotated["secret"]).verify(request.get_data(), dict(request.headers))
    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint["secret"]).verify(request.get_data(), dict(request.headers))


def test_a_disabled_or_deleted_endpoint_is_sent_nothing(
    work, api, customer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    disabled = register(api, httpserver.url_for("/hooks")).json()
    deleted = register(api, httpserver.url_for("/hooks")).json()
    off = api.post(f"/api/v1/webhook-endpoints/{disabled['id']}/disable/").json()
    assert api.delete(f"/api/v1/webhook-endpoints/{deleted['id']}/").status_code == 204

    sell(api, customer, django_capture_on_commit_callbacks)
    work()

    assert off["is_active"] is False
    assert received(httpserver) == []
    assert not Delivery.objects.exists()


def test_after_the_last_retry_a_delivery_fails(api, customer, personal_accident, httpserver):
    httpserver.expect_request("/hooks").respond_with_data("no", status=410)
    register(api, httpserver.url_for("/hooks"), ["quote.created"])
    quote_create(customer=customer, product=personal_accident)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(tries=len(sending.RETRY_DELAYS))

    sending.deliver(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.tries == len(sending.RETRY_DELAYS) + 1


def test_an_endpoint_failing_for_five_days_is_disabled_saying_why(
    api, customer, personal_accident, httpserver
):
    httpserver.expect_request("/hooks").respond_with_data("no", status=503)
    endpoint = register(api, httpserver.url_for("/hooks"), ["quote.created"]).json()
    WebhookEndpoint.objects.update(failing_since=timezone.now() - dt.timedelta(days=5))
    quote_create(customer=customer, product=personal_accident)

    sending.deliver(Delivery.objects.get().pk)

    shown = api.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/").json()
    assert shown["is_active"] is False
    assert "HTTP 503" in shown["disabled_reason"]


def test_a_delivery_body_is_the_event_as_the_feed_shows_it(
    api, customer, personal_accident, httpserver
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    register(api, httpserver.url_for("/hooks"), ["quote.created"])
    quote_create(customer=customer, product=personal_accident)

    sending.deliver(Delivery.objects.get().pk)

    (request,) = received(httpserver)
    (shown,) = api.get("/api/v1/events/").json()["results"]
    assert json.loads(request.get_data()) == shown
    assert request.headers["Content-Type"] == "application/json"


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


def test_an_answer_is_kept_to_its_first_bytes(api, customer, personal_accident, httpserver):
    httpserver.expect_request("/hooks").respond_with_response(Response("x" * 5000))
    register(api, httpserver.url_for("/hooks"), ["quote.created"])
    quote_create(customer=customer, product=personal_accident)

    sending.deliver(Delivery.objects.get().pk)

    assert Attempt.objects.get().response == "x" * 200


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


def test_a_partner_may_have_ten_endpoints(api, other_api, httpserver):
    for _ in range(services.MAX_ENDPOINTS):
        assert register(api, httpserver.url_for("/hooks")).status_code == 201

    response = register(api, httpserver.url_for("/hooks"))

    assert response.status_code == 409
    assert response.json()["code"] == "too_many_endpoints"
    assert register(other_api, httpserver.url_for("/hooks")).status_code == 201  # per partner


def test_a_receiver_answering_nul_bytes_is_recorded_not_a_crash(
    api, customer, personal_accident, httpserver
):
    httpserver.expect_request("/hooks").respond_with_data(b"ok\x00\x00bad", status=200)
    register(api, httpserver.url_for("/hooks"), ["quote.created"])
    quote_create(customer=customer, product=personal_accident)

    sending.deliver(Delivery.objects.get().pk)

    assert Attempt.objects.get().response == "ok\ufffd\ufffdbad"
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


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


def test_the_signature_is_the_specifications_hmac_computed_independently(
    api, customer, personal_accident, httpserver
):
    httpserver.expect_request("/hooks").respond_with_data("ok")
    secret = register(api, httpserver.url_for("/hooks"), ["quote.created"]).json()["secret"]
    quote_create(customer=customer, product=personal_accident)

    sending.deliver(Delivery.objects.get().pk)

    (request,) = received(httpserver)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}."
    digest = hmac.new(key, signed.encode() + request.get_data(), hashlib.sha256).digest()
    assert request.headers["webhook-signature"] == f"v1,{base64.b64encode(digest).decode()}"


def test_the_signing_library_matches_the_specifications_test_vector():
    # From the Standard Webhooks specification's reference implementations.
    webhook = Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    sent_at = dt.datetime.fromtimestamp(1614265330, dt.UTC)

    signature = webhook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", sent_at, '{"test": 2432232314}')

    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.fixture
def dripping_receiver():
    """A receiver that answers a byte every 0.1 s: each read is quick, the whole never ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def drip():
        listener.settimeout(5)
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            # Five seconds of it at most, so that a worker without a deadline fails, not hangs.
            for byte in itertools.islice(itertools.cycle(b"HTTP/1.1 200 OK\r\nX-Slow: "), 50):
                if stop.wait(0.1):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_a_receiver_dripping_its_answer_cannot_hold_a_worker_past_the_timeout(
    api, customer, personal_accident, dripping_receiver, monkeypatch
):
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 0.5)
    register(api, dripping_receiver, ["quote.created"])
    quote_create(customer=customer, product=personal_accident)

    sending.deliver(Delivery.objects.get().pk)

    attempt = Attempt.objects.get()
    assert attempt.error == "no whole answer within 0.5 s"
    assert attempt.duration_ms < 1500  # not the minutes a byte at a time would take
    assert Delivery.objects.get().status == Delivery.Status.PENDING  # to be retried
