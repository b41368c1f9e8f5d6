"""Excel: the entry template, imports and their commit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exports import export_response, params_dict

from .. import exporters, selectors, services
from ..choices import ImportStatus
from ..forms import (
    ImportForm,
)
from ..models import ImportJob, ReportingPeriod
from ._common import _entry_period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


@login_required
def values_export(request):
    """The list of values the user reads (GET /api/v1/values/'s list), filtered by the
    values filters, as Excel: at once when small, else as a job kept in the report archive.
    The review page exports its own list (review_export)."""
    if not exporters.VALUES.can_view(request.user):
        raise PermissionDenied(_("You do not read any indicator values."))
    return export_response(request, exporters.VALUES)


@login_required
def review_export(request):
    """The review page's list as Excel — the rows the page lists, with its filters and its
    default status: at once when small, else as a job kept in the report archive."""
    if not exporters.REVIEW.can_view(request.user):
        raise PermissionDenied(_("Only reviewers review values."))
    params = params_dict(selectors.review_query(request.GET))
    return export_response(request, exporters.REVIEW, params=params)


@login_required
def progress_export(request):
    """The current progress results the user reads (e.g. ?plan=<id>), as Excel: at once when
    small, else as a job kept in the report archive."""
    if not exporters.PROGRESS.can_view(request.user):
        raise PermissionDenied(_("You do not read any indicator values."))
    return export_response(request, exporters.PROGRESS)
