"""Data entry: the grid of a period, saving, checking and attaching evidence per row, bulk."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entities.choices import Role

from .. import permissions, selectors, services
from ..choices import Action, Status
from ..filters import EntryFilter
from ..forms import (
    BulkActionForm,
    CommentForm,
    EvidenceForm,
    ValueEntryForm,
)
from ..models import Indicator, Node, ReportingPeriod
from ._common import _entry_period, _tree


@login_required
def entry_index(request):
    """Open periods of the entities where the user enters values."""
    if not permissions.can_enter_anywhere(request.user):
        raise PermissionDenied(_("Only programme officers enter values."))
    periods = (
        ReportingPeriod.objects.for_entity_roles(request.user, {Role.PROGRAMME_OFFICER})
        .select_related("plan__entity")
        .order_by("plan__entity__code", "plan__code", "-start_date")
    )
    return render(request, "indicators/entry_index.html", {"periods": periods})


def _row_context(request, indicator, period, form=None, message="", conflict=None):
    value = selectors.current_value(indicator)
    if form is None:
        form = ValueEntryForm(
            indicator=indicator, period=period, value=value, prefix=f"i{indicator.pk}"
        )
    allowed, why_not = permissions.decide(
        request.user,
        Action.EDIT,
        indicator=indicator,
        status=value.status if value else Status.DRAFT,
        value=value,
        period=period,
    )
    can_attach = (
        value is not None
        and permissions.decide(
            request.user, Action.ATTACH, indicator=indicator, status=value.status, value=value
        )[0]
    )
    can_comment = (
        value is not None
        and permissions.decide(
            request.user, Action.COMMENT, indicator=indicator, status=value.status, value=value
        )[0]
    )
    can_submit = (
        value is not None
        and value.status in (Status.DRAFT, Status.RETURNED)
        and permissions.decide(
            request.user, Action.SUBMIT, indicator=indicator, status=value.status, value=value
        )[0]
    )
    return {
        "indicator": indicator,
        "period": period,
        "value": value,
        "form": form,
        "can_submit": can_submit,
        "can_attach": can_attach,
        "can_comment": can_comment,
        "baseline": getattr(indicator, "baseline", None),
        "target": selectors.target_for_year(indicator, period.end_date.year),
        "last_approved": selectors.latest_approved(indicator),
        "can_edit": allowed,
        "why_not": why_not,
        "message": message,
        "conflict": conflict,
    }


@login_required
def entry_grid(request, period_id):
    """Every indicator of the entity for one period: baseline, target and last approved value
    beside the input. A fixed number of queries however many indicators there are."""
    period = _entry_period(request, period_id)
    filterset = EntryFilter(
        request.GET,
        queryset=Indicator.objects.visible_to(request.user).filter(
            plan=period.plan, is_active=True
        ),
        period=period,
        request=request,
    )
    indicators = filterset.qs.for_entry(period).order_by("node__order", "order", "code")
    rows = _grouped_rows(request, period, indicators)
    return render(
        request,
        "indicators/entry_grid.html",
        {
            "period": period,
            "plan": period.plan,
            "rows": rows,
            "filter": filterset,
            "bulk_form": BulkActionForm(actions={"submit"}, initial={"action": "submit"}),
        },
    )


def _grouped_rows(request, period, indicators):
    """Rows in the order of the result tree (goal, then principle, ...), each with the path
    of results above its indicator, so the page can head each group."""
    nodes = list(Node.objects.filter(plan=period.plan).select_related("level"))
    by_id = {node.pk: node for node in nodes}
    position = {node.pk: i for i, node in enumerate(_tree(nodes))}
    rows = []
    for ind in indicators:
        row = _row_context(request, ind, period)
        path, node = [], by_id.get(ind.node_id)
        while node is not None:
            path.insert(0, node)
            node = by_id.get(node.parent_id)
        row["path"] = path
        rows.append(row)
    rows.sort(key=lambda r: position.get(r["indicator"].node_id, len(position)))
    return rows


@login_required
@require_POST
def entry_bulk(request, period_id):
    """Submit the selected rows of the grid, each one on its own (a per-row result list).
    Answers htmx with the results and the submitted rows swapped in place (out of band), so
    the other rows, and what is typed in them, stay as they are."""
    period = _entry_period(request, period_id)
    form = BulkActionForm(request.POST, actions={"submit"})
    if not form.is_valid():
        return render(
            request,
            "indicators/partials/bulk_results.html",
            {"form": form, "results": None},
            status=400,
        )
    results = services.values_bulk_transition(
        action="submit", items=form.cleaned_data["values"], actor=request.user, period=period
    )
    done = {r["value"].indicator_id for r in results if r["ok"]}
    indicators = Indicator.objects.filter(plan=period.plan, pk__in=done).for_entry(period)
    rows = [_row_context(request, ind, period) for ind in indicators]
    if not request.htmx:
        _bulk_messages(request, results)
        return redirect("indicators:entry", period_id=period.pk)
    return render(
        request,
        "indicators/partials/bulk_results.html",
        {"results": results, "rows": rows, "form": form},
    )


def _bulk_messages(request, results):
    for r in results:
        label = f"{r['value'].indicator.code} {r['value'].period.label}" if r["value"] else r["id"]
        if r["ok"]:
            messages.success(request, f"{label}: {_('Done.')}")
        else:
            messages.error(request, f"{label}: {r['error']}")


def _one_indicator(request, period, indicator_id):
    return get_object_or_404(
        Indicator.objects.visible_to(request.user).filter(plan=period.plan).for_entry(period),
        pk=indicator_id,
    )


@login_required
@require_POST
def entry_check(request, period_id, indicator_id):
    """Inline validation as the officer types: the service's rules, nothing written."""
    period = _entry_period(request, period_id)
    indicator = _one_indicator(request, period, indicator_id)
    value = selectors.current_value(indicator)
    form = ValueEntryForm(
        request.POST, indicator=indicator, period=period, value=value, prefix=f"i{indicator.pk}"
    )
    ok = form.check(request.user)
    return render(request, "indicators/partials/entry_check.html", {"form": form, "ok": ok})


@login_required
@require_POST
def entry_save(request, period_id, indicator_id):
    """Save a draft (or save and submit) one row; answers with the row re-rendered."""
    period = _entry_period(request, period_id)
    indicator = _one_indicator(request, period, indicator_id)
    value = selectors.current_value(indicator)
    form = ValueEntryForm(
        request.POST, indicator=indicator, period=period, value=value, prefix=f"i{indicator.pk}"
    )
    message, conflict = "", None
    if form.is_valid():
        try:
            value = form.save(request.user)
            message = _("Draft saved.")
            if request.POST.get("action") == "submit":
                value = services.value_submit(
                    value=value, actor=request.user, expected_version=value.version
                )
                message = _("Submitted for review.")
            form = None
        except services.StaleVersion as exc:
            conflict = exc.value
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    indicator = _one_indicator(request, period, indicator_id)
    context = _row_context(
        request, indicator, period, form=form, message=message, conflict=conflict
    )
    if not request.htmx:
        if message:
            messages.success(request, f"{indicator.code}: {message}")
        else:
            messages.error(
                request,
                f"{indicator.code}: "
                + "; ".join(str(e) for errs in form.errors.values() for e in errs),
            )
        return redirect("indicators:entry", period_id=period.pk)
    return render(request, "indicators/partials/entry_row.html", {"row": context})


@login_required
@require_POST
def entry_attach(request, period_id, indicator_id):
    """Attach evidence or a comment to a row's value from the grid; answers with the row."""
    period = _entry_period(request, period_id)
    indicator = _one_indicator(request, period, indicator_id)
    value = selectors.current_value(indicator)
    if value is None:
        raise Http404
    message, error = "", ""
    try:
        if "file" in request.FILES:
            form = EvidenceForm(request.POST, request.FILES)
            if form.is_valid():
                services.evidence_attach(
                    value=value, actor=request.user, upload=form.cleaned_data["file"]
                )
                message = _("Evidence attached.")
            else:
                error = _("Choose a file.")
        else:
            form = CommentForm(request.POST)
            if form.is_valid():
                services.comment_add(
                    value=value, actor=request.user, text=form.cleaned_data["text"]
                )
                message = _("Comment added.")
            else:
                error = _("Write a comment.")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except PermissionDenied as exc:
        error = str(exc)
    indicator = _one_indicator(request, period, indicator_id)
    context = _row_context(request, indicator, period)
    context["extra_message"], context["extra_error"] = message, error
    if not request.htmx:
        if error:
            messages.error(request, f"{indicator.code}: {error}")
        else:
            messages.success(request, f"{indicator.code}: {message}")
        return redirect("indicators:entry", period_id=period.pk)
    # Only the evidence-and-comments block is swapped: the row's form, and whatever the
    # officer has typed in it and not yet saved, stays as it is.
    return render(request, "indicators/partials/entry_extra.html", {"row": context})
