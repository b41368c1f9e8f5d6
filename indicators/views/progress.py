"""Progress pages: the plan dashboard, an indicator's time series, and the entity dashboard
for reviewers. Thin: authorise through the visibility querysets, call a selector, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.cache import cached
from entities.models import Entity
from entities.permissions import can_view_entity

from .. import charts, selectors_progress
from ..models import Indicator, Node, Plan
from ..models.progress import OnTrackStatus
from ..permissions import can_view_entity_dashboard
from ..querysets import reaches_entity_whole, visibility_key
from ._common import _tree

# Rows in each list of the entity dashboard per page.
ENTITY_DASHBOARD_PAGE_SIZE = 50


def _with_charts(nodes):
    """Each listed indicator's bullet chart and trend mark."""
    for node in nodes:
        for indicator in node.indicator_list:
            result = indicator.progress
            indicator.bullet = charts.bullet_chart(result, label=indicator.code)
            indicator.trend_svg = charts.trend_mark(result.trend if result else "")


def _visible_plan(request, pk):
    """The plan (with its entity) if the reader sees it, else 404. The row comes from the
    shared cache (the same for every reader); whether this reader sees it is decided here,
    from their memberships, by the rule of Plan.objects.visible_to()."""
    plan = (
        cached(
            "plan-by-pk",
            lambda: Plan.objects.select_related("entity").filter(pk=pk).first() or False,
            scopes=("indicators", "entities"),
            params=(pk,),
            language=False,
        )
        or None
    )
    if plan is None or not reaches_entity_whole(request.user, plan.entity_id):
        raise Http404
    return plan


def _plan_node(plan, node_id):
    """A node of `plan` (already authorised), from the shared cache; 404 if it has none."""
    node = cached(
        "plan-node",
        lambda: Node.objects.filter(plan_id=plan.pk, pk=node_id).first() or False,
        scopes=("indicators",),
        params=(plan.pk, node_id),
        language=False,
    )
    if not node:
        raise Http404
    return node


def _progress_scopes():
    # What the dashboard shows: indicators and their values, computed progress, entities.
    return ("indicators", "progress", "entities")


@login_required
def plan_progress(request, pk):
    """Per pillar, goal and principle: counts per status and the share progressing. Each
    node's indicators (a bullet chart, baseline → latest → target, and a trend mark each) load
    as their section scrolls into view (plan_progress_section); without JavaScript a link
    shows one node's indicators in the page (?node=).

    The tree (the cost of the page) is rendered once per plan, ?node=, language, readers'
    visibility (selectors_progress.dashboard_scope) and change (core.cache); the page around
    it — links that depend on the reader, the export form with its CSRF token — on every
    request."""
    plan = _visible_plan(request, pk)
    node = request.GET.get("node", "")
    node_ids = [int(node)] if node.isdigit() else []

    def build():
        data = selectors_progress.plan_dashboard(plan, request.user, node_ids=node_ids)
        _with_charts(data["nodes"])
        snapshot = data["snapshot"]
        tree = render_to_string(
            "indicators/progress/tree.html",
            {
                "plan": plan,
                "nodes": _tree(data["nodes"]),
                "plan_rollup": data["plan_rollup"],
                "status_colours": [
                    (value, label, charts.STATUS_COLOURS[value])
                    for value, label in OnTrackStatus.choices
                ],
            },
        )
        return {
            "has_snapshot": snapshot is not None,
            "finished_at": snapshot.finished_at if snapshot else None,
            "year": data["year"],
            "tree": tree,
        }

    shared = cached(
        "page:plan-progress",
        build,
        scopes=_progress_scopes(),
        params=(plan.pk, tuple(node_ids)),
        visibility=selectors_progress.dashboard_scope(request.user, plan),
    )
    return render(
        request,
        "indicators/progress/plan.html",
        {
            **shared,
            "tree": mark_safe(shared["tree"]),
            "plan": plan,
            "can_see_entity_dashboard": can_view_entity_dashboard(request.user, plan.entity),
        },
    )


@login_required
def plan_progress_section(request, pk, node_id):
    """One node's indicators on the plan dashboard (an htmx fragment); a browser that asks
    for it as a page is sent to the dashboard with that node's indicators shown. The
    fragment is shared like the dashboard's tree (core.cache)."""
    plan = _visible_plan(request, pk)
    node = _plan_node(plan, node_id)
    if not request.htmx:
        url = reverse("indicators:plan-progress", args=[plan.pk])
        return redirect(f"{url}?node={node.pk}#node-{node.pk}")

    def build():
        data = selectors_progress.plan_dashboard(plan, request.user, node_ids=[node.pk])
        shown = next(n for n in data["nodes"] if n.pk == node.pk)
        _with_charts([shown])
        return render_to_string("indicators/progress/section.html", {"node": shown, "plan": plan})

    html = cached(
        "page:plan-progress-section",
        build,
        scopes=_progress_scopes(),
        params=(plan.pk, node.pk),
        visibility=selectors_progress.dashboard_scope(request.user, plan),
    )
    return HttpResponse(html)


@login_required
def indicator_progress(request, pk):
    """The time series of baseline, targets and approved values, and the computed results."""
    indicator = get_object_or_404(
        Indicator.objects.visible_to(request.user).select_related("plan", "node", "baseline"),
        pk=pk,
    )
    series = selectors_progress.indicator_series(indicator)
    chart = charts.time_series(series, title=_("%(code)s over time") % {"code": indicator.code})
    return render(
        request,
        "indicators/progress/indicator.html",
        {"indicator": indicator, "chart": chart, "results": series["results"]},
    )


def _entity_by_code(code):
    """The entity with this code (any case), from the shared cache; None if there is none."""
    return (
        cached(
            "entity-by-code",
            lambda: Entity.objects.filter(code__iexact=code).first() or False,
            scopes=("entities",),
            params=(code.upper(),),
            language=False,
        )
        or None
    )


@login_required
def entity_dashboard(request, code):
    """For an entity's reviewers (auditors read it too): what is missing, submitted,
    returned and approved in a period. Others who may see the entity are refused (403);
    those who may not even see it get 404.

    Below the page's shell, the whole body (the period chooser, the counts and the three
    lists) is one entry of the shared cache, rendered once per entity, parameters, day,
    language, visibility signature and change (core.cache): a warm request asks the
    database nothing."""
    entity = _entity_by_code(code)
    if entity is None or not can_view_entity(request.user, entity):
        raise Http404
    if not can_view_entity_dashboard(request.user, entity):
        raise PermissionDenied(_("Only the entity's reviewers and auditors see this dashboard."))
    today = timezone.localdate()

    def build():
        periods = list(selectors_progress.entity_periods(entity))
        period = None
        if request.GET.get("period", "").isdigit():
            period = next((p for p in periods if p.pk == int(request.GET["period"])), None)
        if period is None:
            started = [p for p in periods if p.start_date <= today and not p.is_closed]
            period = (started or periods or [None])[0]
        context = {"entity": entity, "periods": periods, "period": period}
        if period is not None:
            status = selectors_progress.entity_review_status(entity, period, request.user)
            # Each list in pages of its own (?waiting_page=, ?missing_page=, ?approved_page=).
            for name in ("waiting", "missing", "approved"):
                paginator = Paginator(status[name], ENTITY_DASHBOARD_PAGE_SIZE)
                paginator.count = status["sizes"][name]  # known: Paginator need not count again
                status[name] = paginator.get_page(request.GET.get(f"{name}_page"))
            status["request"] = request  # the pages' links keep the other parameters
            context["status"] = mark_safe(
                render_to_string("indicators/progress/entity_status.html", status)
            )
        return render_to_string("indicators/progress/entity_body.html", context)

    # The same for every reader who reads the same indicators of the entity.
    body = cached(
        "page:entity-dashboard",
        build,
        scopes=("indicators", "entities"),
        params=(entity.pk, sorted(request.GET.lists()), today.isoformat()),
        visibility=visibility_key(request.user, entity_id=entity.pk),
    )
    return render(
        request, "indicators/progress/entity.html", {"entity": entity, "body": mark_safe(body)}
    )
