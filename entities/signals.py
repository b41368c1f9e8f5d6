"""API tokens die with the credentials that made them: when a user's password changes or the
account is deactivated, by whatever path (password-change page, admin, `set_password()` then
`save()`, a management command), every API token of that user is revoked.

A signal because those paths are Django's and the admin's, not ours to route through a service;
the revocation itself is the service `api_tokens_revoke_for_user`."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from audit.choices import SystemReason

_PENDING = "_rf_revoke_tokens_reason"


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="rf_tokens_pre_save")
def _note_credential_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. the last_login stamp of every sign-in: no extra query
    before = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password:
        setattr(instance, _PENDING, SystemReason.PASSWORD_CHANGED)
    elif before["is_active"] and not instance.is_active:
        setattr(instance, _PENDING, SystemReason.USER_DEACTIVATED)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="rf_tokens_post_save")
def _revoke_tokens_after_credential_change(sender, instance, raw=False, **kwargs):
    reason = instance.__dict__.pop(_PENDING, None)
    if reason and not raw:
        from .services import api_tokens_revoke_for_user

        api_tokens_revoke_for_user(user=instance, actor=None, reason=reason)


# --- the signed-in shell in the cache (entities.backends, core.cache.user_scope) ----------------
# Every change of a user row or of one of their memberships, by whatever path (services, the
# admin, a shell), moves the user's cached row and memberships on: the next request reads them
# afresh, so a deactivated user is refused and a new role holds at once.


def _bump_user(user_id):
    from core.cache import bump_for_write, user_scope

    if user_id is not None:
        bump_for_write(user_scope(user_id))


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="rf_user_cache_save")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="rf_user_cache_delete")
def _user_changed(sender, instance, **kwargs):
    _bump_user(instance.pk)


@receiver(post_save, sender="entities.Membership", dispatch_uid="rf_membership_cache_save")
@receiver(post_delete, sender="entities.Membership", dispatch_uid="rf_membership_cache_delete")
def _membership_changed(sender, instance, **kwargs):
    _bump_user(instance.user_id)


def _bump_tokens(sender, instance, **kwargs):
    """A token was created or deleted (revoked, expired, with its user): cached token rows
    (entities.api.authentication) are read afresh."""
    from core.cache import bump_for_write

    from .api.authentication import SCOPE

    bump_for_write(SCOPE)


def connect_token_receivers():
    """Connected in apps.py for knox's model and our proxy of it (a queryset of either sends
    its own signals)."""
    from knox.models import AuthToken

    from .models import ApiToken

    for model in (AuthToken, ApiToken):
        name = model.__name__
        post_save.connect(_bump_tokens, sender=model, dispatch_uid=f"rf_tokens_s_{name}")
        post_delete.connect(_bump_tokens, sender=model, dispatch_uid=f"rf_tokens_d_{name}")
