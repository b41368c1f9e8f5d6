"""The compact's tables to Excel (the shared writer, core.exports): one sheet per commitment
group, real numbers with number formats, the raw published text in its own column, the class,
and the footnotes.

The columns are defined once, as data (COLUMNS); header, cell and format all come from it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import AUTO, Col, Sheet, xlsx_tempfile
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


def _is_zh():
    from django.utils.translation import get_language

    return (get_language() or "").startswith("zh")


def compact_sheets(groups):
    """One sheet per commitment group: a row per compact indicator, then the group's counts.
    Figures are numbers with their indicator's format; words stay text."""
    width = len(COLUMNS)

    def rows(table):
        for commitment, group_rows in table.commitments:
            for row in group_rows:
                yield [get(row, commitment) for _h, get in COLUMNS]
        yield [None] * width
        counts = [
            _("Indicators making progress"),
            table.counts["progress"],
            _("No progress"),
            table.counts["no_progress"],
            _("Other / no data"),
            table.counts["other"],
        ]
        yield counts + [None] * (width - len(counts))

    return [
        Sheet(
            table.group.get_kind_display(),
            [Col(h, AUTO, width=60 if i == 2 else None) for i, (h, _get) in enumerate(COLUMNS)],
            rows(table),
            freeze=(1, 3),
        )
        for table in groups
    ]


def compact_xlsx(compact, groups):
    """Bytes of the workbook; `groups` from selectors.compact_tables (a few hundred rows)."""
    with xlsx_tempfile(compact_sheets(groups)) as handle:
        return handle.read()
