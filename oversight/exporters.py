"""Excel exports (openpyxl, write-only mode so that large lists stream in constant memory)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core import excel
from core.excel import append_row

from .choices import Acceptance, Status
from .columns import EXPORTED, export_row
from .selectors import round_pct

XLSX = excel.XLSX


def _bold(ws, values):
    append_row(ws, [str(v) for v in values], font=Font(bold=True))


def _save(wb):
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def recommendations_xlsx(queryset, on=None):
    """Every recommendation of `queryset` (already filtered and scoped to the user), with the
    import columns first so the file can be edited and imported again."""
    on = on or timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Recommendations"))
    _bold(ws, [c.title for c in EXPORTED])
    rows = (
        queryset.with_ageing(on)
        .order_by("body__code", "reference")
        .values_list(*[c.source for c in EXPORTED])
    )
    for values in rows.iterator(chunk_size=5000):
        # Text as text: a reference or response "=..." is no formula.
        append_row(ws, export_row(values))
    status_labels = dict(Status.choices)
    acceptance_labels = dict(Acceptance.choices)
    legend = wb.create_sheet(_("Codes"))
    _bold(legend, [_("Column"), _("Code"), _("Meaning")])
    for code, label in status_labels.items():
        append_row(legend, ["status", code, str(label)])
    for code, label in acceptance_labels.items():
        append_row(legend, ["acceptance", code, str(label)])
    return _save(wb)


def statistics_xlsx(all_statistics):
    """The statistics tables as the page shows them: one sheet per body."""
    wb = Workbook(write_only=True)
    for stats in all_statistics:
        ws = wb.create_sheet(stats.body.code.upper()[:31])
        append_row(ws, [str(stats.body.name)])
        if stats.rows and stats.period_labels:
            _bold(
                ws,
                [
                    _("Category"),
                    _("Issued"),
                    *[_("Implemented: %(p)s") % {"p": p} for p in stats.period_labels],
                    _("Implemented: total"),
                    _("No longer applicable / overtaken by events"),
                    _("In progress"),
                    _("Not implemented"),
                    _("Implementation rate (%)"),
                ],
            )
            for row in stats.rows:
                append_row(
                    ws,
                    [
                        str(row.label),
                        row.issued,
                        *[p.implemented for p in row.periods],
                        row.implemented,
                        row.no_longer_applicable,
                        row.in_progress,
                        row.not_implemented,
                        _num(round_pct(row.rate, 1)),
                    ],
                )
                append_row(
                    ws,
                    [
                        str(_("Cumulative implementation rate (%)")),
                        "",
                        *[_num(round_pct(p.rate, 1)) for p in row.periods],
                    ],
                )
        elif stats.rows:
            _bold(ws, [_("Category"), _("Issued"), _("Implemented"), _("Implementation rate (%)")])
            for row in stats.rows:
                append_row(
                    ws, [str(row.label), row.issued, row.implemented, _num(round_pct(row.rate, 1))]
                )
        if stats.acceptance:
            append_row(ws, [])
            _bold(
                ws,
                [
                    _("Issued in"),
                    _("Issued"),
                    _("Accepted"),
                    _("Accepted and implemented"),
                    _("Acceptance rate (%)"),
                    _("Implementation rate of accepted (%)"),
                ],
            )
            for w in stats.acceptance:
                append_row(
                    ws,
                    [
                        w.label,
                        w.issued,
                        w.accepted,
                        w.accepted_implemented,
                        _num(round_pct(w.acceptance_rate, 1)),
                        _num(round_pct(w.implementation_rate_of_accepted, 1)),
                    ],
                )
    if not all_statistics:
        wb.create_sheet(_("Statistics"))
    return _save(wb)


def _num(value):
    return float(value) if value is not None else None
