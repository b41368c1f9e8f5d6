"""Reads that shape the compact's tables: figures formatted in the UN's style, the class of
each indicator by the indicators app's rules (indicators.progress), the roll-up per group as
in Figure X, and every published figure beside the one computed from records."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.formatting import format_amount, format_number, format_percent
from indicators import progress as rules
from indicators.choices import Status, TargetKind, ValueKind
from indicators.models import CompactClass, Trend, Value

from . import parser
from .choices import Figure
from .models import Commitment, CommitmentGroup, CompactIndicator, SystemValue

CLASS_LABELS = dict(CompactClass.choices)
TREND_LABELS = dict(Trend.choices)
TREND_ARROWS = {"improving": "↑", "stable": "→", "worsening": "↓"}


# --- figures ----------------------------------------------------------------------------------


@dataclass
class Cell:
    """One figure of a table row: typed parts for the rules, text for people."""

    number: float | None = None  # what the progress rules compare (yes = 1.0, no = 0.0)
    parts: dict = field(default_factory=dict)  # code -> Decimal or None
    text: str = ""
    year: int | None = None
    is_missing: bool = False
    raw: str = ""
    markers: list = field(default_factory=list)
    computed: bool = False  # derived from entity reports
    note: str = ""  # e.g. "13 of 21 entities"


def format_typed(indicator, *, number=None, answer=None, parts=None, is_missing=False):
    """A typed figure in the UN's editorial style for the active language."""
    if is_missing:
        return "–"
    kind = indicator.value_kind
    if kind == ValueKind.PERCENT:
        return format_percent(_round(number, indicator.decimals), indicator.decimals)
    if kind == ValueKind.CURRENCY:
        return format_amount(number, indicator.currency)
    if kind == ValueKind.NUMBER:
        return format_number(_round(number, indicator.decimals), indicator.decimals)
    if kind == ValueKind.YES_NO:
        if answer is None:
            return "–"
        return _("Yes") if answer else _("No")
    if kind == ValueKind.PARTS:
        # "59 和 27" / "59 and 27", a missing part as "–".
        texts = [
            "–" if v is None else format_number(v, indicator.decimals)
            for v in (parts or {}).values()
        ]
        joiner = _("and")  # "59 和 27" / "59 and 27"
        return f" {joiner} ".join(texts) if texts else "–"
    return ""


def _round(number, decimals):
    if number is None:
        return None
    return Decimal(number).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def _cell_from(indicator, obj, year, raw=""):
    if obj is None:
        return Cell(text="–", year=year, raw=raw)
    parts = {p.code: p.numeric_value for p in obj.parts.all()}
    number = obj.numeric_value
    if indicator.value_kind == ValueKind.YES_NO and obj.bool_value is not None:
        number = 1 if obj.bool_value else 0
    return Cell(
        number=None if number is None else float(number),
        parts=parts,
        text=format_typed(
            indicator,
            number=obj.numeric_value,
            answer=obj.bool_value,
            parts=parts,
            is_missing=obj.is_missing,
        ),
        year=year,
        is_missing=obj.is_missing,
        raw=raw,
        markers=_markers(raw),
    )


def _markers(raw):
    if not raw:
        return []
    try:
        return parser.parse(raw).markers
    except parser.ParseError:
        return []


def _system_cell(ci, sv, raw=""):
    indicator = ci.indicator
    if sv is None:
        return Cell(text="–", raw=raw, computed=True)
    return Cell(
        number=None if sv.numeric_value is None else float(sv.numeric_value),
        text=format_typed(indicator, number=sv.numeric_value, is_missing=sv.numeric_value is None),
        year=sv.year,
        is_missing=sv.numeric_value is None,
        raw=raw,
        markers=_markers(raw),
        computed=True,
        note=_("%(counted)s of %(total)s entities")
        % {
            "counted": format_number(sv.numerator or 0, 0),
            "total": format_number(sv.denominator or 0, 0),
        }
        if ci.derivation in ("share_yes", "share_increase")
        else "",
    )


# --- rows -------------------------------------------------------------------------------------


@dataclass
class Row:
    ci: CompactIndicator
    baseline: Cell
    target: Cell
    latest: Cell
    previous: Cell | None
    compact_class: str = "other"
    trend: str | None = None
    published_latest: str = ""  # the printed latest value, when a computed one differs
    differs: bool = False
    footnotes: list = field(default_factory=list)

    @property
    def indicator(self):
        return self.ci.indicator

    @property
    def class_label(self):
        return CLASS_LABELS[self.compact_class]

    @property
    def trend_label(self):
        return TREND_LABELS.get(self.trend, "")

    @property
    def trend_arrow(self):
        return TREND_ARROWS.get(self.trend, "")


def _rule_kind(indicator, cell):
    if cell.is_missing or (cell.number is None and not cell.parts):
        return "missing"
    return str(indicator.value_kind)


def classify(indicator, baseline, target, latest, previous=None):
    """(class, trend) of one indicator by the indicators app's rules; a value in parts is
    classified per part and takes the worst class among parts with data."""
    direction = str(indicator.direction)
    mdev = indicator.method_in_development
    future = bool(
        target.year and (latest.year or baseline.year or 0) < target.year
    )  # a yes/no whose date is still ahead
    if indicator.value_kind == ValueKind.PARTS:
        codes = [p["code"] for p in indicator.part_labels]

        def part(cell, code):
            v = cell.parts.get(code) if cell else None
            return np.nan if v is None else float(v)

        actual = [part(latest, c) for c in codes]
        classes = rules.compact_class(
            ["parts"] * len(codes),
            direction,
            [part(baseline, c) for c in codes],
            [part(target, c) for c in codes],
            actual,
            method_in_development=mdev,
        )
        whole = rules.parts_class([0] * len(codes), list(classes)).iloc[0]
        return whole, None

    def num(cell):
        return np.nan if cell is None or cell.number is None else cell.number

    kind = _rule_kind(indicator, latest)
    klass = rules.compact_class(
        kind,
        direction,
        num(baseline),
        num(target),
        num(latest),
        method_in_development=mdev,
        completion_date_in_future=future,
    )[0]
    trend = None
    if previous is not None:
        trend = rules.trend(kind, direction, num(target), num(latest), num(previous))[0]
    return klass, trend


def _published_value(ci, figure):
    raw = getattr(ci, f"{figure}_raw")
    try:
        return parser.parse(raw)
    except parser.ParseError:
        return None


def build_row(ci, approved_values):
    """A table row for one compact indicator. approved_values: its approved Values, newest
    first (prefetched)."""
    indicator = ci.indicator
    baseline = getattr(indicator, "baseline", None)
    base = _cell_from(
        indicator,
        baseline,
        baseline.period_start.year if baseline else None,
        ci.baseline_raw,
    )
    targets = list(indicator.targets.all())
    end = next((t for t in targets if t.target_kind == TargetKind.END), None) or (
        targets[-1] if targets else None
    )
    target = _cell_from(indicator, end, end.year if end else None, ci.target_raw)
    differs, published_text = False, ""
    if ci.is_derived:
        values = sorted(
            (sv for sv in ci.system_values.all() if sv.numeric_value is not None),
            key=lambda sv: sv.year,
            reverse=True,
        )
        latest = _system_cell(ci, values[0] if values else None, ci.latest_raw)
        previous = _system_cell(ci, values[1]) if len(values) > 1 else None
        published = _published_value(ci, Figure.LATEST)
        if published is not None and published.value is not None:
            printed = _round(published.value, indicator.decimals)
            computed = (
                _round(latest.number, indicator.decimals) if latest.number is not None else None
            )
            differs = computed != printed or latest.year != published.year
            published_text = ci.latest_raw
    else:
        latest_obj = approved_values[0] if approved_values else None
        latest = _cell_from(
            indicator,
            latest_obj,
            latest_obj.period.start_date.year if latest_obj else None,
            ci.latest_raw,
        )
        if latest_obj is not None and latest_obj.is_missing and not _markers(ci.latest_raw):
            latest.markers = []
        if latest.is_missing and ci.latest_raw:
            # Printed as text ("2020 年推出方法 a"): show what was printed.
            pub = _published_value(ci, Figure.LATEST)
            if pub is not None and pub.kind == parser.TEXT:
                english = not (get_language() or "").startswith("zh")
                latest.text = (english and ci.latest_text_en) or pub.text
                latest.year = None
        prev_obj = approved_values[1] if len(approved_values) > 1 else None
        previous = (
            _cell_from(indicator, prev_obj, prev_obj.period.start_date.year) if prev_obj else None
        )
    klass, trend = classify(indicator, base, target, latest, previous)
    return Row(
        ci=ci,
        baseline=base,
        target=target,
        latest=latest,
        previous=previous,
        compact_class=klass,
        trend=trend,
        published_latest=published_text,
        differs=differs,
        footnotes=ci.footnotes,
    )


# --- the compact ------------------------------------------------------------------------------


@dataclass
class GroupTable:
    group: CommitmentGroup
    commitments: list  # [(Commitment, [Row])]
    counts: dict
    share_progress: Decimal | None
    published_share: Decimal | None

    @property
    def differs(self):
        if self.published_share is None or self.share_progress is None:
            return False
        return _round(self.share_progress, 0) != _round(self.published_share, 0)

    @property
    def total(self):
        return sum(self.counts.values())


def compact_tables(compact):
    """The compact's tables (one per commitment), rows classified, roll-up per group.
    A fixed number of queries whatever the number of indicators, values or entities."""
    approved = (
        Value.objects.filter(status=Status.APPROVED)
        .select_related("period")
        .prefetch_related("parts")
        .order_by("-period__start_date")
    )
    indicators = CompactIndicator.objects.with_figures().prefetch_related(
        Prefetch("indicator__values", queryset=approved, to_attr="approved_values")
    )
    commitments = Commitment.objects.filter(group__compact=compact).prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )
    groups = []
    by_group = {}
    for commitment in commitments:
        rows = [build_row(ci, ci.indicator.approved_values) for ci in commitment.indicators.all()]
        by_group.setdefault(commitment.group_id, []).append((commitment, rows))
    for group in CommitmentGroup.objects.filter(compact=compact):
        tables = by_group.get(group.pk, [])
        counts = dict.fromkeys(CLASS_LABELS, 0)
        for _commitment, rows in tables:
            for row in rows:
                counts[row.compact_class] += 1
        total = sum(counts.values())
        share = (
            (Decimal(counts["progress"]) / total * 100).quantize(Decimal("0.1")) if total else None
        )
        groups.append(
            GroupTable(
                group=group,
                commitments=tables,
                counts=counts,
                share_progress=share,
                published_share=group.published_share_progress,
            )
        )
    return groups


def system_values_for(compact_indicator):
    return list(SystemValue.objects.filter(compact_indicator=compact_indicator).order_by("-year"))


def breakdown_rows(system_value, user):
    """The entities and values a system-wide value was built from, and those that did not
    report; an entity's value is shown only to whoever may see that entity's values."""
    from entities.models import Entity

    ids = [r["value_id"] for r in system_value.breakdown]
    visible = set(Value.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    entity_ids = [r["entity_id"] for r in system_value.breakdown + system_value.not_reported]
    entities = Entity.objects.in_bulk(entity_ids)
    rows = []
    for r in system_value.breakdown:
        rows.append(
            {**r, "entity": entities.get(r["entity_id"]), "visible": r["value_id"] in visible}
        )
    missing = [{**r, "entity": entities.get(r["entity_id"])} for r in system_value.not_reported]
    return rows, missing


# --- the annex of an Executive Board report ---------------------------------------------------


def _annex_compact(year):
    """The compact a report on `year` shows: the one running that year, else the latest that
    had started by then (reported on after its end); None before any."""
    from .models import Compact

    started = Compact.objects.filter(start_year__lte=year).order_by("-start_year", "code")
    return started.filter(end_year__gte=year).first() or started.first()


def _share(value):
    return None if value is None else float(value)


def _annex_indicator(row, zh):
    return {
        "code": row.indicator.code,
        "name": row.indicator.name,
        "baseline": row.baseline.text,
        "baseline_year": row.baseline.year,
        "target": row.target.text,
        "target_year": row.target.year,
        "latest": row.latest.text,
        "latest_year": row.latest.year,
        "latest_note": row.latest.note,
        "computed": row.latest.computed,
        "class": row.compact_class,
        "class_label": str(row.class_label),
        "trend": row.trend or "",
        "trend_label": str(row.trend_label),
        "footnotes": [
            {"marker": f.get("marker", ""), "text": (zh and f.get("zh")) or f.get("en", "")}
            for f in row.footnotes
        ],
    }


def report_annex(*, entity, year, language):
    """The funding-compact annex of an Executive Board report on `year`, in `language`: the
    compact's tables as its page shows them (commitment groups, commitments, every indicator
    with baseline, target, latest value and class, and the roll-up per group), as plain JSON
    (str, int, float, bool, None) in a fixed order, so that a report run can freeze and digest
    it. The compact is system-wide: every entity's report shows the same tables (`entity` is
    the report's, kept for the signature reports calls). None when no compact had started by
    `year`."""
    with translation.override(language):
        compact = _annex_compact(year)
        if compact is None:
            return None
        zh = language.startswith("zh")
        groups = []
        for table in compact_tables(compact):
            groups.append(
                {
                    "kind": table.group.kind,
                    "title": str(table.group.get_kind_display()),
                    "counts": {key: int(n) for key, n in table.counts.items()},
                    "total": int(table.total),
                    "share_progress": _share(table.share_progress),
                    "published_share": _share(table.published_share),
                    "commitments": [
                        {
                            "number": commitment.number,
                            "label": commitment.table_label,
                            "title": commitment.title,
                            "indicators": [_annex_indicator(row, zh) for row in rows],
                        }
                        for commitment, rows in table.commitments
                    ],
                }
            )
        return {
            "code": compact.code,
            "name": compact.name,
            "start_year": compact.start_year,
            "end_year": compact.end_year,
            "resolution": compact.resolution,
            "illustrative_note": compact.illustrative_note,
            "groups": groups,
        }
