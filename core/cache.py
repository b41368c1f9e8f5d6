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
never be read again by chance.

Within one GET request (core.middleware.SharedCacheMiddleware) the generations are read once,
all of them in one round trip with the first that is needed, and kept for the rest of the
request: a page that reads five cached parts and the signed-in user asks Redis for the
generations once, not once per part."""

import contextvars
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

# Scopes of the signed-in shell, read with the data scopes in a request's one round trip:
# API tokens (entities.api.authentication). Each user's own scope (user_scope) is added by
# the first read that names it.
SHELL_SCOPES = ("api-tokens",)

_PREFIX = "shared"

# The generations read so far in this request ({scope: generation}), or None outside a
# request that keeps them (a POST, a task, a shell: every read asks Redis).
_request_generations = contextvars.ContextVar("rf_request_generations", default=None)


def user_scope(user_id):
    """The scope of one user's own rows: the user, their memberships, their oversight bodies
    (bumped by entities.signals on every change of those). Entries of the signed-in shell
    name it with the data scope their rows also read."""
    return f"user:{user_id}"


def notifications_scope(user_id):
    """The scope of one user's notifications (their unread count in the header)."""
    return f"notifications:{user_id}"


def _generation_key(scope):
    return f"{_PREFIX}:generation:{scope}"


def _read_generations(scopes):
    """{scope: generation} for `scopes` from Redis: one round trip when all exist."""
    keys = {_generation_key(s): s for s in scopes}
    found = cache.get_many(list(keys))
    for key in keys:
        if key not in found:
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
    return {scope: found[key] for key, scope in keys.items()}


def generations(scopes):
    """The current generation of each of `scopes`, in order (one round trip when all exist;
    none within a request that has read them already)."""
    known = _request_generations.get()
    if known is None:
        found = _read_generations(scopes)
        return tuple(found[s] for s in scopes)
    missing = [s for s in scopes if s not in known]
    if missing:
        # With the first read of a request, every data and shell scope at once, and with a
        # user's scope their notifications' (the header reads both).
        companions = [
            notifications_scope(s.split(":", 1)[1]) for s in missing if s.startswith("user:")
        ]
        wanted = dict.fromkeys([*missing, *companions, *SCOPES, *SHELL_SCOPES])
        known.update(_read_generations([s for s in wanted if s not in known]))
    return tuple(known[s] for s in scopes)


def request_generations_start():
    """Keep the generations read from now on until request_generations_end(token)."""
    return _request_generations.set({})


def request_generations_end(token):
    _request_generations.reset(token)


def bump(*scopes):
    """Move each of `scopes` (default: every data and shell scope) to a new generation:
    entries built before are never read again. Users' own scopes are not listed: every entry
    that names one also names a data scope ("entities" for the user's rows)."""
    known = _request_generations.get()
    for scope in scopes or (*SCOPES, *SHELL_SCOPES):
        key = _generation_key(scope)
        if known is not None:
            known.pop(scope, None)  # this request reads its own write
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


def entry_key(name, *, scopes, params=(), visibility="", language=True):
    """The cache key of entry `name` for these parameters, the active language (unless
    `language` is false: rows, not text), the reader's visibility signature and the current
    generations of `scopes`."""
    parts = repr(
        (
            tuple(sorted(params.items())) if isinstance(params, dict) else tuple(params),
            translation.get_language() if language else None,
            str(visibility),
            tuple(scopes),
            generations(scopes),
        )
    )
    return f"{_PREFIX}:{name}:{hashlib.sha256(parts.encode()).hexdigest()}"


def cached(name, build, *, scopes, params=(), visibility="", language=True, timeout=TIMEOUT):
    """The entry `name` (see entry_key), built by `build()` on a miss. `build` must return
    something picklable (not None) and the same for every reader with this visibility
    signature."""
    key = entry_key(name, scopes=scopes, params=params, visibility=visibility, language=language)
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
