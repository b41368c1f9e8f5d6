"""What is the compact's own: the compact, its commitment groups and commitments, the published
text of each indicator's figures, how a system-wide value is derived, and the derived values.

Indicators, baselines, targets, measured values, their review and history are those of the
indicators app: a compact's indicators live in a framework (indicators.Plan of kind "compact")
whose levels are commitment group -> commitment. Entities report the values a derived
indicator rolls up in frameworks of kind "compact_report".
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.bilingual import localized

from .choices import Derivation, GroupKind
from .querysets import CompactIndicatorQuerySet, CompactQuerySet, SystemValueQuerySet

_localized = localized  # the English/Chinese pair in the reader's language (core.bilingual)


class Compact(models.Model):
    """A compact of mutual commitments (the Funding Compact), reported on every year."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_zh = models.CharField(_("name (Chinese)"), max_length=300, blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    resolution = models.CharField(_("endorsing resolution"), max_length=100, blank=True)
    # [{"symbol": "A/75/79-E/2020/55", "title_en": ..., "title_zh": ...}]
    source_documents = models.JSONField(_("source documents"), default=list, blank=True)
    plan = models.OneToOneField(
        "indicators.Plan",
        on_delete=models.PROTECT,
        related_name="compact",
        verbose_name=_("framework of its indicators"),
    )
    illustrative_note_en = models.TextField(_("note on illustrative data (English)"), blank=True)
    illustrative_note_zh = models.TextField(_("note on illustrative data (Chinese)"), blank=True)

    objects = CompactQuerySet.as_manager()

    class Meta:
        ordering = ["-start_year", "code"]
        verbose_name = _("compact")
        verbose_name_plural = _("compacts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="compact_years_ordered"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")

    @property
    def illustrative_note(self):
        return _localized(self, "illustrative_note")


class CommitmentGroup(models.Model):
    """Member States' commitments, or the UN development system's."""

    compact = models.ForeignKey(Compact, on_delete=models.CASCADE, related_name="groups")
    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind)
    node = models.OneToOneField(
        "indicators.Node", on_delete=models.PROTECT, related_name="commitment_group"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The share making progress as printed (A/75/79 para. 128: 69% and 60%), shown beside
    # the share computed from the records.
    published_share_progress = models.DecimalField(
        _("published share making progress (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["compact", "order"]
        verbose_name = _("commitment group")
        verbose_name_plural = _("commitment groups")
        constraints = [
            models.UniqueConstraint(fields=["compact", "kind"], name="group_kind_unique")
        ]

    def __str__(self):
        return self.get_kind_display()


class Commitment(models.Model):
    group = models.ForeignKey(CommitmentGroup, on_delete=models.CASCADE, related_name="commitments")
    number = models.PositiveSmallIntegerField(_("number"))
    node = models.OneToOneField(
        "indicators.Node", on_delete=models.PROTECT, related_name="commitment"
    )
    label_zh = models.CharField(_("label as printed (Chinese)"), max_length=200, blank=True)
    title_en = models.TextField(_("title (English)"))
    title_zh = models.TextField(_("title (Chinese)"), blank=True)
    table_label_en = models.CharField(_("published table (English)"), max_length=40, blank=True)
    table_label_zh = models.CharField(_("published table (Chinese)"), max_length=40, blank=True)

    class Meta:
        ordering = ["group", "number"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="commitment_number_unique")
        ]

    def __str__(self):
        return f"{self.group} {self.number}"

    @property
    def title(self):
        return _localized(self, "title")

    @property
    def table_label(self):
        return _localized(self, "table_label")


class CompactIndicator(models.Model):
    """A compact indicator: the indicators app's Indicator, plus what only the compact has —
    its published text and footnotes, and how its system-wide value is derived."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.OneToOneField(
        "indicators.Indicator", on_delete=models.PROTECT, related_name="compact_indicator"
    )
    code_raw = models.CharField(_("code as printed"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The figures as printed, e.g. "4 300 万美元 (2018)", kept beside the typed values so that
    # a reader can check the transcription.
    baseline_raw = models.CharField(_("baseline as printed"), max_length=200, blank=True)
    target_raw = models.CharField(_("target as printed"), max_length=200, blank=True)
    latest_raw = models.CharField(_("latest value as printed"), max_length=200, blank=True)
    # A latest value printed in words ("2020 年推出方法"), in English for English pages.
    latest_text_en = models.CharField(
        _("latest value in words (English)"), max_length=200, blank=True
    )
    # [{"marker": "a", "applies_to": "latest", "en": ..., "zh": ...}]
    footnotes = models.JSONField(_("footnotes"), default=list, blank=True)
    derivation = models.CharField(
        _("system-wide value derived as"),
        max_length=20,
        choices=Derivation,
        default=Derivation.NONE,
    )
    # Codes of the indicators entities report in their compact-report frameworks.
    source_code = models.CharField(_("entity indicator"), max_length=60, blank=True)
    denominator_code = models.CharField(
        _("entity indicator (denominator)"), max_length=60, blank=True
    )
    is_illustrative = models.BooleanField(
        _("entity reports illustrative"),
        default=False,
        help_text=_("The entity reports it is built from are invented for demonstration."),
    )

    objects = CompactIndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["commitment", "order"]
        verbose_name = _("compact indicator")
        verbose_name_plural = _("compact indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(derivation=Derivation.NONE) | ~Q(source_code=""),
                name="derived_indicator_has_source",
            ),
            models.CheckConstraint(
                condition=~Q(derivation=Derivation.RATIO_OF_SUMS) | ~Q(denominator_code=""),
                name="ratio_has_denominator",
            ),
        ]

    def __str__(self):
        return self.indicator.code if self.indicator_id else self.code_raw

    def clean(self):
        if self.derivation != Derivation.NONE and not self.source_code:
            raise ValidationError({"source_code": _("A derived value needs the entity indicator.")})
        if self.derivation == Derivation.RATIO_OF_SUMS and not self.denominator_code:
            raise ValidationError(
                {"denominator_code": _("A ratio of two sums needs its denominator indicator.")}
            )

    @property
    def is_derived(self):
        return self.derivation != Derivation.NONE

    def footnotes_for(self, figure):
        return [f for f in self.footnotes if f.get("applies_to") == figure]


class SystemValue(models.Model):
    """The system-wide value of a derived indicator for one year, computed from the approved
    entity reports (never typed in), with the breakdown it was built from."""

    compact_indicator = models.ForeignKey(
        CompactIndicator, on_delete=models.CASCADE, related_name="system_values"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    numeric_value = models.DecimalField(
        _("value"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    numerator = models.DecimalField(_("numerator"), max_digits=24, decimal_places=6, null=True)
    denominator = models.DecimalField(_("denominator"), max_digits=24, decimal_places=6, null=True)
    # [{"entity_id", "entity_code", "value_id", "value", "previous", "counted", "footnote"}]
    breakdown = models.JSONField(_("breakdown"), default=list, blank=True)
    # [{"entity_id", "entity_code", "reason"}]
    not_reported = models.JSONField(_("not reported"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    objects = SystemValueQuerySet.as_manager()

    class Meta:
        ordering = ["compact_indicator", "year"]
        verbose_name = _("system-wide value")
        verbose_name_plural = _("system-wide values")
        constraints = [
            models.UniqueConstraint(
                fields=["compact_indicator", "year"], name="system_value_one_per_year"
            )
        ]

    def __str__(self):
        return f"{self.compact_indicator} {self.year}"
