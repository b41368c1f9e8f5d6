"""The Excel template for an entity's values in one reporting period, and the export of the
list of values (through the shared streaming writer, core.exports)."""

from functools import partial
from io import BytesIO
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from core.bilingual import pick
from core.excel import append_row
from core.exports import DATETIME, INTEGER, NUMBER, PERCENT, Col, ExportKind, Sheet, register_kind
from core.filters import as_querydict, filter_errors
from entities.choices import Role
from entities.permissions import whole_entity_ids

from .choices import NUMERIC_KINDS, Status, ValueKind, unit_text
from .filters import ValueFilter
from .formatting import display
from .models import Indicator, Value
from .parsing import unparse_value
from .permissions import READ_ROLES

SHEET = "Values"
META_SHEET = "About"
# Column keys, in order. Headers are written in the user's language; the importer reads
# columns by position and checks the header count.
COLUMNS = ["code", "name", "kind", "unit", "baseline", "target", "value", "footnote"]
VALUE_COL = "G"


def column_titles():
    return {
        "code": _("Code"),
        "name": _("Indicator"),
        "kind": _("Kind"),
        "unit": _("Unit"),
        "baseline": _("Baseline"),
        "target": pgettext("indicator value", "Target"),
        "value": _("Current value"),
        "footnote": _("Footnote"),
    }


def target_for(indicator, year):
    targets = list(indicator.targets.all())
    for target in targets:
        if target.year == year:
            return target
    later = [t for t in targets if t.year >= year]
    return min(later, key=lambda t: t.year) if later else None


def template_rows(period, indicators):
    year = period.end_date.year
    for ind in indicators:
        current = ind.current_values[0] if ind.current_values else None
        baseline = getattr(ind, "baseline", None)
        unit = ind.unit_label
        if ind.value_kind == ValueKind.CURRENCY:
            unit = ind.currency
        elif ind.value_kind == ValueKind.PERCENT:
            unit = "%"
        elif ind.value_kind == ValueKind.PARTS:
            unit = "; ".join(f"{p['code']}=…" for p in ind.part_labels)
        value = unparse_value(ind, current)
        if value and ind.value_kind in NUMERIC_KINDS:
            value = float(value) if "." in value else int(value)
        yield (
            ind.value_kind,
            [
                ind.code,
                ind.name,
                ind.get_value_kind_display(),
                unit,
                display(ind, baseline) if baseline else "",
                display(ind, target_for(ind, year)) if ind.targets.all() else "",
                value,
                current.footnote if current else "",
            ],
        )


def template_indicators(period, user=None):
    """The period's active indicators; with `user`, only those the user reaches (an org-unit
    officer's template lists that unit's indicators)."""
    indicators = Indicator.objects.filter(plan=period.plan, is_active=True)
    if user is not None:
        indicators = indicators.visible_to(user)
    return indicators.for_entry(period)


def build_template(period, indicators=None, *, user=None):
    """The workbook as bytes: one row per active indicator (of those `user` reaches), data
    validation on the value column by kind (numbers, percent 0–100, yes/no list)."""
    indicators = template_indicators(period, user) if indicators is None else indicators
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    titles = column_titles()
    append_row(ws, [str(titles[c]) for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    ws.freeze_panes = "A2"
    rows_by_kind = {kind: [] for kind in ValueKind.values}
    for i, (kind, row) in enumerate(template_rows(period, indicators), start=2):
        append_row(ws, row)  # text as text: a name "=1+1" is no formula
        rows_by_kind[kind].append(f"{VALUE_COL}{i}")
    for col, width in zip("ABCDEFGH", (12, 60, 18, 14, 22, 22, 22, 40), strict=True):
        ws.column_dimensions[col].width = width
    validations = {
        ValueKind.NUMBER: DataValidation(
            type="decimal", operator="between", formula1="-1E+15", formula2="1E+15"
        ),
        ValueKind.CURRENCY: DataValidation(
            type="decimal", operator="between", formula1="-1E+15", formula2="1E+15"
        ),
        ValueKind.PERCENT: DataValidation(
            type="decimal", operator="between", formula1="0", formula2="100"
        ),
        ValueKind.YES_NO: DataValidation(type="list", formula1='"yes,no"'),
    }
    messages = {
        ValueKind.NUMBER: _("Enter a number."),
        ValueKind.CURRENCY: _("Enter an amount."),
        ValueKind.PERCENT: _("A percent must be between 0 and 100."),
        ValueKind.YES_NO: _("Answer yes or no."),
    }
    for kind, dv in validations.items():
        cells = rows_by_kind[kind]
        if not cells:
            continue
        dv.allow_blank = True
        dv.error = str(messages[kind])
        dv.errorTitle = str(_("Invalid value"))
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.sqref = " ".join(cells)
    about = wb.create_sheet(META_SHEET)
    plan = period.plan
    for row in (
        [_("Entity"), plan.entity.code],
        [_("Framework"), plan.code],
        [_("Period"), period.label],
        [],
        [
            _(
                "Fill in the column “Current value”. Leave it empty and write a footnote to report "
                "a value as not available. Values in parts: name=number; name=number. Yes/no: yes "
                "or no. Percent: a number from 0 to 100."
            )
        ],
    ):
        append_row(about, [str(c) for c in row])
    if plan.is_illustrative:
        append_row(about, [str(_("Illustrative data: the indicators and figures are invented."))])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- the list of values (GET /api/v1/values/ and the review page), streamed -------------------


def value_rows(user, params):
    """The values ``user`` may read, filtered by the values list's FilterSet; bad filters are
    refused, never ignored."""
    return _filtered_values(Value.objects.visible_to(user), user, params)


def _filtered_values(queryset, user, params):
    """``queryset`` filtered by the values list's FilterSet; bad filters are refused."""
    filterset = ValueFilter(
        as_querydict(params), queryset=queryset, request=SimpleNamespace(user=user)
    )
    if not filterset.is_valid():
        raise ValidationError(filter_errors(filterset))
    return filterset.qs


VALUE_SOURCES = (
    "indicator__plan__entity__code",
    "indicator__plan__code",
    "period__label",
    "indicator__code",
    "indicator__name_en",
    "indicator__name_zh",
    "kind",
    "indicator__unit_en",
    "indicator__unit_zh",
    "numeric_value",
    "currency",
    "bool_value",
    "text_value",
    "is_missing",
    "status",
    "footnote",
    "submitted_at",
    "reviewed_at",
)


def value_columns():
    return [
        Col(_("Entity"), width=10),
        Col(_("Framework"), width=12),
        Col(_("Period"), width=12),
        Col(_("Code"), width=12),
        Col(_("Indicator"), width=50),
        Col(_("Kind")),
        Col(_("Unit")),
        Col(_("Value"), NUMBER, width=16),
        Col(_("Currency"), width=10),
        Col(_("Yes/no"), width=8),
        Col(_("Text"), width=40),
        Col(_("Not available")),
        Col(_("Status")),
        Col(_("Footnote"), width=40),
        Col(_("Submitted at"), DATETIME, width=17),
        Col(_("Reviewed at"), DATETIME, width=17),
    ]


def value_sheets(queryset):
    """Every value of ``queryset`` (already scoped and filtered): one row each, the number as
    a number, labels in the active language."""
    kinds, statuses = dict(ValueKind.choices), dict(Status.choices)
    yes, no = str(_("yes")), str(_("no"))
    localtime = timezone.localtime

    def rows():
        values = (
            queryset.prefetch_related(None)
            .order_by(
                "indicator__plan__entity__code", "period__start_date", "indicator__code", "pk"
            )
            .values_list(*VALUE_SOURCES)
            .iterator(chunk_size=5000)
        )
        for (entity, plan, period, code, name_en, name_zh, kind, unit_en, unit_zh, number,
             currency, flag, text, missing, status, footnote, submitted,
             reviewed) in values:  # fmt: skip
            yield (
                entity,
                plan,
                period,
                code,
                pick(name_en, name_zh),
                kinds.get(kind, kind),
                unit_text(unit_en, unit_zh),
                number,
                currency,
                "" if flag is None else (yes if flag else no),
                text,
                yes if missing else "",
                statuses.get(status, status),
                footnote,
                submitted and localtime(submitted),
                reviewed and localtime(reviewed),
            )

    return [Sheet(_("Values"), value_columns(), rows())]


def _can_read_values(user):
    from .querysets import reach

    r = reach(user, READ_ROLES)
    return r.everything or bool(r.entity_ids or r.unit_ids)


VALUES = register_kind(
    ExportKind(
        name="values",
        title=gettext_lazy("Indicator values"),
        filename="values",
        queryset=value_rows,
        sheets=value_sheets,
        can_view=_can_read_values,
        whole_entities=partial(whole_entity_ids, roles=READ_ROLES),
        entity_path="indicator__plan__entity_id",
    )
)


# --- the review queue (the review page's export): exactly the rows the page lists ------------


def review_rows(user, params):
    """The values of ``user``'s review page (selectors.review_values), filtered by its
    filters (``params``: the page's query after selectors.review_query); bad filters are
    refused."""
    from .selectors import review_values

    return _filtered_values(review_values(user), user, params)


def _reviews_anywhere(user):
    from .permissions import can_review_anywhere

    return can_review_anywhere(user)


REVIEW = register_kind(
    ExportKind(
        name="review",
        title=gettext_lazy("Values to review"),
        filename="review",
        queryset=review_rows,
        sheets=value_sheets,
        can_view=_reviews_anywhere,
        whole_entities=partial(whole_entity_ids, roles=frozenset({Role.REVIEWER})),
        entity_path="indicator__plan__entity_id",
    )
)


# --- progress results (GET /api/v1/progress/results/ and the plan's progress page) -------------


def progress_rows(user, params):
    """The current snapshot's results of the indicators ``user`` reads, filtered by the
    results list's FilterSet; bad filters are refused."""
    from .filters_progress import ProgressResultFilter
    from .selectors_progress import results_visible_to

    filterset = ProgressResultFilter(as_querydict(params), queryset=results_visible_to(user))
    if not filterset.is_valid():
        raise ValidationError(filter_errors(filterset))
    return filterset.qs


PROGRESS_SOURCES = (
    "indicator__plan__entity__code",
    "indicator__code",
    "indicator__name_en",
    "indicator__name_zh",
    "period__label",
    "period_year",
    "frame__baseline",
    "frame__baseline_year",
    "frame__target",
    "frame__target_year",
    "actual",
    "previous",
    "percent_of_way",
    "achieved",
    "compact_class",
    "on_track_status",
    "trend",
)


def progress_sheets(queryset):
    """One row per indicator and period of ``queryset``: figures as numbers, the percent of
    the way in percent points, labels in the active language."""
    from .models.progress import CompactClass, OnTrackStatus, Trend

    labels = {**dict(CompactClass.choices), **dict(OnTrackStatus.choices)}
    trends = dict(Trend.choices)
    yes, no = str(_("yes")), str(_("no"))
    columns = [
        Col(_("Entity"), width=10),
        Col(_("Code"), width=12),
        Col(_("Indicator"), width=50),
        Col(_("Period"), width=12),
        Col(_("Year"), INTEGER, num_format="0", width=8),
        Col(_("Baseline"), NUMBER, width=14),
        Col(_("Baseline year"), INTEGER, num_format="0", width=10),
        Col(pgettext("indicator value", "Target"), NUMBER, width=14),
        Col(_("Target year"), INTEGER, num_format="0", width=10),
        Col(_("Actual"), NUMBER, width=14),
        Col(_("Previous"), NUMBER, width=14),
        Col(_("Percent of the way"), PERCENT, width=12),
        Col(_("Achieved"), width=8),
        Col(_("Classification"), width=16),
        Col(_("Status"), width=16),
        Col(_("Trend"), width=12),
    ]

    def rows():
        results = (
            queryset.select_related(None)
            .order_by("plan_id", "indicator_id", "period_id")
            .values_list(*PROGRESS_SOURCES)
            .iterator(chunk_size=5000)
        )
        for (entity, code, name_en, name_zh, period, year, baseline, baseline_year, target,
             target_year, actual, previous, percent, achieved, klass, status,
             trend) in results:  # fmt: skip
            yield (
                entity, code, pick(name_en, name_zh), period, year,
                baseline, baseline_year, target, target_year, actual, previous,
                percent, yes if achieved else no, labels.get(klass, klass),
                labels.get(status, status), trends.get(trend, trend),
            )  # fmt: skip

    return [Sheet(_("Progress"), columns, rows())]


PROGRESS = register_kind(
    ExportKind(
        name="progress",
        title=gettext_lazy("Progress results"),
        filename="progress",
        queryset=progress_rows,
        sheets=progress_sheets,
        can_view=_can_read_values,
        whole_entities=partial(whole_entity_ids, roles=READ_ROLES),
        entity_path="indicator__plan__entity_id",
    )
)
