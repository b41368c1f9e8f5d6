"""Django's Redis cache backend, with each redis-py client made once instead of once per call.

Django's RedisCacheClient.get_client() builds a new `redis.Redis` around the connection pool
for every cache operation, and each one fills its table of response callbacks (some 170
entries): about a tenth of a millisecond of CPU per call, several calls per request (session,
generations, the user, the navigation, the page's entries). A `redis.Redis` is safe to share
between threads (each command takes a connection from the pool), so one per pool is kept."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
