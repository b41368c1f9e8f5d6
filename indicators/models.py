"""Results frameworks (plans, levels, result nodes), indicators, baselines, targets and measured
values with their workflow, evidence, comments and import jobs.

Values are stored typed: a numeric column for every numeric kind (number, percent, currency),
a boolean for yes/no, text for qualitative values, child rows for values in labelled parts, and
a missing flag with a footnote. A CheckConstraint per kind makes the database refuse a row whose
columns do not match its kind, whatever wrote it.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from entities.models import track_history

from .choices import (
    Direction,
    Frequency,
    ImportStatus,
    PlanKind,
    Rating,
    Status,
    TargetKind,
    ValueKind,
)
from .querysets import (
    BaselineQuerySet,
    ImportJobQuerySet,
    IndicatorQuerySet,
    NodeQuerySet,
    PeriodQuerySet,
    PlanQuerySet,
    TargetQuerySet,
    ValueQuerySet,
)

PERCENT_MIN = Decimal("0")
PERCENT_MAX = Decimal("100")
MAX_DECIMALS = 6

currency_code_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Enter a three-letter ISO 4217 currency code, such as USD.")
)


def private_storage():
    """Evidence and uploaded workbooks: under MEDIA_ROOT/private, with no public URL. Views
    stream the files after a permission check."""
    return FileSystemStorage(location=settings.MEDIA_ROOT / "private", base_url=None)


def evidence_path(instance, filename):
    # A random name: the original name is kept in the row, never in the path.
    return f"evidence/{instance.value_id}/{uuid.uuid4().hex}"


def import_path(instance, filename):
    return f"imports/{uuid.uuid4().hex}.xlsx"


def _localized(obj, field):
    if (get_language() or "").startswith("zh") and getattr(obj, f"{field}_zh"):
        return getattr(obj, f"{field}_zh")
    return getattr(obj, f"{field}_en")


# --- the framework ----------------------------------------------------------------------------


@track_history()
class Plan(models.Model):
    """A results framework (strategic plan or programme plan) of one entity, over years."""

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="plans", verbose_name=_("entity")
    )
    code = models.SlugField(_("code"), max_length=60)
    kind = models.CharField(_("kind"), max_length=30, choices=PlanKind)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300, blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    is_illustrative = models.BooleanField(
        _("illustrative data"),
        default=False,
        help_text=_("Its indicators and figures are invented for demonstration."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["entity__code", "-start_year", "code"]
        verbose_name = _("results framework")
        verbose_name_plural = _("results frameworks")
        constraints = [
            models.UniqueConstraint(fields=["entity", "code"], name="plan_code_unique_in_entity"),
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="plan_years_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.entity.code} {self.code}"

    @property
    def title(self):
        return _localized(self, "title")


@track_history()
class Level(models.Model):
    """A level of a framework's tree, named by the framework (pillar, goal, principle; or
    programme, subprogramme, component, objective, expected accomplishment)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="levels")
    depth = models.PositiveSmallIntegerField(_("depth"))
    code = models.SlugField(_("code"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)

    class Meta:
        ordering = ["plan", "depth"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        constraints = [
            models.UniqueConstraint(fields=["plan", "depth"], name="level_depth_unique"),
            models.UniqueConstraint(fields=["plan", "code"], name="level_code_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")


@track_history()
class Node(models.Model):
    """A result in the framework's tree (a goal, a principle, an expected accomplishment...)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="nodes")
    code = models.CharField(_("code"), max_length=60)
    title_en = models.TextField(_("title (English)"))
    title_zh = models.TextField(_("title (Chinese)"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = NodeQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="node_code_unique_in_plan"),
        ]

    def __str__(self):
        return f"{self.code} {self.title_en[:80]}"

    @property
    def title(self):
        return _localized(self, "title")

    def clean(self):
        if self.level_id and self.level.plan_id != self.plan_id:
            raise ValidationError({"level": _("The level must belong to the same framework.")})
        if self.parent_id:
            if self.parent.plan_id != self.plan_id:
                raise ValidationError({"parent": _("The parent must be in the same framework.")})
            if self.level_id and self.parent.level.depth >= self.level.depth:
                raise ValidationError(
                    {"level": _("A result must sit at a deeper level than its parent.")}
                )


@track_history()
class ReportingPeriod(models.Model):
    """A period for which values are entered (a year, or a date range). Closed: no new entries."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="periods")
    label = models.CharField(_("label"), max_length=40)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    is_closed = models.BooleanField(_("closed"), default=False)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "start_date"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["plan", "label"], name="period_label_unique"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="period_dates_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.plan.code} {self.label}"


# --- indicators -------------------------------------------------------------------------------


@track_history()
class Indicator(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(_("code"), max_length=60)
    name_en = models.TextField(_("name (English)"))
    name_zh = models.TextField(_("name (Chinese)"), blank=True)
    definition = models.TextField(_("definition"), blank=True)
    data_source = models.TextField(_("data source"), blank=True)
    frequency = models.CharField(
        _("frequency"), max_length=20, choices=Frequency, default=Frequency.ANNUAL
    )
    responsible_entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible entity"),
    )
    org_unit = models.ForeignKey(
        "entities.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("responsible org unit"),
    )
    value_kind = models.CharField(_("value kind"), max_length=20, choices=ValueKind)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[currency_code_validator]
    )
    decimals = models.PositiveSmallIntegerField(
        _("decimals"), default=0, validators=[MaxValueValidator(MAX_DECIMALS)]
    )
    direction = models.CharField(
        _("direction of improvement"), max_length=10, choices=Direction, default=Direction.INCREASE
    )
    method_in_development = models.BooleanField(_("method still being developed"), default=False)
    disaggregation_en = models.CharField(_("disaggregation (English)"), max_length=100, blank=True)
    disaggregation_zh = models.CharField(_("disaggregation (Chinese)"), max_length=100, blank=True)
    # [{"code": "pooled", "en": "pooled funds", "zh": "集合资金"}, ...] for values in parts.
    part_labels = models.JSONField(_("parts"), default=list, blank=True)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_code_unique_in_plan"),
            models.CheckConstraint(
                condition=Q(decimals__lte=MAX_DECIMALS), name="indicator_decimals_max"
            ),
            models.CheckConstraint(
                condition=~Q(value_kind=ValueKind.CURRENCY) | Q(currency__regex=r"^[A-Z]{3}$"),
                name="indicator_currency_has_code",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def name(self):
        return _localized(self, "name")

    @property
    def disaggregation(self):
        return _localized(self, "disaggregation")

    def part_label(self, code):
        zh = (get_language() or "").startswith("zh")
        for part in self.part_labels:
            if part.get("code") == code:
                return (part.get("zh") if zh else None) or part.get("en") or code
        return code

    def clean(self):
        errors = {}
        if self.node_id and self.plan_id and self.node.plan_id != self.plan_id:
            errors["node"] = _("The result must belong to the indicator's framework.")
        if self.value_kind == ValueKind.CURRENCY and not self.currency:
            errors["currency"] = _("A currency amount needs an ISO 4217 currency code.")
        if self.value_kind != ValueKind.CURRENCY and self.currency:
            errors["currency"] = _("Only currency amounts have a currency.")
        if self.value_kind == ValueKind.PARTS:
            codes = [p.get("code") for p in self.part_labels if isinstance(p, dict)]
            if len(codes) < 2 or len(codes) != len(self.part_labels) or not all(codes):
                errors["part_labels"] = _("A value in parts needs at least two labelled parts.")
            elif len(set(codes)) != len(codes):
                errors["part_labels"] = _("Each part needs its own code.")
        elif self.part_labels:
            errors["part_labels"] = _("Only values in parts have labelled parts.")
        if self.org_unit_id and self.plan_id:
            entity_id = self.responsible_entity_id or self.plan.entity_id
            if self.org_unit.entity_id != entity_id:
                errors["org_unit"] = _("The org unit must belong to the responsible entity.")
        if errors:
            raise ValidationError(errors)

    @property
    def entity_id(self):
        return self.plan.entity_id


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
        return f"{self.indicator.code} baseline"

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
        return f"{self.indicator.code} target {self.year}"

    def clean(self):
        self.clean_typed(self.indicator)
        plan = self.indicator.plan
        if self.year and not plan.start_year - 1 <= self.year <= plan.end_year:
            raise ValidationError(
                {"year": _("The target year must fall within the framework's years.")}
            )


@track_history()
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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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
    numeric_value = models.DecimalField(
        _("numeric value"), max_digits=24, decimal_places=MAX_DECIMALS
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
        return f"{self.author} on {self.value_id}"


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

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.original_name


class ImportJob(models.Model):
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
    written_rows = models.PositiveIntegerField(_("rows written"), default=0)
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
        if not self.total_rows:
            return 0
        return int(self.processed_rows * 100 / self.total_rows)
