"""Exports of lists written by a job (too large to stream at once, core.exports) and kept in
the report archive: what was asked (the list and its filters), by whom, the progress and the
file, in private storage (core.files)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.files import private_storage
from core.jobs import Job

from .choices import ExportStatus
from .querysets_exports import ExportRunQuerySet


class ExportRun(Job):
    """One export of a list, written by a worker. The rows are those its requester may see,
    filtered as the list page was; `entity_ids` records whose rows it holds, so that others
    who see every row of those entities may open it too (querysets_exports)."""

    kind = models.CharField(_("list"), max_length=40)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=12, choices=ExportStatus, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, validators=[MaxValueValidator(100)]
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    written_rows = models.PositiveIntegerField(_("rows written"), default=0)
    entity_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    file = models.FileField(_("file"), storage=private_storage, max_length=300, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ExportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="reports_export_progress"),
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.SUCCEEDED) | ~Q(file=""),
                name="reports_export_file_when_ready",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="reports_export_status"),
            models.Index(fields=["requested_by", "-created_at"], name="reports_export_requester"),
        ]

    def __str__(self):
        return self.audit_target_label(self.audit_target_data())

    def audit_target_data(self):
        """Codes from which the export is named in any language once it is deleted."""
        return {"kind": self.kind, "id": self.pk}

    @staticmethod
    def audit_target_label(data):
        """The list's title in the active language, and the export's number."""
        from core.exports import get_kind

        kind = get_kind(data.get("kind", ""))
        return f"{kind.title if kind else data.get('kind', '')} #{data.get('id', '')}"

    def get_absolute_url(self):
        return reverse("reports:export", args=[self.pk])

    @property
    def is_working(self):
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def kind_title(self):
        from core.exports import get_kind

        kind = get_kind(self.kind)
        return kind.title if kind else self.kind
