"""Pages of the framework: the plan list, a plan's tree and closing a period."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..choices import Status
from ..forms import (
    PeriodCloseForm,
    PeriodForm,
)
from ..models import Indicator, Node, Plan, ReportingPeriod
from ._common import _tree


@login_required
def plan_list(request):
    plans = Plan.objects.visible_to(request.user).select_related("entity")
    return render(request, "indicators/plan_list.html", {"plans": plans})


@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(Plan.objects.visible_to(request.user).select_related("entity"), pk=pk)
    nodes = list(Node.objects.filter(plan=plan).select_related("level"))
    periods = list(ReportingPeriod.objects.filter(plan=plan))
    latest = periods[-1] if periods else None
    indicators = Indicator.objects.visible_to(request.user).filter(plan=plan, is_active=True)
    indicators = indicators.for_entry(latest) if latest else indicators.with_framework()
    by_node = {}
    for ind in indicators:
        ind.last_approved = selectors.latest_approved(ind)
        by_node.setdefault(ind.node_id, []).append(ind)
    for node in nodes:
        node.indicator_list = by_node.get(node.pk, [])
    return render(
        request,
        "indicators/plan_detail.html",
        {
            "plan": plan,
            "levels": plan.levels.all(),
            "nodes": _tree(nodes),
            "periods": periods,
            "can_maintain": permissions.can_maintain(request.user, plan),
        },
    )


@login_required
def period_edit(request, pk):
    """Change a period's dates and the date its values are due (the framework's reviewers)."""
    period = get_object_or_404(
        ReportingPeriod.objects.visible_to(request.user).select_related("plan__entity"), pk=pk
    )
    if not permissions.can_maintain(request.user, period.plan):
        raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))
    form = PeriodForm(request.POST or None, instance=period)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.period_upsert(
                    plan=period.plan, label=period.label, actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("Period saved."))
                return redirect("indicators:plan", pk=period.plan_id)
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
        status = 400
    return render(
        request, "indicators/period_edit.html", {"period": period, "form": form}, status=status
    )


@login_required
def period_close(request, pk):
    """Close (or open again) a period: a page that says what closing means and how many
    values are not yet approved, asks for a reason and a confirmation, then the service."""
    period = get_object_or_404(
        ReportingPeriod.objects.visible_to(request.user).select_related("plan__entity"), pk=pk
    )
    if not permissions.can_maintain(request.user, period.plan):
        raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))
    closing = not period.is_closed
    form = PeriodCloseForm(request.POST if request.method == "POST" else None, closing=closing)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.period_set_closed(
                    period=period,
                    closed=closing,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Period closed.") if closing else _("Period opened."))
                return redirect("indicators:plan", pk=period.plan_id)
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
        status = 400
    open_values = period.values.exclude(status=Status.APPROVED).count()
    return render(
        request,
        "indicators/period_close.html",
        {"period": period, "form": form, "closing": closing, "open_values": open_values},
        status=status,
    )
