"""Pages: thin — authorise, parse, call one service or selector, render (page or htmx part)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from core.files import private_download_response
from entities.choices import Role

from . import exporters, permissions, selectors, services
from .choices import Action, ImportStatus, Status
from .filters import EntryFilter, ValueFilter
from .forms import (
    ApproveForm,
    BaselineForm,
    BulkActionForm,
    CommentForm,
    EvidenceForm,
    ImportForm,
    IndicatorCreateForm,
    IndicatorForm,
    PeriodCloseForm,
    ReasonForm,
    TargetForm,
    ValueEntryForm,
    VersionForm,
)
from .models import ImportJob, Indicator, Node, Plan, ReportingPeriod, Target, Value

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the framework ----------------------------------------------------------------------------


@login_required
def plan_list(request):
    plans = Plan.objects.visible_to(request.user).select_related("entity")
    return render(request, "indicators/plan_list.html", {"plans": plans})


def _tree(nodes):
    """Nodes in depth-first order, each with its depth (for indentation)."""
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered = []

    def walk(parent_id, depth):
        for node in children.get(parent_id, []):
            node.depth = depth
            ordered.append(node)
            walk(node.pk, depth + 1)

    walk(None, 0)
    return ordered


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


# --- data entry -------------------------------------------------------------------------------


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


def _entry_period(request, period_id):
    period = get_object_or_404(
        ReportingPeriod.objects.visible_to(request.user).select_related("plan__entity"),
        pk=period_id,
    )
    if not permissions.can_enter_for(request.user, period.plan):
        raise PermissionDenied(_("Only the entity's programme officers enter values."))
    return period


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


# --- values -----------------------------------------------------------------------------------


def _visible_value(request, pk):
    return get_object_or_404(
        Value.objects.visible_to(request.user)
        .with_related()
        .select_related("indicator__node__level", "indicator__baseline"),
        pk=pk,
    )


@login_required
def value_detail(request, pk):
    value = _visible_value(request, pk)
    user = request.user
    indicator = value.indicator
    can_history = permissions.can(user, Action.HISTORY, value)
    actions = permissions.actions_for(user, value)
    return render(
        request,
        "indicators/value_detail.html",
        {
            "value": value,
            "indicator": indicator,
            "baseline": getattr(indicator, "baseline", None),
            "target": selectors.target_for_year(
                Indicator.objects.with_framework().get(pk=indicator.pk),
                value.period.end_date.year,
            ),
            "actions": actions,
            "why_not": [(Action(a).label, why) for a, (ok, why) in actions.items() if not ok],
            "can_comment": permissions.can(user, Action.COMMENT, value),
            "can_attach": permissions.can(user, Action.ATTACH, value),
            "comments": value.comments.select_related("author"),
            "evidence": value.evidence.select_related("uploaded_by"),
            "history": selectors.value_history(value) if can_history else None,
            "approve_form": ApproveForm(initial={"version": value.version}),
            "reason_form": ReasonForm(initial={"version": value.version}),
            "version_form": VersionForm(initial={"version": value.version}),
            "comment_form": CommentForm(),
            "evidence_form": EvidenceForm(),
            "needs_rating": value.kind == "text" and not value.is_missing,
        },
    )


TRANSITIONS = {
    "submit": (services.value_submit, VersionForm, _("Submitted for review.")),
    "approve": (services.value_approve, ApproveForm, _("Approved.")),
    "return": (services.value_return, ReasonForm, _("Returned to the officer.")),
    "reopen": (services.value_reopen, ReasonForm, _("Reopened.")),
}


@login_required
@require_POST
def value_transition(request, pk, action):
    if action not in TRANSITIONS:
        raise Http404
    value = _visible_value(request, pk)
    service, form_class, done = TRANSITIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason.") if "reason" in form.errors else _("Invalid."))
        return redirect("indicators:value", pk=value.pk)
    kwargs = {k: v for k, v in form.cleaned_data.items() if k in ("reason", "rating")}
    try:
        service(
            value=value,
            actor=request.user,
            expected_version=form.cleaned_data.get("version"),
            **kwargs,
        )
        messages.success(request, done)
    except services.StaleVersion as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    return redirect("indicators:value", pk=value.pk)


@login_required
@require_POST
def value_comment(request, pk):
    value = _visible_value(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(value=value, actor=request.user, text=form.cleaned_data["text"])
        except PermissionDenied as exc:
            return HttpResponse(str(exc), status=403)
    return redirect(reverse("indicators:value", args=[value.pk]) + "#comments")


@login_required
@require_POST
def evidence_upload(request, pk):
    value = _visible_value(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
    else:
        try:
            services.evidence_attach(
                value=value, actor=request.user, upload=form.cleaned_data["file"]
            )
            messages.success(request, _("Evidence attached."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            return HttpResponse(str(exc), status=403)
    return redirect(reverse("indicators:value", args=[value.pk]) + "#evidence")


@login_required
def evidence_download(request, pk, evidence_id):
    """Stream an evidence file to a user who may see its value (404 for anyone else)."""
    value = _visible_value(request, pk)
    if not permissions.can_view_evidence(request.user, value):
        raise PermissionDenied
    evidence = get_object_or_404(value.evidence, pk=evidence_id)
    return private_download_response(
        evidence.file.name, filename=evidence.original_name, content_type=evidence.content_type
    )


# --- review -----------------------------------------------------------------------------------


@login_required
def review_queue(request):
    if not permissions.can_review_anywhere(request.user):
        raise PermissionDenied(_("Only reviewers review values."))
    return _review_page(request)


def _review_page(request, *, bulk_form=None, results=None, status=200):
    qs = Value.objects.for_entity_roles(request.user, {Role.REVIEWER}).with_related()
    data = request.GET.copy()
    data.setdefault("status", Status.SUBMITTED)
    filterset = ValueFilter(data, queryset=qs, request=request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    template = "indicators/partials/review_rows.html" if request.htmx else "indicators/review.html"
    context = {
        "filter": filterset,
        "page": page,
        "bulk_form": bulk_form or BulkActionForm(actions={"approve", "return"}),
        "results": results,
    }
    return render(request, template, context, status=status)


@login_required
@require_POST
def review_bulk(request):
    """Approve or return the selected values with one reason. Each value goes through its own
    service (permission, version, rules, audit); the page lists what succeeded and what was
    refused, and why."""
    if not permissions.can_review_anywhere(request.user):
        raise PermissionDenied(_("Only reviewers review values."))
    form = BulkActionForm(request.POST, actions={"approve", "return"})
    if not form.is_valid():
        return _review_page(request, bulk_form=form, status=400)
    results = services.values_bulk_transition(
        action=form.cleaned_data["action"],
        items=form.cleaned_data["values"],
        actor=request.user,
        reason=form.cleaned_data["reason"],
    )
    return _review_page(request, results=results)


# --- indicators, baselines, targets -----------------------------------------------------------


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


# --- Excel ------------------------------------------------------------------------------------


@login_required
def template_download(request, period_id):
    period = get_object_or_404(
        ReportingPeriod.objects.visible_to(request.user).select_related("plan__entity"),
        pk=period_id,
    )
    response = HttpResponse(exporters.build_template(period, user=request.user), content_type=XLSX)
    name = f"{period.plan.entity.code}-{period.plan.code}-{period.label}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def import_upload(request, period_id):
    period = _entry_period(request, period_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                period=period, upload=form.cleaned_data["file"], actor=request.user
            )
            return redirect("indicators:import", pk=job.pk)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
    return render(request, "indicators/import_upload.html", {"period": period, "form": form})


def _visible_job(request, pk):
    return get_object_or_404(
        ImportJob.objects.visible_to(request.user).select_related("period__plan__entity"), pk=pk
    )


@login_required
def import_detail(request, pk):
    """The preview: every problem by row and column, progress while a job reads the file."""
    job = _visible_job(request, pk)
    running = job.status in (ImportStatus.PENDING, ImportStatus.PARSING, ImportStatus.COMMITTING)
    context = {
        "job": job,
        "running": running,
        "can_commit": job.status == ImportStatus.READY and job.created_by_id == request.user.pk,
    }
    if request.htmx:
        return render(request, "indicators/partials/import_status.html", context)
    return render(request, "indicators/import_detail.html", context)


@login_required
@require_POST
def import_commit(request, pk):
    job = _visible_job(request, pk)
    try:
        job = services.import_commit(job=job, actor=request.user)
        if job.status == ImportStatus.COMMITTED:
            messages.success(request, _("%(n)s values written.") % {"n": job.written_rows})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    return redirect("indicators:import", pk=job.pk)
