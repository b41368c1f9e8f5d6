"""Export jobs in the archive: thin — visibility through ExportRun.objects.visible_to, writes
through services_exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.excel import XLSX
from core.files import private_download_response

from . import services_exports
from .choices import ExportStatus
from .models_exports import ExportRun

ARCHIVE_SIZE = 100


def _visible(request):
    return ExportRun.objects.visible_to(request.user).select_related("requested_by")


@login_required
def export_list(request):
    """The exports the user may see, newest first (a section of the archive page, loaded by
    htmx; a page of its own without it)."""
    runs = list(_visible(request)[:ARCHIVE_SIZE])
    context = {"exports": runs, "user_id": request.user.pk}
    if request.htmx:
        return render(request, "reports/partials/export_list.html", context)
    return render(request, "reports/exports.html", context)


@login_required
def export_detail(request, pk):
    """One export: what was asked, its progress (polled while it works) and its file."""
    run = get_object_or_404(_visible(request), pk=pk)
    context = {"export": run, "can_delete": services_exports.can_delete(request.user, run)}
    if request.htmx:
        return render(request, "reports/partials/export_status.html", context)
    return render(request, "reports/export.html", context)


@login_required
def export_file(request, pk):
    """The file of a finished export, to a user who may see the export (the one door)."""
    run = get_object_or_404(_visible(request), pk=pk)
    if run.status != ExportStatus.SUCCEEDED or not run.file:
        raise Http404(_("The export has no file (yet)."))
    return private_download_response(run.file.name, filename=run.filename, content_type=XLSX)


@login_required
@require_POST
def export_delete(request, pk):
    run = get_object_or_404(_visible(request), pk=pk)
    try:
        services_exports.export_delete(run=run, actor=request.user)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:export", run.pk)
    messages.success(request, _("Export deleted."))
    return redirect("reports:list")
