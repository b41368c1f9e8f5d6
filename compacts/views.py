"""Pages of the compacts app: thin — authorise, call a selector, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from core.cache import cached

from . import charts, exporters, permissions, selectors
from .models import Compact, CompactIndicator


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _visible_compact(request, code):
    """The compact with this code if the reader sees it (Compact.objects.visible_to's rule,
    permissions.can_view_compacts), else 404; the row comes from the shared cache."""
    compact = cached(
        "compact-by-code",
        lambda: Compact.objects.filter(code=code).first() or False,
        scopes=("compacts",),
        params=(code,),
        language=False,
    )
    if not compact or not permissions.can_view_compacts(request.user):
        raise Http404
    return compact


@login_required
def compact_list(request):
    _require(permissions.can_view_compacts(request.user))
    compacts = Compact.objects.visible_to(request.user)
    return render(request, "compacts/compact_list.html", {"compacts": compacts})


@login_required
def compact_detail(request, code):
    _require(permissions.can_view_compacts(request.user))
    compact = _visible_compact(request, code)

    def body():
        groups = selectors.compact_tables(compact)
        for table in groups:
            table.chart = charts.figure_x(table)
            table.chart_text = charts.description(table)
        context = {"compact": compact, "groups": groups, "LANGUAGE_CODE": get_language()}
        return render_to_string("compacts/partials/compact_body.html", context)

    # The tables are the same for every reader: rendered once per compact, language and
    # change (values approved, targets, system values, the compact itself; core.cache).
    html = cached(
        "page:compact",
        body,
        scopes=("indicators", "compacts", "entities"),
        params=(compact.pk,),
    )
    return render(
        request, "compacts/compact_detail.html", {"compact": compact, "body": mark_safe(html)}
    )


@login_required
def compact_export(request, code):
    _require(permissions.can_view_compacts(request.user))
    compact = get_object_or_404(Compact.objects.visible_to(request.user), code=code)
    response = HttpResponse(
        exporters.compact_xlsx(compact, selectors.compact_tables(compact)),
        content_type=exporters.XLSX,
    )
    response["Content-Disposition"] = f'attachment; filename="{compact.code}.xlsx"'
    return response


@login_required
def indicator_detail(request, code, pk):
    """A compact indicator: its figures as printed, and for a derived one every system-wide
    value with the entities and values it was built from."""
    _require(permissions.can_view_compacts(request.user))
    ci = get_object_or_404(
        CompactIndicator.objects.visible_to(request.user).select_related(
            "commitment__group__compact", "indicator"
        ),
        commitment__group__compact__code=code,
        pk=pk,
    )
    values = []
    for sv in selectors.system_values_for(ci):
        rows, missing = selectors.breakdown_rows(sv, request.user)
        values.append({"value": sv, "rows": rows, "missing": missing})
        sv.text = selectors.format_typed(
            ci.indicator, number=sv.numeric_value, is_missing=sv.numeric_value is None
        )
    return render(
        request,
        "compacts/indicator_detail.html",
        {"ci": ci, "compact": ci.commitment.group.compact, "values": values},
    )
