"""Request rates counted exactly: one atomic increment in the shared cache per request.

A fixed window per caller: the first request of a window creates its counter with the
window's lifetime, every request increments it, and a request is let through while the count
is within the rate. N parallel requests at a limit of L let exactly L through, on every
backend: Redis counts in one round trip (a script that reads Redis's own clock, so that app
nodes whose clocks disagree still share one window, increments and sets the expiry); Django's
local-memory cache increments under its own lock; the file cache, shared by the workers of
one machine, under an exclusive file lock.

Every counted request carries its budget back to the client (RateLimitHeadersMiddleware): the
IETF draft's `RateLimit-Policy` ("partner";q=600;w=60) and `RateLimit` ("partner";r=599;t=42,
the requests left in the window and the seconds until it ends), from the same count.

Redis unreachable, a request is let through (a WARNING and the dependency-failures metric
count it), or with THROTTLE_FAIL_CLOSED answered 503: a throttle never turns an outage of
its counter into a 500.
"""

import fcntl
import functools
import logging
import math
import os
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from rest_framework.throttling import SimpleRateThrottle

from ..metrics import DEPENDENCY_FAILURES
from .exceptions import ServiceUnavailable

log = logging.getLogger("myproject.throttling")

# KEYS[1]: the counter's prefix; ARGV[1]: the window in seconds. The window is Redis's own
# clock's, the same for every app node. Returns the count so far and the seconds left.
WINDOW_SCRIPT = """
local now = redis.call('TIME')
local window = tonumber(ARGV[1])
local key = KEYS[1] .. ':' .. math.floor(now[1] / window)
local count = redis.call('INCR', key)
if count == 1 then redis.call('EXPIRE', key, window) end
return {count, window - (now[1] % window)}
"""


@functools.cache
def _redis(url: str) -> redis.Redis:
    # With the timeouts the cache has: a Redis that does not answer fails the count.
    return redis.Redis.from_url(url, **settings.REDIS_CLIENT_OPTIONS)


@functools.cache
def _window_script(url: str):
    return _redis(url).register_script(WINDOW_SCRIPT)


def hit(key: str, window_seconds: int) -> tuple[int, float]:
    """Count one request against `key` in the current window; returns the count so far and
    the seconds until the window ends."""
    if settings.REDIS_URL:
        count, left = _window_script(settings.REDIS_URL)(keys=[key], args=[window_seconds])
        return count, left
    now = time.time()
    window = int(now // window_seconds)
    left = window_seconds - (now % window_seconds)
    return _local_hit(f"{key}:{window}", window_seconds), left


def _local_hit(key: str, window_seconds: int) -> int:
    cache = caches["default"]
    if isinstance(cache, FileBasedCache):
        os.makedirs(cache._dir, exist_ok=True)  # the cache's own directory
        with open(os.path.join(cache._dir, "throttle.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return _add_and_incr(cache, key, window_seconds)
    return _add_and_incr(cache, key, window_seconds)


def _add_and_incr(cache, key: str, window_seconds: int) -> int:
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between the two calls: this is its first request
        cache.add(key, 1, timeout=window_seconds)
        return 1


@dataclass(frozen=True)
class Budget:
    """A caller's rate limit as it stands after its request, for the response's headers."""

    policy: str
    quota: int
    window: int
    remaining: int
    reset: int  # whole seconds until the window ends


def budget_headers(budgets: list[Budget]) -> dict[str, str]:
    """The draft's two fields, each a list with one member per policy the request counted
    against."""
    return {
        "RateLimit-Policy": ", ".join(f'"{b.policy}";q={b.quota};w={b.window}' for b in budgets),
        "RateLimit": ", ".join(f'"{b.policy}";r={b.remaining};t={b.reset}' for b in budgets),
    }


class WindowRateThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle whose count is one atomic increment (see `hit`)."""

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        try:
            count, self.wait_seconds = hit(f"throttle:{self.scope}:{ident}", self.duration)
        except redis.RedisError as exc:
            DEPENDENCY_FAILURES.labels("redis", "throttle").inc()
            if settings.THROTTLE_FAIL_CLOSED:
                raise ServiceUnavailable("Request counting is unavailable; retry shortly.") from exc
            log.warning("throttle failing open", extra={"scope": self.scope, "error": str(exc)})
            return True
        budget = Budget(
            policy=self.scope,
            quota=self.num_requests,
            window=self.duration,
            remaining=max(0, self.num_requests - count),
            reset=math.ceil(self.wait_seconds),
        )
        django_request = getattr(request, "_request", None)  # the response's middleware reads it
        if django_request is not None:
            others = [
                b for b in getattr(django_request, "rate_limits", []) if b.policy != self.scope
            ]
            django_request.rate_limits = [*others, budget]
        return count <= self.num_requests

    def wait(self):
        return self.wait_seconds


class PartnerRateThrottle(WindowRateThrottle):
    """API_THROTTLE_RATE requests per signed-in partner (or staff user)."""

    scope = "partner"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        user = request.user
        return str(user.pk) if user and user.is_authenticated else None


class WebhookSendThrottle(PartnerRateThrottle):
    """WEBHOOK_SEND_THROTTLE_RATE tests and redeliveries per partner: each makes a worker
    call the partner's receiver."""

    scope = "webhook-sends"

    def get_rate(self):
        return settings.WEBHOOK_SEND_THROTTLE_RATE


class AnonymousRateThrottle(WindowRateThrottle):
    """API_ANON_THROTTLE_RATE requests without a valid token per client address.

    Counted when such a request is refused (see myproject.problems): there is no caller
    to count it against before authentication has failed.
    """

    scope = "anonymous"

    def get_rate(self):
        return settings.API_ANON_THROTTLE_RATE

    def get_cache_key(self, request, view):
        return self.get_ident(request)
