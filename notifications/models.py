"""What a user was told (Notification) and what they want to be told (NotificationPreference)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Kind
from .querysets import NotificationQuerySet


class Notification(models.Model):
    """One message to one user. The text is rendered from `kind` and `params` when shown, so it
    reads in the user's language; `key` makes sending idempotent (a task run twice finds the
    row it made the first time)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    key = models.CharField(_("key"), max_length=200)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    in_app = models.BooleanField(_("shown in the application"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_key_unique")
        ]
        indexes = [
            models.Index(fields=["recipient", "in_app", "read_at"], name="notification_unread_idx")
        ]

    def __str__(self):
        return f"{self.recipient} · {self.kind} · {self.key}"


class NotificationPreference(models.Model):
    """A user's choice for one kind; without a row, both channels are on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    in_app = models.BooleanField(_("in the application"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.kind}"
