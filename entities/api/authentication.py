"""Token authentication for the API: django-rest-knox's expiring, hashed tokens, looked up in
the shared cache."""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework import exceptions

from core.cache import TIMEOUT, entry_key

# The scope of every cached token (with "entities", which core.cache.bump() moves on too):
# bumped when a token is created or deleted — revoked, expired, or with its user
# (entities.signals).
SCOPE = "api-tokens"


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's authentication, with the token's row read from the shared cache, and minus
    knox's sweep of the user's other tokens on every request.

    The cache holds, under the token's hash, its row (owner, expiry), never the token; the
    owner comes from the cache of signed-in users (entities.backends), so a deactivated or
    deleted owner is refused at once. A revoked token is refused at once too: deleting a
    token bumps the scope. An expired one is refused by its expiry, whether or not its row is
    gone, and its row is deleted when it is presented after its expiry — so knox's sweep
    (one more query per API call) is not needed.
    """

    def authenticate_credentials(self, token):
        msg = _("Invalid token.")
        token = token.decode("utf-8")
        try:
            digest = hash_token(token)
        except (TypeError, binascii.Error) as exc:
            raise exceptions.AuthenticationFailed(msg) from exc
        auth_token = self._token(token, digest)
        if auth_token is None or self._cleanup_token(auth_token):
            raise exceptions.AuthenticationFailed(msg)
        return self.validate_user(auth_token)

    def _token(self, token, digest):
        """The token's row (its user from the cache of signed-in users), or None."""
        from django.core.cache import cache

        from entities.backends import cached_user

        key = entry_key("api-token", scopes=(SCOPE, "entities"), params=(digest,), language=False)
        row = cache.get(key)
        if row is None:
            found = (
                get_token_model()
                .objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH], digest=digest)
                .values("digest", "token_key", "created", "expiry", "user_id")
                .first()
            )
            if found is None:
                return None  # not cached: unknown tokens would fill the cache
            row = found
            cache.set(key, row, TIMEOUT)
        if not compare_digest(row["digest"], digest):
            return None
        user = cached_user(row["user_id"])
        if user is None:
            return None
        auth_token = get_token_model()(
            digest=row["digest"],
            token_key=row["token_key"],
            created=row["created"],
            expiry=row["expiry"],
            user=user,
        )
        auth_token._state.adding = False
        auth_token._state.db = "default"
        return auth_token

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            get_token_model().objects.filter(digest=auth_token.digest).delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class ExpiringTokenScheme(KnoxTokenScheme):
    """The schema's description of this authentication (`Authorization: Token <token>`)."""

    target_class = "entities.api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"
