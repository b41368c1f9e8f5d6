"""Maintaining indicators, baselines and targets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .. import permissions
from ..choices import Action
from ..forms import (
    BaselineForm,
    IndicatorCreateForm,
    IndicatorForm,
    TargetForm,
)
from ..models import Indicator, Plan, Target, Value


def _visible_indicator(request, pk):
    return get_object_or_404(Indicator.objects.visible_to(request.user).with_framework(), pk=pk)


@login_required
def indicator_detail(request, pk):
    indicator = _visible_indicator(request, pk)
    values = (
        Value.objects.filter(indicator=indicator).select_related("period").prefetch_related("parts")
    )
    can_history = (
        permissions.can_maintain(request.user, indicator.plan)
        or permissions.decide(request.user, Action.HISTORY, indicator=indicator)[0]
    )
    history = None
    if can_history:
        from audit.models import Event

        targets = list(indicator.targets.all())
        baseline = getattr(indicator, "baseline", None)
        q = Event.objects.for_target(indicator)
        if baseline:
            q = q | Event.objects.for_target(baseline)
        for t in targets:
            q = q | Event.objects.for_target(t)
        from audit.display import describe

        history = describe(q.select_related("actor").order_by("-created_at", "-id")[:200])
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "indicator": indicator,
            "baseline": getattr(indicator, "baseline", None),
            "values": values,
            "history": history,
            "can_maintain": permissions.can_maintain(request.user, indicator.plan),
        },
    )


def _maintained_indicator(request, pk):
    indicator = _visible_indicator(request, pk)
    if not permissions.can_maintain(request.user, indicator.plan):
        raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))
    return indicator


def _maintain(request, indicator, form, title):
    if request.method == "POST" and form.is_valid():
        try:
            form.save_as(request.user)
            messages.success(request, _("Saved."))
            return redirect("indicators:indicator", pk=indicator.pk)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    for err in errs:
                        form.add_error(field if field in form.fields else None, err)
            else:
                form.add_error(None, exc)
    return render(
        request,
        "indicators/maintain_form.html",
        {"indicator": indicator, "form": form, "title": title},
    )


@login_required
def indicator_create(request, plan_id):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_id)
    if not permissions.can_maintain(request.user, plan):
        raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))
    form = IndicatorCreateForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = form.save_as(request.user)
            messages.success(request, _("Saved."))
            return redirect("indicators:indicator", pk=indicator.pk)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                for err in errs:
                    form.add_error(field if field in form.fields else None, err)
    return render(
        request,
        "indicators/maintain_form.html",
        {"plan": plan, "form": form, "title": _("New indicator")},
    )


@login_required
def indicator_edit(request, pk):
    indicator = _maintained_indicator(request, pk)
    form = IndicatorForm(request.POST or None, instance=Indicator.objects.get(pk=indicator.pk))
    return _maintain(request, indicator, form, _("Edit indicator"))


@login_required
def baseline_edit(request, pk):
    indicator = _maintained_indicator(request, pk)
    form = BaselineForm(
        request.POST or None, indicator=indicator, baseline=getattr(indicator, "baseline", None)
    )
    return _maintain(request, indicator, form, _("Baseline"))


@login_required
def target_edit(request, pk, year=None):
    indicator = _maintained_indicator(request, pk)
    target = Target.objects.filter(indicator=indicator, year=year).first() if year else None
    form = TargetForm(request.POST or None, indicator=indicator, target=target)
    return _maintain(request, indicator, form, pgettext("indicator value", "Target"))
