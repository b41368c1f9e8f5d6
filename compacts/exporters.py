"""The compact's tables to Excel: one sheet per commitment group, real numbers with number
formats, the raw published text in its own column, the class, and the footnotes.

The columns are defined once, as data (COLUMNS); header, cell and format all come from it."""

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from indicators.choices import ValueKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMATS = {
    ValueKind.PERCENT: {0: '0"%"', 1: '0.0"%"'},
    ValueKind.CURRENCY: '"US$"#,##0',
    ValueKind.NUMBER: "#,##0",
}


def _number_format(indicator):
    fmt = FORMATS.get(indicator.value_kind)
    if isinstance(fmt, dict):
        return fmt.get(indicator.decimals, '0.0"%"')
    return fmt


def _figure(row, name):
    """(cell value, number format) of one figure: a real number where there is one."""
    cell = getattr(row, name)
    kind = row.indicator.value_kind
    if cell.number is not None and kind in FORMATS and not cell.is_missing:
        return cell.number, _number_format(row.indicator)
    return cell.text, None


# (header, getter(row) -> value or (value, number format))
COLUMNS = [
    (gettext_lazy("Commitment"), lambda r, c: f"{c.table_label} {c.title}"),
    (gettext_lazy("Indicator code"), lambda r, c: r.indicator.code),
    (gettext_lazy("Indicator"), lambda r, c: r.indicator.name),
    (gettext_lazy("Baseline"), lambda r, c: _figure(r, "baseline")),
    (gettext_lazy("Baseline year"), lambda r, c: r.baseline.year),
    (gettext_lazy("Baseline as printed"), lambda r, c: r.ci.baseline_raw),
    (gettext_lazy("Target"), lambda r, c: _figure(r, "target")),
    (gettext_lazy("Target year"), lambda r, c: r.target.year),
    (gettext_lazy("Target as printed"), lambda r, c: r.ci.target_raw),
    (gettext_lazy("Latest value"), lambda r, c: _figure(r, "latest")),
    (gettext_lazy("Latest year"), lambda r, c: r.latest.year),
    (gettext_lazy("Latest value as printed"), lambda r, c: r.ci.latest_raw),
    (
        gettext_lazy("Computed from entity reports"),
        lambda r, c: _("Yes") if r.latest.computed else "",
    ),
    (gettext_lazy("Class"), lambda r, c: r.class_label),
    (gettext_lazy("Trend"), lambda r, c: r.trend_label),
    (
        gettext_lazy("Footnotes"),
        lambda r, c: " ".join(
            f"{f['marker']}: {f.get('zh') if _is_zh() else f.get('en')}" for f in r.footnotes
        ),
    ),
]


def _cell(value):
    """Lazy translations and other objects as text; numbers stay numbers."""
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def _is_zh():
    from django.utils.translation import get_language

    return (get_language() or "").startswith("zh")


def compact_xlsx(compact, groups):
    """Bytes of the workbook; `groups` from selectors.compact_tables."""
    wb = Workbook()
    wb.remove(wb.active)
    for table in groups:
        ws = wb.create_sheet(str(table.group.get_kind_display())[:31])
        ws.append([str(h) for h, _get in COLUMNS])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for commitment, rows in table.commitments:
            for row in rows:
                values = [get(row, commitment) for _h, get in COLUMNS]
                ws.append([_cell(v[0] if isinstance(v, tuple) else v) for v in values])
                for i, v in enumerate(values, start=1):
                    if isinstance(v, tuple) and v[1]:
                        ws.cell(row=ws.max_row, column=i).number_format = v[1]
        ws.append([])
        ws.append(
            [
                _("Indicators making progress"),
                table.counts["progress"],
                _("No progress"),
                table.counts["no_progress"],
                _("Other / no data"),
                table.counts["other"],
            ]
        )
        ws.freeze_panes = "D2"
        ws.column_dimensions["C"].width = 60
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
