"""Report pages: thin — authorise, parse, call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.files import private_download_response
from entities.models import Entity
from indicators.models import Node

from . import permissions, services
from .choices import FORMAT_CONTENT_TYPES
from .forms import NarrativeForm, ReportForm, RunForm
from .models import NarrativeSection, Publishing, Report, ReportFile, ReportRun
from .renderers.common import indicator_columns, indicator_table_rows, masthead


def _runs():
    return ReportRun.objects.select_related("report", "report__entity", "requested_by").defer(
        "dataset"
    )


@login_required
def report_list(request):
    """The archive: every run the user may see, newest first, and the drafts they manage."""
    runs = list(_runs().visible_to(request.user).prefetch_related("files")[:200])
    reports = list(Report.objects.visible_to(request.user).select_related("entity", "plan"))
    managed = permissions.managed_entity_ids(request.user)
    entities = (
        []
        if managed is not None and not managed
        else list(
            (Entity.objects.all() if managed is None else Entity.objects.filter(pk__in=managed))
            .filter(reports__isnull=False)
            .distinct()
        )
    )
    public = set(Publishing.objects.filter(public=True).values_list("entity_id", flat=True))
    return render(
        request,
        "reports/list.html",
        {
            "runs": runs,
            "reports": reports,
            "can_create": permissions.can_manage_any(request.user),
            "publishing": [(e, e.pk in public) for e in entities],
        },
    )


@login_required
def report_new(request):
    if not permissions.can_manage_any(request.user):
        raise PermissionDenied
    form = ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("reports:detail", report.pk)
    return render(request, "reports/new.html", {"form": form})


def _add_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _visible_report(request, pk):
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related("entity", "plan", "session"), pk=pk
    )


@login_required
def report_detail(request, pk):
    """A draft: its header, the narrative in English and Chinese, runs, and a run to start."""
    report = _visible_report(request, pk)
    can_manage = permissions.can_manage_reports(request.user, report.entity_id)
    sections = {s.key: s for s in NarrativeSection.objects.filter(report=report)}
    goals = list(Node.objects.filter(plan=report.plan, parent__isnull=False, level__depth=1))
    narrative = [(None, _("Summary"), sections.get(NarrativeSection.SUMMARY))]
    narrative += [(n, f"{n.code}. {n.title}", sections.get(f"node-{n.pk}")) for n in goals]
    forms = [
        (
            title,
            NarrativeForm(
                initial={
                    "node": node.pk if node else None,
                    "text_en": s.text_en if s else "",
                    "text_zh": s.text_zh if s else "",
                },
                prefix=f"n{node.pk if node else 0}",
            ),
            node,
        )
        for node, title, s in narrative
    ]
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "can_manage": can_manage,
            "narrative_forms": forms,
            "run_form": RunForm(),
            "runs": list(_runs().filter(report=report).prefetch_related("files")),
        },
    )


@login_required
@require_POST
def narrative_save(request, pk):
    report = _visible_report(request, pk)
    node_id = request.POST.get("node") or None
    prefix = f"n{node_id or 0}"
    form = NarrativeForm(request.POST, prefix=prefix)
    if not form.is_valid():
        messages.error(request, _("The narrative could not be read."))
        return redirect("reports:detail", report.pk)
    node = None
    if node_id:
        node = get_object_or_404(Node, pk=node_id, plan=report.plan)
    try:
        services.report_narrative_save(
            actor=request.user,
            report=report,
            node=node,
            text_en=form.cleaned_data["text_en"],
            text_zh=form.cleaned_data["text_zh"],
        )
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    messages.success(request, _("Narrative saved."))
    return redirect("reports:detail", report.pk)


@login_required
@require_POST
def run_start(request, pk):
    report = _visible_report(request, pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("reports:detail", report.pk)
    try:
        run = services.report_run_start(actor=request.user, report=report, **form.cleaned_data)
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:detail", report.pk)
    return redirect("reports:run", run.pk)


def _visible_run(request, pk):
    return get_object_or_404(_runs().visible_to(request.user), pk=pk)


@login_required
def run_detail(request, pk):
    """A run: parameters, progress (polled while it runs), error, files, and issuing."""
    run = _visible_run(request, pk)
    context = {
        "run": run,
        "running": run.status in services.WORKING,
        "files": list(run.files.all()),
        "why_not_issue": permissions.why_not_issue(request.user, run),
        "can_delete": permissions.why_not_delete(request.user, run) is None,
        "can_manage": permissions.can_manage_reports(request.user, run.report.entity_id),
    }
    if request.htmx:
        return render(request, "reports/partials/run_status.html", context)
    return render(request, "reports/run.html", context)


def _file_response(report_file):
    """The file as a download (core.files: attachment, nosniff, sandbox); the caller has
    checked that the user may have it."""
    return private_download_response(
        report_file.file.name,
        filename=report_file.download_name,
        content_type=FORMAT_CONTENT_TYPES[report_file.format],
    )


@login_required
def file_download(request, pk, file_id):
    """Stream a run's file to a user who may see the run (the one download door)."""
    report_file = get_object_or_404(
        ReportFile.objects.visible_to(request.user)
        .select_related("run__report")
        .defer("run__dataset"),
        pk=file_id,
        run=pk,
    )
    return _file_response(report_file)


@login_required
@require_POST
def run_issue(request, pk):
    run = _visible_run(request, pk)
    try:
        services.report_run_issue(actor=request.user, run=run)
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The report is being issued: its archival PDF/A copy is made in the background."),
        )
    return redirect("reports:run", run.pk)


@login_required
def run_delete(request, pk):
    """Delete a run that is neither issued nor being worked on: a page that asks first (GET),
    then the deletion (POST)."""
    run = _visible_run(request, pk)
    if not permissions.can_manage_reports(request.user, run.report.entity_id):
        raise PermissionDenied(_("Only the board secretariat deletes report runs."))
    if request.method == "POST":
        report_id = run.report_id
        try:
            services.report_run_delete(actor=request.user, run=run)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("reports:run", run.pk)
        messages.success(request, _("The run has been deleted."))
        return redirect("reports:detail", report_id)
    return render(
        request,
        "reports/run_delete.html",
        {"run": run, "why_not": permissions.why_not_delete(request.user, run)},
    )


@login_required
@require_POST
def run_rerender(request, pk):
    run = _visible_run(request, pk)
    try:
        services.report_run_rerender(actor=request.user, run=run)
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("reports:run", run.pk)


@login_required
@require_POST
def publishing_set(request, entity_id):
    entity = get_object_or_404(Entity, pk=entity_id)
    try:
        services.publishing_set(
            actor=request.user, entity=entity, public=request.POST.get("public") == "1"
        )
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    return redirect("reports:list")


# Public pages: no sign-in, issued runs of entities that opted in, nothing else.


def public_list(request):
    runs = list(
        ReportRun.objects.public()
        .select_related("report", "report__entity")
        .defer("dataset")
        .order_by("-issued_at")[:200]
    )
    return render(request, "reports/public_list.html", {"runs": runs})


def _public_run(pk):
    return get_object_or_404(ReportRun.objects.public().select_related("report"), pk=pk)


def public_detail(request, pk):
    """An issued report and the approved results it contains, from its frozen dataset."""
    run = _public_run(pk)
    from django.utils import translation

    with translation.override(run.language):
        head = masthead(run.dataset)
        columns = indicator_columns()
        rows = indicator_table_rows(run.dataset)
    return render(
        request,
        "reports/public_detail.html",
        {
            "run": run,
            "head": head,
            "columns": columns,
            "rows": rows,
            "files": list(run.files.all()),
        },
    )


def public_file(request, pk, file_id):
    run = _public_run(pk)
    report_file = run.files.filter(pk=file_id).first()
    if report_file is None:
        raise Http404
    return _file_response(report_file)
