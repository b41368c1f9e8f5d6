"""Domain events: what a service did, by whom, to what, and why.

Row-level history (every column of every tracked row) is captured separately by django-pghistory
triggers; these events say what the change meant ("value approved", "membership granted").
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import EventQuerySet


class Event(models.Model):
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("target type"), max_length=80)
    target_id = models.CharField(_("target id"), max_length=64)
    # The target as named when the event happened (in the site's default language), shown only
    # when the target no longer exists and its model cannot name it from target_data.
    target_repr = models.CharField(_("target"), max_length=300)
    # The target's own codes and ids (a model's audit_target_data()), from which its model
    # names it in the reader's language when the row itself is gone (a revoked role).
    target_data = models.JSONField(_("target details"), null=True, blank=True)
    entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entity"),
    )
    reason = models.TextField(_("reason"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.action} {self.target_repr}"
