"""Who is signed in, read from the shared cache: a signed-in request needs no query to know
its user and their memberships.

The user row and the user's memberships (with their entity and org unit) are cached under the
user's own scope (core.cache.user_scope) and the "entities" scope; entities.signals bumps the
user's scope on every change of the user (password, deactivation, roles) or of one of their
memberships, by whatever path (services, admin, `save()` in a shell), and on their deletion.
An inactive or deleted user is refused as Django's ModelBackend refuses them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core.cache import cached, user_scope

from . import permissions


def _load(user_id):
    """The user with their memberships attached (as entities.permissions keeps them for a
    request), or False when there is no such user (None is a cache miss)."""
    from .models import Membership

    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        return False
    setattr(user, permissions.MEMBERSHIPS_ATTR, list(Membership.objects.for_user(user)))
    return user


def cached_user(user_id):
    """The user `user_id` with their memberships, from the cache (built on a miss); None if
    there is no such user. Each call returns its own copy."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    user = cached(
        "auth-user",
        lambda: _load(user_id),
        scopes=(user_scope(user_id), "entities"),
        params=(user_id,),
        language=False,
    )
    return user or None


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions), with the signed-in user read from the
    cache on each request."""

    def get_user(self, user_id):
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
