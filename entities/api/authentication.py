"""Token authentication for the API: django-rest-knox's expiring, hashed tokens."""

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.signals import token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's authentication, minus its sweep of the user's other tokens on every request.

    knox deletes every expired token of the user each time one is used: one more query per API
    call. An expired token is refused whether or not its row is gone, and this one's own row is
    still deleted when it is presented after its expiry, so the sweep is not needed.
    """

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class ExpiringTokenScheme(KnoxTokenScheme):
    """The schema's description of this authentication (`Authorization: Token <token>`)."""

    target_class = "entities.api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"
