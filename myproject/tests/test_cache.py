"""The Redis cache keeps one client per connection pool: every call shares it, and it still
reads and writes as Django's own Redis cache does."""

import redis

from myproject.cache import RedisCache

URL = "redis://127.0.0.1:6379/12"


def test_every_call_shares_one_client_and_values_round_trip():
    redis.Redis.from_url(URL).flushdb()
    cache = RedisCache(URL, {"KEY_PREFIX": "t"})

    client = cache._cache.get_client()
    cache.set("answer", {"n": 42}, 60)

    assert cache._cache.get_client(write=True) is client
    assert cache.get("answer") == {"n": 42}
    assert cache.add("answer-count", 1, 60)
    assert cache.incr("answer-count") == 2
    assert cache._cache.get_client() is client  # still the one made first
    cache.delete("answer")
    assert cache.get("answer") is None


def test_caches_of_several_servers_keep_a_client_for_each():
    cache = RedisCache(f"{URL},redis://127.0.0.1:6379/11", {})

    writer = cache._cache.get_client(write=True)
    reader = cache._cache.get_client()

    assert writer is not reader  # the first server takes writes, the other reads
    assert writer.connection_pool is not reader.connection_pool
    assert cache._cache.get_client() is reader
