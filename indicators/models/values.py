"""Typed values (baselines, targets, measured values and their parts), comments, evidence
and import jobs."""

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.jobs import Job
from entities.models import track_history

from ..choices import (
    ImportStatus,
    Rating,
    Status,
    TargetKind,
    ValueKind,
)
from ..querysets import (
    BaselineQuerySet,
    EvidenceQuerySet,
    ImportJobQuerySet,
    TargetQuerySet,
    ValueQuerySet,
)
from .common import (
    MAX_DECIMALS,
    PERCENT_MAX,
    PERCENT_MIN,
    currency_code_validator,
    evidence_path,
    import_path,
    private_storage,
)
from .framework import Indicator, ReportingPeriod

# --- typed values -----------------------------------------------------------------------------


def _empty_columns():
    return Q(numeric_value__isnull=True, bool_value__isnull=True, text_value="", currency="")


def _kind_columns(kind):
    """The columns a present (not missing) value of `kind` fills — and only those."""
    no_bool, no_num = Q(bool_value__isnull=True), Q(numeric_value__isnull=True)
    return {
        ValueKind.NUMBER: Q(numeric_value__isnull=False, text_value="", currency="") & no_bool,
        ValueKind.PERCENT: Q(
            numeric_value__gte=PERCENT_MIN,
            numeric_value__lte=PERCENT_MAX,
            text_value="",
            currency="",
        )
        & no_bool,
        ValueKind.CURRENCY: Q(
            numeric_value__isnull=False, currency__regex=r"^[A-Z]{3}$", text_value=""
        )
        & no_bool,
        ValueKind.YES_NO: Q(bool_value__isnull=False, text_value="", currency="") & no_num,
        ValueKind.TEXT: ~Q(text_value="") & Q(currency="") & no_bool & no_num,
        ValueKind.PARTS: _empty_columns(),
    }[kind]


def typed_value_constraints(prefix):
    """One CheckConstraint per kind (a row of that kind fills exactly its columns, or is missing
    with a footnote and fills none), plus: a missing value has a footnote."""
    missing = Q(is_missing=True) & _empty_columns() & ~Q(footnote="")
    constraints = [
        models.CheckConstraint(
            condition=~Q(kind=kind) | missing | (Q(is_missing=False) & _kind_columns(kind)),
            name=f"{prefix}_{kind}_columns",
        )
        for kind in ValueKind.values
    ]
    constraints.append(
        models.CheckConstraint(condition=Q(kind__in=ValueKind.values), name=f"{prefix}_kind_known")
    )
    return constraints


class TypedValue(models.Model):
    """The typed columns shared by baselines, targets and measured values."""

    kind = models.CharField(_("value kind"), max_length=20, choices=ValueKind, editable=False)
    numeric_value = models.DecimalField(
        _("numeric value"), max_digits=24, decimal_places=MAX_DECIMALS, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[currency_code_validator]
    )
    bool_value = models.BooleanField(_("yes/no"), null=True, blank=True)
    text_value = models.TextField(_("text"), blank=True)
    is_missing = models.BooleanField(_("missing"), default=False)
    footnote = models.TextField(_("footnote"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)

    class Meta:
        abstract = True

    def clean_typed(self, indicator):
        """The per-kind rules, in words a person can act on (the constraints say the same to
        the database)."""
        self.kind = indicator.value_kind
        errors = {}
        if self.is_missing:
            if not self.footnote.strip():
                errors["footnote"] = _("A missing value needs a footnote saying why.")
            if self.numeric_value is not None or self.bool_value is not None or self.text_value:
                errors["is_missing"] = _("A missing value cannot also have a value.")
            self.currency = ""
            if errors:
                raise ValidationError(errors)
            return
        kind = self.kind
        if kind in (ValueKind.NUMBER, ValueKind.PERCENT, ValueKind.CURRENCY):
            if self.numeric_value is None:
                errors["numeric_value"] = _("Enter a number.")
            else:
                exponent = self.numeric_value.normalize().as_tuple().exponent
                if isinstance(exponent, int) and -exponent > indicator.decimals:
                    errors["numeric_value"] = _(
                        "Use at most %(decimals)s decimal places for this indicator."
                    ) % {"decimals": indicator.decimals}
            if (
                kind == ValueKind.PERCENT
                and self.numeric_value is not None
                and not PERCENT_MIN <= self.numeric_value <= PERCENT_MAX
            ):
                errors["numeric_value"] = _("A percent must be between 0 and 100.")
            if kind == ValueKind.CURRENCY:
                self.currency = self.currency or indicator.currency
                if self.currency != indicator.currency:
                    errors["currency"] = _("This indicator is reported in %(code)s.") % {
                        "code": indicator.currency
                    }
            else:
                self.currency = ""
        elif kind == ValueKind.YES_NO:
            if self.bool_value is None:
                errors["bool_value"] = _("Answer yes or no.")
        elif kind == ValueKind.TEXT and not self.text_value.strip():
            errors["text_value"] = _("Enter the qualitative value.")
        if kind not in (ValueKind.NUMBER, ValueKind.PERCENT, ValueKind.CURRENCY):
            if self.numeric_value is not None:
                errors["numeric_value"] = _("This indicator does not take a number.")
            self.currency = ""
        if kind != ValueKind.YES_NO and self.bool_value is not None:
            errors["bool_value"] = _("This indicator does not take yes or no.")
        if kind != ValueKind.TEXT and self.text_value:
            errors["text_value"] = _("This indicator does not take text.")
        if errors:
            raise ValidationError(errors)


@track_history()
class Baseline(TypedValue):
    indicator = models.OneToOneField(Indicator, on_delete=models.CASCADE, related_name="baseline")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    objects = BaselineQuerySet.as_manager()

    class Meta:
        ordering = ["indicator"]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        constraints = [
            *typed_value_constraints("baseline"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="baseline_period_ordered",
            ),
        ]

    def __str__(self):
        return _("%(indicator)s baseline") % {"indicator": self.indicator.code}

    def clean(self):
        self.clean_typed(self.indicator)


@track_history()
class Target(TypedValue):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    target_kind = models.CharField(
        _("target kind"), max_length=20, choices=TargetKind, default=TargetKind.MILESTONE
    )

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = pgettext_lazy("indicator value", "target")
        verbose_name_plural = _("targets")
        constraints = [
            *typed_value_constraints("target"),
            models.UniqueConstraint(fields=["indicator", "year"], name="target_one_per_year"),
            models.UniqueConstraint(
                fields=["indicator"],
                condition=Q(target_kind=TargetKind.END),
                name="target_one_end_target",
            ),
        ]

    def __str__(self):
        return _("%(indicator)s target %(year)s") % {
            "indicator": self.indicator.code,
            "year": self.year,
        }

    def clean(self):
        self.clean_typed(self.indicator)
        plan = self.indicator.plan
        if self.year and not plan.start_year - 1 <= self.year <= plan.end_year:
            raise ValidationError(
                {"year": _("The target year must fall within the framework's years.")}
            )


# History by statement: an import's merge of 50,000 values writes their history rows in one
# INSERT from the statement's transition tables, not 50,000 trigger calls (issue #15).
@track_history(level=pghistory.Statement)
class Value(TypedValue):
    """A measured value of an indicator for a reporting period, with its workflow."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="values")
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    rating = models.CharField(_("reviewer's rating"), max_length=30, choices=Rating, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    # Incremented by every write; a save made on an older version is refused (HTTP 409).
    version = models.PositiveIntegerField(_("version"), default=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Indexed: a full progress run asks which values changed while it was computing.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__plan", "indicator__order", "indicator__code", "period__start_date"]
        verbose_name = _("value")
        verbose_name_plural = _("values")
        constraints = [
            *typed_value_constraints("value"),
            models.UniqueConstraint(fields=["indicator", "period"], name="value_one_per_period"),
            models.CheckConstraint(
                condition=Q(rating="") | Q(kind=ValueKind.TEXT), name="value_rating_only_text"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.RETURNED) | ~Q(return_reason=""),
                name="value_returned_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="value_status_known"
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.period.label}"

    def clean(self):
        self.clean_typed(self.indicator)
        if self.period.plan_id != self.indicator.plan_id:
            raise ValidationError({"period": _("The period belongs to another framework.")})
        if self.rating and self.kind != ValueKind.TEXT:
            raise ValidationError({"rating": _("Only qualitative values carry a rating.")})

    @property
    def is_locked(self):
        return self.status == Status.APPROVED or self.period.is_closed


@track_history()
class Part(models.Model):
    """One labelled part of a value in parts (e.g. 59 Member States to pooled funds). Belongs to
    exactly one baseline, target or value."""

    baseline = models.ForeignKey(
        Baseline, on_delete=models.CASCADE, null=True, blank=True, related_name="parts"
    )
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, null=True, blank=True, related_name="parts"
    )
    value = models.ForeignKey(
        Value, on_delete=models.CASCADE, null=True, blank=True, related_name="parts"
    )
    code = models.CharField(_("part"), max_length=40)
    # Null: this part is not available (its value's footnote says why; "46 和-a").
    numeric_value = models.DecimalField(
        _("numeric value"), max_digits=24, decimal_places=MAX_DECIMALS, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(baseline__isnull=False, target__isnull=True, value__isnull=True)
                    | Q(baseline__isnull=True, target__isnull=False, value__isnull=True)
                    | Q(baseline__isnull=True, target__isnull=True, value__isnull=False)
                ),
                name="part_has_one_owner",
            ),
            models.UniqueConstraint(fields=["baseline", "code"], name="part_unique_in_baseline"),
            models.UniqueConstraint(fields=["target", "code"], name="part_unique_in_target"),
            models.UniqueConstraint(fields=["value", "code"], name="part_unique_in_value"),
        ]

    def __str__(self):
        return f"{self.code}={self.numeric_value}"


class Comment(models.Model):
    value = models.ForeignKey(Value, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return _("%(author)s on value %(value)s") % {"author": self.author, "value": self.value_id}


@track_history()
class Evidence(models.Model):
    value = models.ForeignKey(Value, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), storage=private_storage, upload_to=evidence_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.original_name


class ImportJob(Job):
    """An uploaded workbook on its way in: read and checked (preview), then committed. The
    state people see lives here, not in Celery's result backend."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(_("file"), storage=private_storage, upload_to=import_path)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows read"), default=0)
    # A preview writes nothing: it says how many rows a commit would write.
    rows_to_write = models.PositiveIntegerField(_("rows to write"), default=0)
    written_rows = models.PositiveIntegerField(_("rows written"), default=0)
    # Rows whose value the file leaves as it is (the same as stored): no change, no problem.
    unchanged_rows = models.PositiveIntegerField(_("rows unchanged"), default=0)
    # How far the job has got, in percent (reading, checking, writing), for the progress bar.
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, validators=[MaxValueValidator(100)]
    )
    # The preview: [{"row", "code", "old", "new", "note"}] for the first 1,000 changes.
    changes = models.JSONField(_("changes"), default=list, blank=True)
    # [{"row": 5, "column": "Current value", "message": "..."}], row 0 = the whole file.
    errors = models.JSONField(_("problems"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows"))
                | Q(total_rows=0, processed_rows=0),
                name="import_progress_bounded",
            )
        ]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def progress_percent(self):
        return self.progress
