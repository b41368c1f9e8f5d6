"""Oversight pages: thin — authorise, parse, call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.cache import cached
from core.exports import export_response
from core.files import private_download_response

from . import charts, exporters, forms, importers, permissions, published, selectors, services
from .choices import ImportStatus, OverdueBucket
from .filters import RecommendationFilter, ReportFilter, ResolutionFilter
from .models import (
    ActionPlan,
    ActionPlanItem,
    Evidence,
    OversightBody,
    OversightReport,
    Recommendation,
    RecommendationImport,
    Resolution,
)
from .querysets import today, visibility_key

PAGE_SIZE = 50


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _recommendations(request):
    """The user's visible recommendations, filtered by the shared FilterSet."""
    qs = (
        Recommendation.objects.visible_to(request.user)
        .with_ageing()
        .select_related("body", "report", "entity", "org_unit")
    )
    return RecommendationFilter(request.GET, queryset=qs, user=request.user)


@login_required
def recommendation_list(request):
    """The recommendations the user reads, filtered. Their count, ageing, rows and pages and
    the filter form with its errors (the cost of the page) are one entry of the shared cache,
    rendered once per filters, language, readers' visibility, day (the ageing counts days)
    and change (core.cache): a hit builds no FilterSet and asks the database nothing. The
    export form with its CSRF token and the page around are rendered on every request."""
    _require(permissions.can_view_oversight(request.user))

    def build():
        filterset = _recommendations(request)
        qs = filterset.qs
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        ageing = qs.order_by().ageing_summary() if filterset.is_valid() else {}
        table = render_to_string(
            "oversight/partials/recommendation_table.html",
            {
                "request": request,
                "page": page,
                "ageing": ageing,
                "ageing_rows": [
                    (value, label, ageing.get(value, 0))
                    for value, label in OverdueBucket.choices
                    if value != OverdueBucket.NOT_DUE
                ],
            },
        )
        errors = [(field, " ".join(e)) for field, e in filterset.errors.items()]
        # The form offers the reader's entities, bodies, reports and units (hundreds of
        # options): in the same entry (an htmx request, which does not show it, shares it).
        form = render_to_string(
            "oversight/partials/recommendation_filter.html", {"filter": filterset}
        )
        return {"count": page.paginator.count, "table": table, "errors": errors, "form": form}

    shared = cached(
        "page:recommendations",
        build,
        scopes=("oversight", "entities"),
        params=(sorted(request.GET.lists()), today().isoformat()),
        visibility=visibility_key(request.user),
    )
    context = {
        "count": shared["count"],
        "errors": shared["errors"],
        "table": mark_safe(shared["table"]),
        "query": request.GET.urlencode(),
    }
    if request.htmx:
        return render(request, "oversight/partials/recommendation_rows.html", context)
    context["filter_form"] = mark_safe(shared["form"])
    return render(request, "oversight/recommendation_list.html", context)


@login_required
def recommendation_export(request):
    """The filtered list as Excel: at once when small, else as a job kept in the archive."""
    _require(permissions.can_view_oversight(request.user))
    return export_response(request, exporters.RECOMMENDATIONS)


ACTION_FORMS = {
    permissions.RECORD_PROGRESS: forms.ProgressForm,
    permissions.COMMENT: forms.CommentForm,
    permissions.UPLOAD_EVIDENCE: forms.EvidenceForm,
    permissions.PROPOSE_CLOSURE: forms.ProposeClosureForm,
    permissions.ACCEPT_CLOSURE: forms.AcceptClosureForm,
    permissions.RETURN_CLOSURE: forms.ReturnClosureForm,
    permissions.EDIT: forms.RecommendationEditForm,
}


def _make_form(action, rec, data=None, files=None):
    form_class = ACTION_FORMS[action]
    # The page shows every action's form at once: ids carry the action so none is repeated
    # (two "id_note" would send a label to the wrong field); field names stay as they are.
    auto_id = f"id_{action}_%s"
    if action == permissions.EDIT:
        return form_class(data, files, instance=rec, auto_id=auto_id)
    return form_class(data, files, auto_id=auto_id)


def _detail_context(request, rec, bound=None):
    actions = permissions.available_actions(request.user, rec)
    action_forms = {}
    for action in ACTION_FORMS:
        if actions[action] is None:
            action_forms[action] = (bound or {}).get(action) or _make_form(action, rec)
    return {
        "rec": rec,
        "actions": actions,
        "forms": action_forms,
        "evidence": rec.evidence.select_related("uploaded_by"),
        "comments": rec.comments.select_related("author"),
        "history": selectors.recommendation_history(rec),
    }


def _get_rec(request, pk):
    # Not visible and not existing look the same: 404.
    return get_object_or_404(
        Recommendation.objects.visible_to(request.user)
        .with_ageing()
        .select_related("body", "report", "entity", "org_unit"),
        pk=pk,
    )


@login_required
def recommendation_detail(request, pk):
    rec = _get_rec(request, pk)
    return render(request, "oversight/recommendation_detail.html", _detail_context(request, rec))


def _call(action, rec, user, form):
    data = form.cleaned_data
    if action == permissions.EDIT:
        changed = {f: data[f] for f in form.changed_data}
        services.recommendation_update(recommendation=rec, actor=user, data=changed)
    elif action == permissions.RECORD_PROGRESS:
        services.recommendation_record_progress(
            recommendation=rec,
            actor=user,
            note=data["note"],
            management_response=data["management_response"] or None,
        )
    elif action == permissions.COMMENT:
        services.comment_add(recommendation=rec, actor=user, text=data["text"])
    elif action == permissions.UPLOAD_EVIDENCE:
        services.evidence_add(
            recommendation=rec, actor=user, upload=data["file"], description=data["description"]
        )
    elif action == permissions.PROPOSE_CLOSURE:
        services.recommendation_propose_closure(recommendation=rec, actor=user, **data)
    elif action == permissions.ACCEPT_CLOSURE:
        services.recommendation_accept_closure(recommendation=rec, actor=user, note=data["note"])
    elif action == permissions.RETURN_CLOSURE:
        services.recommendation_return_closure(
            recommendation=rec, actor=user, reason=data["reason"]
        )


DONE = {
    permissions.RECORD_PROGRESS: gettext_lazy("Progress recorded."),
    permissions.COMMENT: gettext_lazy("Comment added."),
    permissions.UPLOAD_EVIDENCE: gettext_lazy("Evidence attached."),
    permissions.PROPOSE_CLOSURE: gettext_lazy(
        "Closure proposed; the oversight body will review it."
    ),
    permissions.ACCEPT_CLOSURE: gettext_lazy("Closure accepted: the recommendation is closed."),
    permissions.RETURN_CLOSURE: gettext_lazy("Closure sent back to the focal point."),
    permissions.EDIT: gettext_lazy("Recommendation updated."),
}


@login_required
@require_POST
def recommendation_act(request, pk, action):
    """One of the workflow actions; the service decides whether it is allowed (403) and valid
    (the page again with the errors, 400)."""
    rec = _get_rec(request, pk)
    if action not in ACTION_FORMS:
        raise PermissionDenied
    if not permissions.allowed_by_role(request.user, rec, action):
        # Refused before the input is even read: nothing about the form is revealed.
        raise PermissionDenied(permissions.WHY_NOT[action])
    form = _make_form(action, rec, request.POST, request.FILES)
    if form.is_valid():
        try:
            _call(action, rec, request.user, form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, str(DONE[action]))
            return redirect("oversight:detail", pk=rec.pk)
    rec = _get_rec(request, pk)
    context = _detail_context(request, rec, bound={action: form})
    context["failed_action"] = action
    return render(request, "oversight/recommendation_detail.html", context, status=400)


def evidence_response(evidence):
    """Stream a private evidence file as a download (never rendered inline)."""
    return private_download_response(
        evidence.file.name, filename=evidence.original_name, content_type=evidence.content_type
    )


@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(Evidence.objects.visible_to(request.user), pk=pk)
    return evidence_response(evidence)


@login_required
def statistics(request):
    _require(permissions.can_view_statistics(request.user))
    stats = selectors.statistics(
        OversightBody.objects.all(), Recommendation.objects.visible_to(request.user)
    )
    for s in stats:
        s.chart = charts.rate_chart(s)
    return render(
        request,
        "oversight/statistics.html",
        {"statistics": stats, "published": published.comparisons(stats)},
    )


@login_required
def statistics_export(request):
    _require(permissions.can_view_statistics(request.user))
    stats = selectors.statistics(
        OversightBody.objects.all(), Recommendation.objects.visible_to(request.user)
    )
    response = HttpResponse(exporters.statistics_xlsx(stats), content_type=exporters.XLSX)
    response["Content-Disposition"] = 'attachment; filename="oversight-statistics.xlsx"'
    return response


def _render_import(request, job, context):
    """The page with the job's status, preview and problems; 400 when the file has problems."""
    context.update(
        job=job,
        result=job,
        preview_rows=importers.PREVIEW_ROWS,
        confirm_token=job.pk if job.status == ImportStatus.READY else None,
    )
    status = 400 if job.status in (ImportStatus.INVALID, ImportStatus.FAILED) else 200
    return render(request, "oversight/import.html", context, status=status)


def _own_import(request, pk):
    try:
        return RecommendationImport.objects.visible_to(request.user).get(pk=int(pk))
    except (ValueError, RecommendationImport.DoesNotExist):
        return None


@login_required
def import_recommendations(request):
    """Upload → preview with row-level errors → confirm. The file, its status and its preview
    live in a RecommendationImport (read at once when small, in a job when large)."""
    _require(permissions.can_import(request.user))
    context = {"columns": importers.COLUMNS, "form": forms.ImportForm()}
    if request.method == "POST" and request.POST.get("confirm"):
        job = _own_import(request, request.POST["confirm"])
        if job is None:
            messages.error(request, _("The upload has expired; upload the file again."))
            return redirect("oversight:import")
        try:
            job = services.recommendation_import_commit(job=job, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("oversight:import-job", pk=job.pk)
        if job.status == ImportStatus.COMMITTED:
            messages.success(
                request,
                _("Imported: %(created)s created, %(updated)s updated.")
                % {"created": job.created_count, "updated": job.updated_count},
            )
            return redirect("oversight:list")
        return redirect("oversight:import-job", pk=job.pk)
    if request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "oversight/import.html", context, status=400)
        try:
            job = services.recommendation_import_create(
                upload=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error("file", getattr(exc, "message_dict", {}).get("file", exc.messages))
            return render(request, "oversight/import.html", context, status=400)
        if job.is_running:
            return redirect("oversight:import-job", pk=job.pk)
        return _render_import(request, job, context)
    return render(request, "oversight/import.html", context)


@login_required
def import_job(request, pk):
    """One upload's status (polled while it is read or written), preview and problems."""
    _require(permissions.can_import(request.user))
    job = get_object_or_404(RecommendationImport.objects.visible_to(request.user), pk=pk)
    if request.htmx:
        context = {"job": job, "result": job, "preview_rows": importers.PREVIEW_ROWS}
        return render(request, "oversight/partials/import_job.html", context)
    context = {"columns": importers.COLUMNS, "form": forms.ImportForm()}
    return _render_import(request, job, context)


@login_required
def report_list(request):
    _require(permissions.can_view_oversight(request.user))
    qs = (
        OversightReport.objects.visible_to(request.user)
        .select_related("body", "entity")
        .annotate(n_recommendations=Count("recommendations"))
        .order_by("-issued_on", "symbol")
    )
    filterset = ReportFilter(request.GET, queryset=qs)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "oversight/report_list.html", {"filter": filterset, "page": page})


@login_required
def resolution_list(request):
    _require(permissions.can_view_mandates(request.user))
    qs = Resolution.objects.visible_to(request.user).select_related("governing_body")
    filterset = ResolutionFilter(request.GET, queryset=qs)
    page = Paginator(filterset.qs, 100).get_page(request.GET.get("page"))
    return render(request, "oversight/resolution_list.html", {"filter": filterset, "page": page})


def _history(obj):
    return list(obj.events.select_related("pgh_context").order_by("-pgh_id")[:50])


@login_required
def resolution_detail(request, pk):
    _require(permissions.can_view_mandates(request.user))
    resolution = get_object_or_404(Resolution.objects.visible_to(request.user), pk=pk)
    can_edit = permissions.can_edit_resolution(request.user, resolution)
    form = forms.ResolutionForm(instance=resolution) if can_edit else None
    status = 200
    if request.method == "POST":
        _require(can_edit)
        form = forms.ResolutionForm(request.POST, instance=Resolution.objects.get(pk=pk))
        if form.is_valid():
            data = {f: form.cleaned_data[f] for f in form.changed_data}
            services.resolution_update(resolution=resolution, actor=request.user, data=data)
            messages.success(request, _("Saved."))
            return redirect("oversight:resolution", pk=pk)
        status = 400
    return render(
        request,
        "oversight/resolution_detail.html",
        {"resolution": resolution, "form": form, "history": _history(resolution)},
        status=status,
    )


@login_required
def action_plan(request):
    _require(permissions.can_view_mandates(request.user))
    plans = ActionPlan.objects.prefetch_related("items")
    return render(request, "oversight/action_plan.html", {"plans": plans})


@login_required
def action_item_detail(request, pk):
    _require(permissions.can_view_mandates(request.user))
    item = get_object_or_404(ActionPlanItem.objects.visible_to(request.user), pk=pk)
    can_edit = permissions.can_edit_action_plans(request.user)
    form = forms.ActionPlanItemForm(instance=item) if can_edit else None
    status = 200
    if request.method == "POST":
        _require(can_edit)
        form = forms.ActionPlanItemForm(request.POST, instance=ActionPlanItem.objects.get(pk=pk))
        if form.is_valid():
            data = {f: form.cleaned_data[f] for f in form.changed_data}
            services.action_plan_item_update(item=item, actor=request.user, data=data)
            messages.success(request, _("Saved."))
            return redirect("oversight:action-item", pk=pk)
        status = 400
    return render(
        request,
        "oversight/action_item_detail.html",
        {"item": item, "form": form, "history": _history(item)},
        status=status,
    )
