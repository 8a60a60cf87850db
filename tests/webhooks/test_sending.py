"""Sending deliveries (myproject.webhooks.sending, tasks): a real receiver on loopback, the
database task queue and its worker, signatures checked with the Standard Webhooks library."""

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import socket
import threading

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook
from werkzeug import Response

from myproject.webhooks import sending
from myproject.webhooks.models import Attempt, Delivery, WebhookEndpoint
from quotes.services import quote_create
from tests.webhooks.helpers import received, register, resolving_to, sell

pytestmark = pytest.mark.django_db


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


def test_an_answer_is_kept_to_its_first_bytes(api, customer, personal_accident, httpserver):
    httpserver.expect_request("/hooks").respond_with_response(Response("x" * 5000))
    register(api, httpserver.url_for("/hooks"), ["quote.created"])
    quote_create(customer=customer, product=personal_accident)

    sending.deliver(Delivery.objects.get().pk)

    assert Attempt.objects.get().response == "x" * 200


def test_a_receiver_answering_nul_bytes_is_recorded_not_a_crash(
    api, customer, personal_accident, httpserver
):
    httpserver.expect_request("/hooks").respond_with_data(b"ok\x00\x00bad", status=200)
    register(api, httpserver.url_for("/hooks"), ["quote.created"])
    quote_create(customer=customer, product=personal_accident)

    sending.deliver(Delivery.objects.get().pk)

    assert Attempt.objects.get().response == "ok\ufffd\ufffdbad"
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


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
