"""Request rates counted exactly: one atomic increment in the shared cache per request.

A fixed window per caller: the first request of a window creates its counter with the
window's lifetime, every request increments it, and a request is let through while the count
is within the rate. N parallel requests at a limit of L let exactly L through, on every
backend: Redis counts with INCR (and EXPIRE NX) in one round trip; Django's local-memory cache
increments under its own lock; the file cache, shared by the workers of one machine, under an
exclusive file lock.
"""

import fcntl
import functools
import os
import time

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from rest_framework.throttling import SimpleRateThrottle


@functools.cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def hit(key: str, window_seconds: int) -> int:
    """Count one request against `key` in the current window; returns the count so far."""
    if settings.REDIS_URL:
        pipe = _redis(settings.REDIS_URL).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window_seconds, nx=True)
        count, _ = pipe.execute()
        return count
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


class WindowRateThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle whose count is one atomic increment (see `hit`)."""

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.wait_seconds = self.duration - (now % self.duration)
        return hit(f"throttle:{self.scope}:{ident}:{window}", self.duration) <= self.num_requests

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
