"""Excel exports: the recommendations list through the shared streaming writer
(core.exports), the statistics tables through openpyxl's write-only mode."""

import io
from functools import partial

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from core import excel
from core.excel import append_row
from core.exports import Col, ExportKind, Sheet, register_kind
from core.filters import as_querydict, filter_errors
from entities.permissions import whole_entity_ids

from .choices import Acceptance, Status
from .columns import EXPORTED, export_row
from .filters import RecommendationFilter
from .models import Recommendation
from .permissions import can_view_oversight
from .selectors import round_pct

XLSX = excel.XLSX


def _bold(ws, values):
    append_row(ws, [str(v) for v in values], font=Font(bold=True))


def _save(wb):
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def recommendation_rows(user, params):
    """The recommendations ``user`` may see, filtered as the list page filters them (the
    shared FilterSet); bad filters are refused, never ignored."""
    qs = Recommendation.objects.visible_to(user)
    filterset = RecommendationFilter(as_querydict(params), queryset=qs, user=user)
    if not filterset.is_valid():
        raise ValidationError(filter_errors(filterset))
    return filterset.qs


def recommendation_sheets(queryset, on=None):
    """Every recommendation of ``queryset`` (already filtered and scoped to the user), with the
    import columns first so the file can be edited and imported again, and a legend."""
    on = on or timezone.localdate()
    rows = (
        queryset.with_ageing(on)
        .order_by("body__code", "reference", "pk")
        .values_list(*[c.source for c in EXPORTED])
    )
    body = (export_row(values) for values in rows.iterator(chunk_size=5000))
    legend = [("status", code, str(label)) for code, label in Status.choices]
    legend += [("acceptance", code, str(label)) for code, label in Acceptance.choices]
    return [
        Sheet(_("Recommendations"), [Col(c.title, c.type) for c in EXPORTED], body),
        Sheet(
            _("Codes"),
            [Col(_("Column")), Col(_("Code")), Col(_("Meaning"), width=40)],
            legend,
            counted=False,
        ),
    ]


RECOMMENDATIONS = register_kind(
    ExportKind(
        name="recommendations",
        title=gettext_lazy("Recommendations"),
        filename="recommendations",
        queryset=recommendation_rows,
        sheets=recommendation_sheets,
        can_view=can_view_oversight,
        whole_entities=partial(whole_entity_ids, units_narrow=False),
        entity_path="entity_id",
    )
)


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
