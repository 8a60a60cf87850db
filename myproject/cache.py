"""Django's Redis cache with one redis-py client per connection pool, not one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` around the shared pool for
every cache call, and building one (its table of response callbacks among it) costs more
than the round trip it makes (bench/RESULTS.md). A `redis.Redis` is safe to share between
threads, so each process keeps one per pool, made on first use like the pool itself.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
