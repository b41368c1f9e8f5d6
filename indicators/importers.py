"""Reading a filled-in template back and checking it: every problem by row and column. Reading
and checking only: the job's state, the writing and the audit event belong to
services.imports.

python-calamine reads the workbook (about 13x faster than openpyxl's read-only mode here), after
core.excel.xlsx_check has made sure the file cannot make it allocate without bound.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import override
from python_calamine import CalamineWorkbook

from core.excel import Limits, sheet_rows, xlsx_check

from .exporters import COLUMNS, META_SHEET, SHEET, column_titles
from .fields import TYPED_FIELD_INPUT
from .models import Indicator, Value
from .parsing import parse_value

MAX_ERRORS_KEPT = 1000
PROGRESS_EVERY = 2000
COL = {key: i for i, key in enumerate(COLUMNS)}
# Which column a service's error about a field points at.
FIELD_COLUMN = {
    **TYPED_FIELD_INPUT,
    "is_missing": "value",
    "status": "value",
    "period": "value",
    "source": "footnote",
}


def _cell(row, key):
    i = COL[key]
    value = row[i] if i < len(row) else None
    if isinstance(value, str):
        value = value.strip()
    return value


def _code(raw):
    if raw is None or raw == "":
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def limits():
    """How far a workbook may reach: the template's columns, and a settable number of rows."""
    return Limits(
        max_rows=getattr(settings, "INDICATORS_IMPORT_MAX_ROWS", 100_000),
        max_columns=len(COLUMNS),
    )


def check_file(source):
    """Refuse, before calamine sees it, a workbook that would reach beyond the limits or
    unpack into more than it should (core.excel.xlsx_check)."""
    xlsx_check(source, limits=limits())


def read_rows(path):
    """The data rows of the Values sheet as (excel row number, cells); and the About sheet's
    period label. Raises ValidationError when the file is not our template or is too large."""
    bounds = limits()
    check_file(str(path))
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ValidationError(_("The file cannot be read as an Excel workbook.")) from exc
    if SHEET not in wb.sheet_names:
        raise ValidationError(
            _("The workbook has no sheet named “%(sheet)s”; download the template again.")
            % {"sheet": SHEET}
        )
    period_label = None
    if META_SHEET in wb.sheet_names:
        for row in sheet_rows(wb, META_SHEET, limits=bounds):
            if len(row) > 1 and str(row[1]).strip() and row[0] and str(row[0]) in _labels("Period"):
                period_label = _code(row[1])
    rows = sheet_rows(wb, SHEET, limits=bounds)
    if not rows or len([c for c in rows[0] if c not in (None, "")]) < len(COLUMNS):
        raise ValidationError(
            _("The first row must hold the template's %(n)s column titles.") % {"n": len(COLUMNS)}
        )
    return period_label, [(i, row) for i, row in enumerate(rows[1:], start=2)]


def _labels(english):
    """A header written in any of our languages."""
    labels = set()
    for lang in ("en", "zh-hans"):
        with override(lang):
            labels.add(str(_(english)))
    return labels


class Problems:
    def __init__(self):
        self.items = []
        self.count = 0

    def add(self, row, column, message):
        self.count += 1
        if len(self.items) < MAX_ERRORS_KEPT:
            title = str(column_titles()[column]) if column else ""
            self.items.append({"row": row, "column": title, "message": str(message)})


def check_rows(job, on_progress=None, validate=True):
    """Every row read and checked as the service would: returns (rows for values_save,
    Problems, total). With validate=False only the reading is done (commit: values_save checks
    every row itself, so the rules are not run twice)."""
    from .services import StaleVersion, value_check

    period = job.period
    problems = Problems()
    try:
        period_label, rows = read_rows(job.file.path)
    except ValidationError as exc:
        problems.add(0, None, exc.messages[0])
        return [], problems, 0
    if period_label is not None and period_label != period.label:
        problems.add(
            0,
            None,
            _("This workbook is for period %(file)s, not %(period)s.")
            % {"file": period_label, "period": period.label},
        )
    if period.is_closed:
        problems.add(0, None, _("The reporting period is closed."))
        return [], problems, len(rows)
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(plan=period.plan, is_active=True).select_related("plan")
    }
    existing = {
        v.indicator_id: v
        for v in Value.objects.filter(period=period)
        .select_related("period")
        .prefetch_related("parts")
    }
    actor = job.created_by
    seen = {}
    out = []
    total = len(rows)
    for n, (excel_row, row) in enumerate(rows, start=1):
        if on_progress and n % PROGRESS_EVERY == 0:
            on_progress(n, total)
        if all(c in (None, "") for c in row):
            continue
        code = _code(_cell(row, "code"))
        if not code:
            problems.add(excel_row, "code", _("Enter the indicator code."))
            continue
        if code in seen:
            problems.add(
                excel_row,
                "code",
                _("Indicator %(code)s appears again (first on row %(row)s).")
                % {"code": code, "row": seen[code]},
            )
            continue
        seen[code] = excel_row
        indicator = indicators.get(code)
        if indicator is None:
            problems.add(
                excel_row, "code", _("Unknown indicator code “%(code)s”.") % {"code": code}
            )
            continue
        try:
            data = parse_value(
                indicator, _cell(row, "value"), footnote=_cell(row, "footnote") or ""
            )
        except ValidationError as exc:
            problems.add(excel_row, "value", exc.messages[0])
            continue
        if data is None:
            continue  # nothing entered: the row leaves the value as it is
        if not validate:
            out.append({"indicator": indicator, "data": data, "row": excel_row})
            continue
        try:
            value_check(
                indicator=indicator,
                period=period,
                existing=existing.get(indicator.pk),
                data=data,
                actor=actor,
            )
        except ValidationError as exc:
            for field, messages in _by_field(exc):
                problems.add(excel_row, FIELD_COLUMN.get(field, "value"), messages[0])
            continue
        except (PermissionDenied, StaleVersion) as exc:
            problems.add(excel_row, "value", str(exc))
            continue
        out.append({"indicator": indicator, "data": data, "row": excel_row})
    return out, problems, total


def _by_field(exc):
    if hasattr(exc, "error_dict"):
        return list(exc.message_dict.items())
    return [("value", exc.messages)]


def error_list(problems):
    """The problems as stored on the job: the first MAX_ERRORS_KEPT, then a count of the rest."""
    errors = problems.items
    if problems.count > len(errors):
        errors = [
            *errors,
            {
                "row": 0,
                "column": "",
                "message": str(
                    _("… and %(n)s more problems.") % {"n": problems.count - len(errors)}
                ),
            },
        ]
    return errors
