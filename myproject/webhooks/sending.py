"""Sending a delivery: one try, claimed by one worker only, posted signed to the Standard
Webhooks specification to the very address checked, and recorded as an attempt. Anything but
a 2xx within TIMEOUT_SECONDS is retried on RETRY_DELAYS, with jitter, then marked failed; an
endpoint failing for DISABLE_AFTER is disabled, saying why. Delivery is at least once: a
receiver may see the same event id twice.
"""

import contextlib
import datetime as dt
import json
import random
import signal
import threading
import time

import urllib3
from django.db.models import F
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from .models import Attempt, Delivery, Event, WebhookEndpoint
from .safety import UnsafeURL, resolve
from .serializers import EventSerializer
from .services import endpoint_set_active

# After each failed try, how long until the next (the Standard Webhooks senders' schedule).
RETRY_DELAYS = [
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
]
TIMEOUT_SECONDS = 10
# A claimed try that has not finished after this long (its worker died) may be tried again.
LEASE = dt.timedelta(seconds=TIMEOUT_SECONDS * 6)
DISABLE_AFTER = dt.timedelta(days=5)
RESPONSE_EXCERPT = 200
USER_AGENT = "insurance-api-webhooks/1"


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> Attempt | None:
    """Try a delivery once if it is due and not claimed by another worker; None if not.
    A delivery left pending after it has its next try at `next_try_at`."""
    now = now or timezone.now()
    delivery = claim_try(delivery_id, now)
    if delivery is None:
        return None
    endpoint, event = delivery.endpoint, delivery.event
    attempt = Attempt(delivery=delivery, at=now)
    if not endpoint.is_active:
        attempt.error = "endpoint disabled"
        attempt.duration_ms = 0
    else:
        _post(endpoint, event, attempt)
    attempt.save()
    _settle(delivery, attempt, now=now)
    return attempt


def claim_try(delivery_id: int, now: dt.datetime) -> Delivery | None:
    """The delivery, its try claimed for this worker until LEASE has passed; None if it is
    not due or another worker claimed it first."""
    delivery = (
        Delivery.objects.select_related("endpoint", "event")
        .filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .first()
    )
    if delivery is None or (delivery.next_try_at and delivery.next_try_at > now):
        return None
    # One conditional update: of two workers holding the same task, one claims the try.
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, tries=delivery.tries
    ).update(tries=F("tries") + 1, next_try_at=now + LEASE, updated_at=now)
    if not claimed:
        return None
    delivery.tries += 1
    return delivery


def _post(endpoint: WebhookEndpoint, event: Event, attempt: Attempt) -> None:
    started = time.monotonic()
    try:
        target = resolve(endpoint.url)  # again: where the name points now
        body = json.dumps(EventSerializer(event).data, separators=(",", ":"))
        sent_at = timezone.now()
        headers = {
            "Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": event.uid,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(endpoint.secret).sign(event.uid, sent_at, body),
        }
        pool = _pool(target)
        with deadline(TIMEOUT_SECONDS):
            _send(pool, target, body, headers, attempt)
    except UnsafeURL as exc:
        attempt.error = str(exc)[:200]
    except urllib3.exceptions.HTTPError as exc:
        attempt.error = failure(exc)[:200]
    except TryTimedOut:
        attempt.error = f"no whole answer within {TIMEOUT_SECONDS} s"
    if attempt.status_code is not None and not attempt.succeeded:
        attempt.error = f"answered HTTP {attempt.status_code}"
    attempt.duration_ms = int((time.monotonic() - started) * 1000)


# What a receiver's operator can act on, for the errors a try can meet (urllib3's own names
# say nothing to them). NewConnectionError is a kind of ConnectTimeoutError: it comes first.
def failure(exc: urllib3.exceptions.HTTPError) -> str:
    """Why a try got no answer, in words."""
    text = str(exc)
    if isinstance(exc, urllib3.exceptions.SSLError):
        if "match" in text and "hostname" in text.lower():
            return "TLS: the certificate is not for this host name"
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            reason = text.rsplit("certificate verify failed:", 1)[-1].split("(")[0].strip()
            return f"TLS: the certificate is not trusted ({reason or 'verify failed'})"
        return "TLS: the handshake failed"
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        if "refused" in text.lower():
            return "connection refused"
        if "unreachable" in text.lower():
            return "network unreachable"
        return "could not connect"
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return f"could not connect within {TIMEOUT_SECONDS} s"
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return f"no answer within {TIMEOUT_SECONDS} s"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return "the connection closed before a whole answer"
    return f"no answer ({type(exc).__name__})"


def _send(pool, target, body: str, headers: dict, attempt: Attempt) -> None:
    response = pool.urlopen(
        "POST",
        target.path,
        body=body.encode(),
        headers=headers,
        redirect=False,
        retries=False,
        timeout=urllib3.Timeout(total=TIMEOUT_SECONDS),
        preload_content=False,
        assert_same_host=False,
    )
    try:
        attempt.status_code = response.status
        excerpt = response.read(RESPONSE_EXCERPT, decode_content=False)
        # PostgreSQL text holds no NUL, which a receiver may well send.
        text = excerpt.decode("utf-8", "replace").replace("\x00", "\ufffd")
        attempt.response = text[:RESPONSE_EXCERPT]
    finally:
        response.release_conn()


class TryTimedOut(Exception):
    """The whole try took longer than TIMEOUT_SECONDS."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Bound a whole try, not each socket read: urllib3's timeouts apply to every read alone,
    so a receiver sending its answer a byte at a time would hold a worker for as long as it
    liked. A worker runs its tasks in its main thread (db_worker, and RQ's work horse), where
    a timer signal can interrupt a read; any alarm already set (RQ's job timeout) is put
    back. Elsewhere (a thread) only the per-read timeouts apply."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TryTimedOut

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_alarm, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_alarm:
            left = previous_alarm - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def _pool(target) -> urllib3.HTTPConnectionPool:
    """A connection to the checked address, speaking to (and for https verifying) the name."""
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(target.address, target.port, maxsize=1)
    return urllib3.HTTPSConnectionPool(
        target.address,
        target.port,
        maxsize=1,
        server_hostname=target.host,
        assert_hostname=target.host,
    )


def _settle(delivery: Delivery, attempt: Attempt, *, now: dt.datetime) -> None:
    endpoint = delivery.endpoint
    if attempt.succeeded:
        delivery.status, delivery.next_try_at = Delivery.Status.DELIVERED, None
        if endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    elif delivery.tries > len(RETRY_DELAYS) or not endpoint.is_active:
        delivery.status, delivery.next_try_at = Delivery.Status.FAILED, None
    else:
        delay = RETRY_DELAYS[delivery.tries - 1]
        delivery.next_try_at = now + delay * random.uniform(0.9, 1.1)  # jitter
    delivery.save(update_fields=["status", "next_try_at", "updated_at"])
    if not attempt.succeeded and endpoint.is_active:
        _note_failure(endpoint, attempt, now=now)


def _note_failure(endpoint: WebhookEndpoint, attempt: Attempt, *, now: dt.datetime) -> None:
    """Remember when an endpoint started failing; after DISABLE_AFTER, disable it."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    since = WebhookEndpoint.objects.values_list("failing_since", flat=True).get(pk=endpoint.pk)
    if since is not None and now - since >= DISABLE_AFTER:
        what = f"HTTP {attempt.status_code}" if attempt.status_code else attempt.error
        endpoint_set_active(
            endpoint_id=endpoint.pk,
            active=False,
            reason=f"Disabled on {now:%d-%m-%Y}: every delivery failed since "
            f"{since:%d-%m-%Y %H:%M} UTC (last: {what}).",
        )
