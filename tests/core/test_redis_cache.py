"""The cache backend (core.redis_cache) keeps one redis-py client per connection pool: Django's
made a new one, with its table of callbacks, for every cache operation."""

from django.core.cache import cache


def test_the_client_is_made_once_and_the_cache_works():
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is client
    assert cache._cache.get_client("some-key", write=True) is client
    cache.set("redis-cache-test", {"a": 1}, 30)
    assert cache.get("redis-cache-test") == {"a": 1}
    assert cache.get_many(["redis-cache-test", "absent"]) == {"redis-cache-test": {"a": 1}}
    assert cache.add("redis-cache-test-n", 1)
    assert cache.incr("redis-cache-test-n") == 2
    cache.delete_many(["redis-cache-test", "redis-cache-test-n"])
    assert cache.get("redis-cache-test") is None
