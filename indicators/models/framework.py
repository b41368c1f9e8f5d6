"""The framework: plans, their levels and results, reporting periods, and indicators."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from entities.models import track_history

from ..choices import (
    Direction,
    Frequency,
    PlanKind,
    ValueKind,
    unit_text,
)
from ..querysets import (
    IndicatorQuerySet,
    NodeQuerySet,
    PeriodQuerySet,
    PlanQuerySet,
)
from .common import MAX_DECIMALS, _localized, currency_code_validator

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
    note_en = models.TextField(_("note (English)"), blank=True)
    note_zh = models.TextField(_("note (Chinese)"), blank=True)

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

    @property
    def note(self):
        return _localized(self, "note")


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
        return f"{self.code} {self.title[:80]}"

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
    # When officers must have entered the period's values (often after its end: values of
    # 2026 due by the end of January 2027). Without one, the end date.
    due_date = models.DateField(
        _("due date"),
        null=True,
        blank=True,
        help_text=_("When the values are due; without one, the end date."),
    )
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
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=models.F("start_date")),
                name="period_due_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.plan.code} {self.label}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.due_date and self.start_date and self.due_date < self.start_date:
            raise ValidationError(
                {"due_date": _("The due date cannot be before the period starts.")}
            )

    @property
    def due(self):
        """The date the period's values are due: its due date, or its end date."""
        return self.due_date or self.end_date


# --- indicators -------------------------------------------------------------------------------


@track_history()
class Indicator(models.Model):
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("framework")
    )
    node = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("result")
    )
    code = models.CharField(_("code"), max_length=60)
    name_en = models.TextField(_("name (English)"))
    name_zh = models.TextField(_("name (Chinese)"), blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    definition_zh = models.TextField(_("definition (Chinese)"), blank=True)
    data_source_en = models.TextField(_("data source (English)"), blank=True)
    data_source_zh = models.TextField(_("data source (Chinese)"), blank=True)
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
    unit_en = models.CharField(_("unit (English)"), max_length=60, blank=True)
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=60, blank=True)
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
        # A framework's indicators in list order: the lists of one framework (indicators,
        # values) walk it and stop at the page instead of sorting every row.
        indexes = [models.Index(fields=["plan", "order", "code"], name="indicator_plan_order")]
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

    @property
    def definition(self):
        return _localized(self, "definition")

    @property
    def data_source(self):
        return _localized(self, "data_source")

    @property
    def unit(self):
        """The unit as written in the reader's language (else in the other language)."""
        return _localized(self, "unit")

    @property
    def unit_label(self):
        return self.unit_in()

    def unit_in(self, language=None):
        """The unit to show in `language` (the active one by default): see unit_text."""
        return unit_text(self.unit_en, self.unit_zh, language)

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
