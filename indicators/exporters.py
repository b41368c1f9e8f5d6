"""The Excel template for an entity's values in one reporting period."""

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from core.excel import append_row

from .choices import NUMERIC_KINDS, ValueKind
from .formatting import display
from .models import Indicator
from .parsing import unparse_value

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
        unit = ind.unit
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
