from django.db import models
from django.utils.translation import gettext_lazy as _


class Definition(models.TextChoices):
    """What a report contains; each definition names its parts in reports/selectors.py."""

    ANNUAL_STRATEGIC_PLAN = "annual_strategic_plan", _("Annual report on the strategic plan")


class Language(models.TextChoices):
    EN = "en", _("English")
    ZH = "zh-hans", _("Simplified Chinese")


class Format(models.TextChoices):
    XLSX = "xlsx", _("Excel")
    DOCX = "docx", _("Word")
    PDF = "pdf", _("PDF")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    # Being issued: a worker renders the archival PDF/A copy; succeeded again once issued
    # (or, if that fails, not issued and with the error shown).
    ISSUING = "issuing", _("Being issued")


class Distribution(models.TextChoices):
    GENERAL = "General", _("General")
    LIMITED = "Limited", _("Limited")
    RESTRICTED = "Restricted", _("Restricted")


FORMAT_CONTENT_TYPES = {
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Format.PDF: "application/pdf",
}


class ExportStatus(models.TextChoices):
    """The state of an export job (reports.ExportRun)."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Ready")
    FAILED = "failed", _("Failed")
