"""A GET reads the shared cache's generations once: every scope in one round trip
(core.middleware.SharedCacheMiddleware, core.cache.generations), however many cached parts
the page and its signed-in shell read."""

import pytest
from django.core.cache import cache

from core import cache as shared
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def generation_reads(monkeypatch):
    """Every read of a generation key from Redis, as the list of keys of each round trip."""
    reads = []
    real_get_many, real_get = cache.get_many, cache.get

    def get_many(keys, *args, **kwargs):
        keys = list(keys)
        if any(":generation:" in k for k in keys):
            reads.append(keys)
        return real_get_many(keys, *args, **kwargs)

    def get(key, *args, **kwargs):
        if ":generation:" in key:
            reads.append([key])
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", get_many)
    monkeypatch.setattr(cache, "get", get)
    return reads


def test_a_signed_in_page_reads_the_generations_in_one_round_trip(
    client, officer, generation_reads
):
    r = client.post("/accounts/login/", {"username": "t-officer", "password": PASSWORD})
    assert r.status_code == 302
    client.get("/entities/")  # fills the cache
    generation_reads.clear()
    assert client.get("/entities/").status_code == 200
    assert len(generation_reads) == 1
    scopes = {k.rsplit(":generation:", 1)[1] for k in generation_reads[0]}
    # The user's own scope, their notifications' and every data and shell scope at once.
    assert {shared.user_scope(officer.pk), *shared.SCOPES, *shared.SHELL_SCOPES} <= scopes


def test_an_api_list_with_a_token_reads_the_generations_in_two_round_trips(
    api, officer, generation_reads
):
    """The token names its user only once read: the data and shell scopes with the token,
    then the user's own two scopes."""
    from tests.factories import api_token

    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(officer)}")
    assert api.get("/api/v1/entities/").status_code == 200
    generation_reads.clear()
    assert api.get("/api/v1/entities/").status_code == 200
    assert len(generation_reads) == 2
    assert sorted(k.rsplit(":generation:", 1)[1] for k in generation_reads[1]) == [
        shared.notifications_scope(officer.pk),
        shared.user_scope(officer.pk),
    ]


def test_outside_a_request_each_read_asks_redis(generation_reads):
    """A task or a shell keeps nothing: a generation bumped meanwhile is read at once."""
    first = shared.generations(("indicators",))
    generation_reads.clear()
    assert shared.generations(("indicators",)) == first
    shared.bump("indicators")
    assert shared.generations(("indicators",)) != first
    assert len(generation_reads) == 2


def test_a_request_reads_its_own_bump():
    token = shared.request_generations_start()
    try:
        first = shared.generations(("indicators", "oversight"))
        shared.bump("indicators")
        second = shared.generations(("indicators", "oversight"))
        assert second[0] != first[0] and second[1] == first[1]
    finally:
        shared.request_generations_end(token)
