"""Executive Board reports: the draft document (header and narrative), its runs (a frozen
dataset read from a pinned progress snapshot, rendered to files) and publishing settings."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.files import private_storage
from core.jobs import Job

from .choices import Definition, Distribution, Format, Language, RunStatus
from .querysets import ReportFileQuerySet, ReportQuerySet, ReportRunQuerySet

# UN document symbols: series components separated by slashes, e.g. DP/OPS/2027/2,
# A/76/6 (Sect. 3)/Add.1, E/ICEF/2027/5.
symbol_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]*(/[A-Za-z0-9.() \-]+)+$",
    _("Enter a document symbol such as DP/OPS/2027/2."),
)


class Report(models.Model):
    """A report as the secretariat drafts it: the UN document header and the narrative. Its
    tables and charts come from data only, frozen by each run."""

    entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("entity"),
    )
    plan = models.ForeignKey(
        "indicators.Plan", on_delete=models.PROTECT, related_name="reports", verbose_name=_("plan")
    )
    definition = models.CharField(
        _("report"), max_length=40, choices=Definition, default=Definition.ANNUAL_STRATEGIC_PLAN
    )
    year = models.PositiveSmallIntegerField(_("year reported on"))
    symbol = models.CharField(_("document symbol"), max_length=80, validators=[symbol_validator])
    distribution = models.CharField(
        _("distribution"), max_length=20, choices=Distribution, default=Distribution.GENERAL
    )
    document_date = models.DateField(_("date"))
    session = models.ForeignKey(
        "entities.BoardSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("session"),
    )
    agenda_item = models.CharField(_("agenda item"), max_length=40, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "symbol"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["entity", "symbol"], name="reports_symbol_unique"),
        ]

    def __str__(self):
        return self.symbol

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.plan_id and self.entity_id and self.plan.entity_id != self.entity_id:
            errors["plan"] = _("The plan belongs to another entity.")
        if (
            self.plan_id
            and self.year
            and not (self.plan.start_year <= self.year <= self.plan.end_year)
        ):
            errors["year"] = _("The year is outside the plan's years (%(a)s–%(b)s).") % {
                "a": self.plan.start_year,
                "b": self.plan.end_year,
            }
        if (
            self.session_id
            and self.entity_id
            and self.session.body_id != self.entity.governing_body_id
        ):
            errors["session"] = _("The session is not one of the entity's governing body.")
        if errors:
            raise ValidationError(errors)


class NarrativeSection(models.Model):
    """A narrative written by the secretariat: the summary (no node) or the commentary on one
    goal of the plan, in English and Chinese."""

    SUMMARY = "summary"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(_("section"), max_length=40)
    node = models.ForeignKey(
        "indicators.Node", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text_en = models.TextField(_("text (English)"), blank=True)
    text_zh = models.TextField(_("text (Chinese)"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["report", "key"]
        verbose_name = _("narrative section")
        verbose_name_plural = _("narrative sections")
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="reports_section_unique"),
        ]

    def __str__(self):
        return f"{self.report} {self.key}"


class ReportRun(Job):
    """One rendering of a report: its parameters, the snapshot it pinned, the dataset it froze
    (with its content digest), its progress and its files. Its state lives here, not in
    Celery's result backend; the worker rendering it claims it and beats (core.jobs), and
    core.tasks.jobs_sweep sends it again (or fails it) when that worker is gone."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="runs")
    language = models.CharField(_("language"), max_length=10, choices=Language)
    formats = ArrayField(models.CharField(max_length=10, choices=Format), verbose_name=_("formats"))
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, validators=[MaxValueValidator(100)]
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    snapshot = models.ForeignKey(
        "indicators.ProgressSnapshot",
        on_delete=models.PROTECT,
        related_name="report_runs",
        verbose_name=_("progress snapshot"),
    )
    dataset = models.JSONField(_("dataset"))
    digest = models.CharField(_("content digest"), max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="reports_run_progress"),
            models.CheckConstraint(
                condition=Q(issued_at__isnull=True) | Q(status=RunStatus.SUCCEEDED),
                name="reports_run_issued_succeeded",
            ),
            models.CheckConstraint(
                condition=Q(digest__regex=r"^[0-9a-f]{64}$"), name="reports_run_digest_sha256"
            ),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="reports_run_status")]

    def __str__(self):
        return self.audit_target_label(self.audit_target_data())

    def audit_target_data(self):
        """Codes from which the run is named in any language once it is deleted."""
        return {"report": str(self.report), "language": self.language, "id": self.pk}

    @staticmethod
    def audit_target_label(data):
        """ "A/79/5 (Simplified Chinese) #12", the language in the active one."""
        language = data.get("language", "")
        language = Language(language).label if language in Language.values else language
        return f"{data.get('report', '')} ({language}) #{data.get('id', '')}"

    @property
    def is_issued(self):
        return self.issued_at is not None


def _upload_to(instance, filename):
    # Named by migration 0001 only: files are now written by core.files.store_private.
    return f"reports/{instance.run_id}/{filename}"


EXTENSIONS = {Format.XLSX: "xlsx", Format.DOCX: "docx", Format.PDF: "pdf"}


class ReportFile(models.Model):
    """A file a run produced, kept in private storage (core.files: a random name under
    reports/<run>/, no URL) and streamed only after a permission check. `variant` "archival"
    is the PDF/A copy made when issuing."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(_("format"), max_length=10, choices=Format)
    variant = models.CharField(_("variant"), max_length=20, blank=True)
    file = models.FileField(_("file"), storage=private_storage, max_length=300)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReportFileQuerySet.as_manager()

    class Meta:
        ordering = ["run", "format", "variant"]
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "format", "variant"], name="reports_file_unique"
            ),
        ]

    def __str__(self):
        return self.file.name

    @property
    def download_name(self):
        """The name offered on download: symbol, language and variant, e.g.
        DP-OPS-2027-2-en-archival.pdf (reads run.report: select it with the file)."""
        return download_name(self.run, self.format, self.variant)


def download_name(run, fmt, variant=""):
    symbol = run.report.symbol.replace("/", "-").replace(" ", "")
    suffix = f"-{variant}" if variant else ""
    return f"{symbol}-{run.language}{suffix}.{EXTENSIONS[fmt]}"


class Publishing(models.Model):
    """Whether an entity shows its issued reports on the public page (off by default)."""

    entity = models.OneToOneField(
        "entities.Entity", on_delete=models.CASCADE, related_name="report_publishing"
    )
    public = models.BooleanField(_("publish issued reports on the public page"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("report publishing")
        verbose_name_plural = _("report publishing")

    def __str__(self):
        if self.public:
            return _("%(entity)s: public") % {"entity": self.entity}
        return _("%(entity)s: not public") % {"entity": self.entity}


from .models_exports import ExportRun  # noqa: E402, F401  (exports of lists, kept in the archive)
