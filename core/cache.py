"""Shared cache of heavy work many readers repeat: a table's rows, a serialized API page, a
rendered fragment — never a whole response, never anything holding a CSRF token or markup for
one user (the per-user shell is rendered around the cached part on every request).

An entry's key names what it is (`name`), the request's parameters that change it, the
language, the reader's visibility signature (readers with the same one read the same rows;
see indicators.querysets.visibility_key and oversight.querysets.visibility_key) and the
*generation* of each data scope it reads. A write that can change what is shown bumps its
scope's generation (audit.services does it for every audited write, core.cache.bump for the
few writes that are not audited), so the next read misses and rebuilds: entries are never
stale and expire only to free memory.

A generation that is missing from the cache (first use, eviction, a flushed Redis) starts at
the current time in nanoseconds, never at 0, so an entry built under an older generation can
never be read again by chance."""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import translation

# The data scopes with a generation. An audited write bumps the scope of its target's app
# (indicators.value → "indicators"); progress computations bump "progress".
SCOPES = ("indicators", "progress", "oversight", "compacts", "entities")

# Seconds an entry is kept: only to free memory — the generation makes it correct.
TIMEOUT = 3600

_PREFIX = "shared"


def _generation_key(scope):
    return f"{_PREFIX}:generation:{scope}"


def generations(scopes):
    """The current generation of each of `scopes`, in order (one round trip when all exist)."""
    keys = [_generation_key(s) for s in scopes]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
    return tuple(found[k] for k in keys)


def bump(*scopes):
    """Move each of `scopes` (default: every scope) to a new generation: entries built before
    are never read again."""
    for scope in scopes or SCOPES:
        key = _generation_key(scope)
        try:
            cache.incr(key)
        except ValueError:  # missing: start afresh, above anything used before
            cache.add(key, time.time_ns(), timeout=None)


def bump_for_write(*scopes):
    """Bump now and again when the current transaction commits: a reader that rebuilds an
    entry between the two (reading the data as it was before the commit) builds it under a
    generation the commit then leaves behind. Outside a transaction, twice at once."""
    bump(*scopes)
    transaction.on_commit(lambda: bump(*scopes))


def scope_of(target_type):
    """The scope a write to `target_type` ("indicators.value") changes: its app's, or every
    scope for an app without one (a change there may show anywhere)."""
    app = str(target_type).split(".", 1)[0]
    return (app,) if app in SCOPES else SCOPES


def entry_key(name, *, scopes, params=(), visibility=""):
    """The cache key of entry `name` for these parameters, the active language, the reader's
    visibility signature and the current generations of `scopes`."""
    parts = repr(
        (
            tuple(sorted(params.items())) if isinstance(params, dict) else tuple(params),
            translation.get_language(),
            str(visibility),
            tuple(scopes),
            generations(scopes),
        )
    )
    return f"{_PREFIX}:{name}:{hashlib.sha256(parts.encode()).hexdigest()}"


def cached(name, build, *, scopes, params=(), visibility="", timeout=TIMEOUT):
    """The entry `name` (see entry_key), built by `build()` on a miss. `build` must return
    something picklable and the same for every reader with this visibility signature."""
    key = entry_key(name, scopes=scopes, params=params, visibility=visibility)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value


class CachedListMixin:
    """A DRF list whose serialized page (the payload, not the Response) is shared through
    the cache by readers with the same visibility signature. The view names its entry
    (`cache_name`), the scopes its rows read (`cache_scopes`) and the reader's signature
    (`cache_visibility()`); its list serializer must not depend on the reader otherwise.
    The key holds the host and full path (the page's next/previous links are absolute), so
    every filter, page and format is its own entry; a refused request (400, 404) is not
    cached."""

    cache_name = None
    cache_scopes = ()
    # Query parameters whose rows depend on the reader themself ("needs my action"): with
    # one of them the entry is the reader's own.
    cache_personal_params = ()

    def cache_visibility(self):
        """The reader's visibility signature. By default the reader themself (an entry is never
        shared between two users); a view whose rows depend only on a coarser rule (the roles a
        reader holds) returns that rule's signature so that readers alike share an entry."""
        return ("user", self.request.user.pk)

    def cache_params(self):
        request = self.request
        personal = any(p in request.query_params for p in self.cache_personal_params)
        return (
            request.get_host(),
            request.path,
            sorted(request.query_params.lists()),
            request.user.pk if personal else None,
        )

    def list(self, request, *args, **kwargs):
        from rest_framework.response import Response

        def build():
            return _plain(super(CachedListMixin, self).list(request, *args, **kwargs).data)

        data = cached(
            self.cache_name,
            build,
            scopes=self.cache_scopes,
            params=self.cache_params(),
            visibility=self.cache_visibility(),
        )
        return Response(data)


def _plain(data):
    """Serializer output as plain dicts and lists (ReturnDict/ReturnList keep a reference
    to their serializer, which is not for the cache)."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data
