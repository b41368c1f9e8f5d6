"""Progress pages: the plan dashboard, an indicator's time series, and the entity dashboard
for reviewers. Thin: authorise through the visibility querysets, call a selector, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from entities.models import Entity

from .. import charts, selectors_progress
from ..models import Indicator, Plan
from ..models.progress import OnTrackStatus
from ..permissions import can_view_entity_dashboard
from ._common import _tree


@login_required
def plan_progress(request, pk):
    """Per pillar, goal and principle: counts per status and the share progressing; per
    indicator a bullet chart (baseline → latest → target) and a trend mark."""
    plan = get_object_or_404(Plan.objects.visible_to(request.user).select_related("entity"), pk=pk)
    data = selectors_progress.plan_dashboard(plan, request.user)
    for node in data["nodes"]:
        for indicator in node.indicator_list:
            result = indicator.progress
            indicator.bullet = charts.bullet_chart(result, label=indicator.code)
            indicator.trend_svg = charts.trend_mark(result.trend if result else "")
    return render(
        request,
        "indicators/progress/plan.html",
        {
            **data,
            "plan": plan,
            "nodes": _tree(data["nodes"]),
            "status_colours": [
                (value, label, charts.STATUS_COLOURS[value])
                for value, label in OnTrackStatus.choices
            ],
            "can_see_entity_dashboard": can_view_entity_dashboard(request.user, plan.entity),
        },
    )


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


@login_required
def entity_dashboard(request, code):
    """For an entity's reviewers (auditors read it too): what is missing, submitted,
    returned and approved in a period. Others who may see the entity are refused (403);
    those who may not even see it get 404."""
    entity = get_object_or_404(Entity.objects.visible_to(request.user), code__iexact=code)
    if not can_view_entity_dashboard(request.user, entity):
        raise PermissionDenied(_("Only the entity's reviewers and auditors see this dashboard."))
    periods = list(selectors_progress.entity_periods(entity))
    period = None
    if request.GET.get("period", "").isdigit():
        period = next((p for p in periods if p.pk == int(request.GET["period"])), None)
    if period is None:
        today = timezone.localdate()
        started = [p for p in periods if p.start_date <= today and not p.is_closed]
        period = (started or periods or [None])[0]
    context = {"entity": entity, "periods": periods, "period": period}
    if period is not None:
        context.update(selectors_progress.entity_review_status(entity, period, request.user))
    return render(request, "indicators/progress/entity.html", context)
