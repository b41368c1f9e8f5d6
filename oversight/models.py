"""Oversight bodies, their reports and recommendations, the follow-up of each recommendation
(progress, evidence, closure), the statistics periods of Annex III, and the governing-body
resolutions and action plans whose implementation is tracked (Annexes I and II of A/76/644)."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from core.bilingual import pick
from core.files import private_storage
from core.jobs import Job
from entities.models import BilingualName, track_history

from .choices import (
    CLOSED_STATUSES,
    PRIORITY_LABELS,
    Acceptance,
    ActionItemStatus,
    ActionKind,
    BodyKind,
    CommentKind,
    ImportStatus,
    MandateKind,
    PeriodBasis,
    ResolutionStatus,
    ReviewState,
    Status,
)
from .querysets import (
    ActionPlanItemQuerySet,
    EvidenceQuerySet,
    RecommendationImportQuerySet,
    RecommendationQuerySet,
    ReportQuerySet,
    ResolutionQuerySet,
)

_bilingual = pick  # English or Chinese text in the reader's language (core.bilingual)


def trigram_index(field, name):
    """A trigram GIN index on UPPER(field): the expression Django's icontains compares, so
    substring search (English words and Chinese characters alike) uses the index."""
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)


@track_history()
class OversightBody(BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=BodyKind)
    # The body's own priority scale, e.g. ["critical", "important"] for OIOS or
    # ["high", "medium", "low"] for the Board; empty means any value is accepted.
    priority_scale = models.JSONField(_("priority scale"), default=list, blank=True)
    # The JIU reports acceptance as a separate axis; others treat every issued
    # recommendation as accepted.
    tracks_acceptance = models.BooleanField(_("tracks acceptance"), default=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="OversightBodyMember",
        related_name="oversight_bodies",
        verbose_name=_("auditors"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("oversight body")
        verbose_name_plural = _("oversight bodies")

    def __str__(self):
        return self.code.upper()


@track_history()
class OversightBodyMember(models.Model):
    """Ties an auditor to the oversight body whose recommendations they may close."""

    body = models.ForeignKey(
        OversightBody, on_delete=models.CASCADE, related_name="+", verbose_name=_("body")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="oversight_body_memberships",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("oversight body auditor")
        verbose_name_plural = _("oversight body auditors")
        constraints = [
            models.UniqueConstraint(fields=["body", "user"], name="ovs_body_member_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.body}"


@track_history()
class OversightReport(models.Model):
    body = models.ForeignKey(
        OversightBody, on_delete=models.PROTECT, related_name="reports", verbose_name=_("body")
    )
    symbol = models.CharField(_("symbol"), max_length=80)
    title_en = models.CharField(_("title (English)"), max_length=500)
    title_zh = models.CharField(_("title (Chinese)"), max_length=500, blank=True)
    issued_on = models.DateField(_("date"))
    volume = models.CharField(_("volume"), max_length=20, blank=True)
    entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="oversight_reports",
        verbose_name=_("entity audited"),
    )
    is_illustrative = models.BooleanField(
        _("illustrative data"),
        default=False,
        help_text=_("Generated demonstration data, not a real report."),
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "symbol"]
        verbose_name = _("oversight report")
        verbose_name_plural = _("oversight reports")
        constraints = [
            models.UniqueConstraint(fields=["body", "symbol"], name="ovs_report_symbol_unique"),
        ]

    def __str__(self):
        return self.symbol

    @property
    def title(self):
        return _bilingual(self.title_en, self.title_zh)


@track_history()
class StatisticsPeriod(models.Model):
    """A column of the published statistics of a body.

    Basis "implementation": a column of the cumulative table of Annex III — implementations
    recorded between start and end, and the cumulative rate at the end date (OIOS prints
    2010-2017, 2018, 2020a, 2021a; 2020a runs from 1 January 2019 to 30 June 2020).
    Basis "issue": a window of issue dates for which the JIU publishes its acceptance and
    implementation rates (2010-2019, 2011-2020)."""

    body = models.ForeignKey(
        OversightBody, on_delete=models.CASCADE, related_name="periods", verbose_name=_("body")
    )
    label = models.CharField(_("label"), max_length=20)
    basis = models.CharField(
        _("basis"), max_length=20, choices=PeriodBasis, default=PeriodBasis.IMPLEMENTATION
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        ordering = ["body", "basis", "start"]
        verbose_name = _("statistics period")
        verbose_name_plural = _("statistics periods")
        constraints = [
            models.UniqueConstraint(fields=["body", "label"], name="ovs_period_label_unique"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="ovs_period_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.body} {self.label}"


@track_history()
class Recommendation(models.Model):
    # No index of its own: (body, reference) and (body, status) begin with it (migration 0009).
    body = models.ForeignKey(
        OversightBody,
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("body"),
        db_index=False,
    )
    report = models.ForeignKey(
        OversightReport,
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("report"),
    )
    # No index of its own: (entity, status) begins with it (migration 0009).
    entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.PROTECT,
        related_name="oversight_recommendations",
        verbose_name=_("entity"),
        db_index=False,
    )
    org_unit = models.ForeignKey(
        "entities.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="oversight_recommendations",
        verbose_name=_("responsible unit"),
    )
    reference = models.CharField(_("reference"), max_length=80)
    text_en = models.TextField(_("text (English)"), blank=True)
    text_zh = models.TextField(_("text (Chinese)"), blank=True)
    is_critical = models.BooleanField(_("critical"), default=False)
    priority = models.CharField(_("priority"), max_length=40, blank=True)
    issued_on = models.DateField(_("issue date"))
    target_date = models.DateField(_("target date"), null=True, blank=True)
    acceptance = models.CharField(
        _("acceptance"), max_length=30, choices=Acceptance, default=Acceptance.ACCEPTED
    )
    status = models.CharField(
        _("implementation status"), max_length=30, choices=Status, default=Status.IN_PROGRESS
    )
    implementation_date = models.DateField(_("implementation date"), null=True, blank=True)
    management_response = models.TextField(_("management response"), blank=True)
    review_state = models.CharField(
        _("review state"), max_length=30, choices=ReviewState, default=ReviewState.OPEN
    )
    # What the focal point proposed; applied when the body's auditor accepts the closure.
    proposed_status = models.CharField(
        _("proposed status"), max_length=30, choices=Status, blank=True
    )
    proposed_implementation_date = models.DateField(
        _("proposed implementation date"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.UniqueConstraint(fields=["body", "reference"], name="ovs_rec_reference_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in CLOSED_STATUSES])
                | models.Q(implementation_date__isnull=True),
                name="ovs_rec_impl_date_only_when_closed",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[s.value for s in CLOSED_STATUSES])
                | models.Q(implementation_date__isnull=False),
                name="ovs_rec_closed_has_impl_date",
            ),
        ]
        indexes = [
            models.Index(fields=["body", "status"], name="ovs_rec_body_status"),
            models.Index(fields=["entity", "status"], name="ovs_rec_entity_status"),
            models.Index(fields=["issued_on"], name="ovs_rec_issued"),
            models.Index(fields=["target_date"], name="ovs_rec_target"),
            trigram_index("text_en", "ovs_rec_text_en_trgm"),
            trigram_index("text_zh", "ovs_rec_text_zh_trgm"),
            trigram_index("reference", "ovs_rec_reference_trgm"),
        ]

    def __str__(self):
        return f"{self.body_id and self.body.code.upper()} {self.reference}"

    @property
    def text(self):
        return _bilingual(self.text_en, self.text_zh)

    @property
    def is_closed(self):
        return self.status in CLOSED_STATUSES

    def get_priority_display(self):
        """The priority in the reader's language (the body's own word when it has no label)."""
        return PRIORITY_LABELS.get(self.priority, self.priority)

    def clean(self):
        errors = {}
        if self.report_id and self.body_id and self.report.body_id != self.body_id:
            errors["report"] = _("The report must be one of the recommendation's body.")
        if self.org_unit_id and self.entity_id and self.org_unit.entity_id != self.entity_id:
            errors["org_unit"] = _("The responsible unit must belong to the entity.")
        if not (self.text_en or self.text_zh):
            errors["text_en"] = _("Give the text in English or Chinese.")
        if self.target_date and self.issued_on and self.target_date < self.issued_on:
            errors["target_date"] = _("The target date cannot be before the issue date.")
        if self.status in CLOSED_STATUSES and not self.implementation_date:
            errors["implementation_date"] = _("A closed recommendation needs the date it closed.")
        if self.status not in CLOSED_STATUSES and self.implementation_date:
            errors["implementation_date"] = _(
                "Only a closed recommendation has an implementation date."
            )
        if (
            self.implementation_date
            and self.issued_on
            and self.implementation_date < self.issued_on
        ):
            errors["implementation_date"] = _(
                "The implementation date cannot be before the issue date."
            )
        scale = self.body.priority_scale if self.body_id else []
        if self.priority and scale and self.priority not in scale:
            errors["priority"] = _("Use one of the body's priorities: %(scale)s.") % {
                "scale": ", ".join(scale)
            }
        if errors:
            raise ValidationError(errors)


def evidence_upload_to(instance, filename):
    # A random name: the file is never served by URL, and the name must not be guessable
    # even if the storage were exposed by mistake.
    import uuid

    return f"oversight/evidence/{instance.recommendation_id}/{uuid.uuid4().hex}"


@track_history()
class Evidence(models.Model):
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("recommendation"),
    )
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=evidence_upload_to, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return self.original_name


@track_history()
class Comment(models.Model):
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("recommendation"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=CommentKind)
    # Empty for a closure accepted without a note: the kind says it.
    body = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


@track_history()
class Resolution(models.Model):
    """A governing-body resolution or decision whose implementation is tracked (Annex I)."""

    governing_body = models.ForeignKey(
        "entities.GoverningBody",
        on_delete=models.PROTECT,
        related_name="tracked_resolutions",
        verbose_name=_("governing body"),
    )
    session = models.CharField(_("session"), max_length=40)
    row = models.PositiveIntegerField(_("row"))
    agenda_item_number = models.CharField(_("agenda item"), max_length=20)
    agenda_item_en = models.CharField(_("agenda item (English)"), max_length=500, blank=True)
    agenda_item_zh = models.CharField(_("agenda item (Chinese)"), max_length=500, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MandateKind, default=MandateKind.RESOLUTION
    )
    number = models.CharField(_("resolution"), max_length=40)
    title_en = models.TextField(_("title (English)"), blank=True)
    title_zh = models.TextField(_("title (Chinese)"), blank=True)
    reports_or_actions_zh = models.TextField(_("reports or actions (Chinese)"), blank=True)
    report_symbols = models.JSONField(_("report symbols"), default=list, blank=True)
    action_kind = models.CharField(_("action taken"), max_length=50, choices=ActionKind)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)
    status = models.CharField(_("status"), max_length=30, choices=ResolutionStatus)

    objects = ResolutionQuerySet.as_manager()

    class Meta:
        ordering = ["governing_body", "session", "row"]
        verbose_name = _("tracked resolution")
        verbose_name_plural = _("tracked resolutions")
        constraints = [
            models.UniqueConstraint(
                fields=["governing_body", "session", "row"], name="ovs_resolution_row_unique"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def title(self):
        return _bilingual(self.title_en, self.title_zh)

    @property
    def agenda_item(self):
        return _bilingual(self.agenda_item_en, self.agenda_item_zh)

    @property
    def summary(self):
        return _bilingual(self.summary_en, self.summary_zh)


@track_history()
class ActionPlan(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    title_en = models.CharField(_("title (English)"), max_length=500)
    title_zh = models.CharField(_("title (Chinese)"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")

    def __str__(self):
        return self.code

    @property
    def title(self):
        return _bilingual(self.title_en, self.title_zh)


@track_history()
class ActionPlanItem(models.Model):
    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan")
    )
    number = models.PositiveIntegerField(_("item"))
    activity_en = models.TextField(_("activity (English)"), blank=True)
    activity_zh = models.TextField(_("activity (Chinese)"), blank=True)
    implementation_date_en = models.CharField(
        _("implementation date (English)"), max_length=200, blank=True
    )
    implementation_date_zh = models.CharField(
        _("implementation date (Chinese)"), max_length=200, blank=True
    )
    status = models.CharField(_("status"), max_length=30, choices=ActionItemStatus)
    status_text_en = models.CharField(_("status as printed (English)"), max_length=300, blank=True)
    status_text_zh = models.CharField(_("status as printed (Chinese)"), max_length=300, blank=True)
    document_refs = models.JSONField(_("documents"), default=list, blank=True)
    progress_notes_en = models.TextField(_("progress notes (English)"), blank=True)
    progress_notes_zh = models.TextField(_("progress notes (Chinese)"), blank=True)

    objects = ActionPlanItemQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("action plan item")
        verbose_name_plural = _("action plan items")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="ovs_action_item_unique"),
        ]

    def __str__(self):
        return f"{self.plan.code} #{self.number}"

    @property
    def activity(self):
        return _bilingual(self.activity_en, self.activity_zh)

    @property
    def implementation_date(self):
        return _bilingual(self.implementation_date_en, self.implementation_date_zh)

    @property
    def progress_notes(self):
        return _bilingual(self.progress_notes_en, self.progress_notes_zh)


__all__ = [
    "ActionPlan",
    "ActionPlanItem",
    "Comment",
    "Evidence",
    "OversightBody",
    "OversightBodyMember",
    "OversightReport",
    "Recommendation",
    "Resolution",
    "StatisticsPeriod",
    "Status",
]


def import_upload_to(instance, filename):
    # A random name, never served by URL (as evidence files).
    import uuid

    ext = ".csv" if filename.lower().endswith(".csv") else ".xlsx"
    return f"oversight/imports/{uuid.uuid4().hex}{ext}"


class RecommendationImport(Job):
    """An uploaded file of recommendations on its way in: read and checked (preview), then
    written. The state people see lives here, not in the session or Celery's result backend;
    the worker running it is recorded (core.jobs), so a job whose worker died is failed by the
    sweeper instead of staying "being written"."""

    file = models.FileField(
        _("file"), storage=private_storage, upload_to=import_upload_to, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    # A preview writes nothing: it says how many rows an import would write.
    rows_to_write = models.PositiveIntegerField(_("rows to write"), default=0)
    written_rows = models.PositiveIntegerField(_("rows written"), default=0)
    created_count = models.PositiveIntegerField(_("created"), null=True, blank=True)
    updated_count = models.PositiveIntegerField(_("updated"), null=True, blank=True)
    # Rows that match a recommendation already holding the same values: not written.
    unchanged_count = models.PositiveIntegerField(_("unchanged"), null=True, blank=True)
    # What the preview found: {"create": n, "update": n, "unchanged": n}.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    # How far the current step (reading and checking, or writing) has come, 0-100.
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # [{"row": 5, "column": "entity", "message": "..."}], row 0 = the whole file.
    errors = models.JSONField(_("problems"), default=list, blank=True)
    # Rows with a change or a problem (the first PREVIEW_ROWS): {"row", "reference", "body",
    # "entity", "status", "action", "errors", "changes": {field: [old, new]}}.
    preview = models.JSONField(_("preview"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RecommendationImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("recommendation import")
        verbose_name_plural = _("recommendation imports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(written_rows__lte=models.F("rows_to_write")),
                name="oversight_import_written_bounded",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="oversight_import_progress_percent"
            ),
        ]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self):
        return self.status in (
            ImportStatus.PENDING,
            ImportStatus.PARSING,
            ImportStatus.COMMITTING,
        )
