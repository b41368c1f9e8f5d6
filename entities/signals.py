"""API tokens die with the credentials that made them: when a user's password changes or the
account is deactivated, by whatever path (password-change page, admin, `set_password()` then
`save()`, a management command), every API token of that user is revoked.

A signal because those paths are Django's and the admin's, not ours to route through a service;
the revocation itself is the service `api_tokens_revoke_for_user`."""

from django.conf import settings
from django.db.models.signals import post_save, pre_save
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
