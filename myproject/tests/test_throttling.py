"""Throttles that count exactly, on every cache the project runs with, and for every caller:
partners, callers without a valid token, and staff signing in to admin."""

import threading
import uuid
from types import SimpleNamespace

import pytest
import redis
from django.core.cache import caches
from rest_framework.test import APIClient

from myproject.http import throttling

THREADS, REQUESTS_EACH, LIMIT = 16, 50, 600


def parallel_allowed(throttle_class, request) -> int:
    """16 threads x 50 requests at once against a limit of 600: how many got through."""
    allowed = []
    start = threading.Barrier(THREADS)

    def burst():
        start.wait()
        for _ in range(REQUESTS_EACH):
            allowed.append(throttle_class().allow_request(request, None))

    threads = [threading.Thread(target=burst) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(allowed)


@pytest.fixture(params=["locmem", "file", "redis"])
def cache_backend(request, settings, tmp_path):
    settings.API_THROTTLE_RATE = f"{LIMIT}/hour"
    settings.REDIS_URL = ""
    if request.param == "file":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path),
            }
        }
    elif request.param == "redis":
        settings.REDIS_URL = "redis://127.0.0.1:6379/15"
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    caches["default"].clear()
    yield request.param
    if request.param == "redis":
        redis.Redis.from_url(settings.REDIS_URL).flushdb()


def test_parallel_requests_at_a_limit_let_exactly_that_many_through(cache_backend):
    partner = SimpleNamespace(user=SimpleNamespace(pk=uuid.uuid4().hex, is_authenticated=True))

    assert parallel_allowed(throttling.PartnerRateThrottle, partner) == LIMIT


def test_redis_counts_in_one_round_trip_by_its_own_clock_with_an_expiry(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    server = redis.Redis.from_url(settings.REDIS_URL)
    key = f"throttle:test:{uuid.uuid4().hex}"

    hits = [throttling.hit(key, 60) for _ in range(3)]

    assert [count for count, _ in hits] == [1, 2, 3]
    assert all(0 < left <= 60 for _, left in hits)
    window = int(server.time()[0]) // 60
    (stored,) = server.keys(f"{key}:*")
    assert stored.decode() in {f"{key}:{window}", f"{key}:{window - 1}"}  # Redis's clock
    assert 0 < server.ttl(stored) <= 60


@pytest.mark.django_db
def test_callers_without_a_valid_token_are_throttled_per_address(settings, api):
    settings.API_ANON_THROTTLE_RATE = "5/min"
    anonymous, forger = APIClient(), APIClient()
    forger.credentials(HTTP_AUTHORIZATION="Token " + "f" * 64)

    statuses = [anonymous.get("/api/v1/customers/").status_code for _ in range(3)]
    statuses += [forger.get("/api/v1/policies/1/").status_code for _ in range(3)]

    assert statuses == [401, 401, 401, 401, 401, 429]
    throttled = anonymous.post("/api/v1/create_customer/", {}, format="json")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    # A partner's valid token is counted against the partner, not the address.
    assert api.get("/api/v1/customers/").status_code == 200
    other_address = anonymous.get("/api/v1/customers/", REMOTE_ADDR="10.9.8.7")
    assert other_address.status_code == 401


def rotating_forwarded_for(num_proxies: int) -> list[int]:
    """Three requests that each claim another X-Forwarded-For origin, from one real address
    that a proxy appended last."""
    from rest_framework.settings import api_settings

    original = api_settings.NUM_PROXIES
    api_settings.NUM_PROXIES = num_proxies
    try:
        client = APIClient()
        return [
            client.get(
                "/api/v1/customers/", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.5"
            ).status_code
            for n in range(3)
        ]
    finally:
        api_settings.NUM_PROXIES = original


@pytest.mark.django_db
@pytest.mark.parametrize("num_proxies", [0, 1])
def test_a_forged_forwarded_for_does_not_escape_the_address_throttle(settings, num_proxies):
    settings.API_ANON_THROTTLE_RATE = "2/min"

    assert rotating_forwarded_for(num_proxies) == [401, 401, 429]


@pytest.mark.django_db
def test_ten_wrong_admin_passwords_lock_the_username_right_password_included(client, admin_user):
    def log_in(password):
        return client.post(
            "/admin/login/?next=/admin/", {"username": "admin", "password": password}
        )

    wrong = [log_in("wrong").status_code for _ in range(10)]
    right = log_in("password")

    assert wrong == [200] * 9 + [429]  # the form again, then locked
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    other = APIClient()
    assert (
        other.post(
            "/admin/login/?next=/admin/", {"username": "admin", "password": "password"}
        ).status_code
        == 429
    )


@pytest.mark.django_db
def test_a_right_password_before_the_limit_resets_the_count(client, admin_user):
    for _ in range(9):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": "password"}
    )

    assert response.status_code == 302


def unreachable_redis() -> str:
    """A Redis URL on a port where nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.mark.django_db
def test_redis_down_lets_requests_through_and_says_so(settings, api, caplog):
    from myproject.metrics import DEPENDENCY_FAILURES

    settings.REDIS_URL = unreachable_redis()
    before = DEPENDENCY_FAILURES.labels("redis", "throttle")._value.get()

    responses = [api.get("/api/v1/products/") for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert DEPENDENCY_FAILURES.labels("redis", "throttle")._value.get() == before + 3
    assert any(
        record.levelname == "WARNING" and record.message == "throttle failing open"
        for record in caplog.records
    )


@pytest.mark.django_db
def test_redis_down_with_the_throttle_failing_closed_is_a_503_to_retry(settings, api):
    settings.REDIS_URL = unreachable_redis()
    settings.THROTTLE_FAIL_CLOSED = True

    response = api.get("/api/v1/products/")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"


def test_nodes_whose_clocks_differ_by_30_seconds_share_one_window(settings, monkeypatch):
    """Half the requests from a node 30 s ahead: the window is Redis's, so a limit of 30
    admits exactly 30 of 60 (with each node's own clock, as many as 60 got through)."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.API_THROTTLE_RATE = "30/hour"
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    caller = SimpleNamespace(user=SimpleNamespace(pk=uuid.uuid4().hex, is_authenticated=True))
    real_time = throttling.time.time
    allowed = 0
    for n in range(60):
        skew = 1799.5 if n % 2 else 0  # the other node's clock reads another half hour
        monkeypatch.setattr(throttling.time, "time", lambda skew=skew: real_time() + skew)
        allowed += throttling.PartnerRateThrottle().allow_request(caller, None)

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    assert allowed == 30


@pytest.mark.django_db
def test_every_counted_answer_tells_the_budget_counting_down_to_the_429(settings, api):
    settings.API_THROTTLE_RATE = "3/min"
    caches["default"].clear()

    answers = [api.get("/api/v1/customers/") for _ in range(3)]
    answers.append(api.post("/api/v1/create_customer/", {}, format="json"))  # refused as well

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert {a["RateLimit-Policy"] for a in answers} == {'"partner";q=3;w=60'}
    left = [a["RateLimit"].split(";")[1] for a in answers]
    assert left == ["r=2", "r=1", "r=0", "r=0"]
    resets = [int(a["RateLimit"].rsplit("t=", 1)[1]) for a in answers]
    assert all(0 < reset <= 60 for reset in resets)
    assert int(answers[-1]["Retry-After"]) == resets[-1]  # the same count, the same window
