"""Export jobs: start one (a list too large to stream at once), write it in a worker with its
progress, fail one whose worker is gone, delete one with its file. The rows come from the
list's own export kind (core.exports.ExportKind): its visibility, its filters, its columns."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import event_record
from core import exports
from core.files import XLSX, atomic_with_files, delete_private, store_private
from core.jobs import job_claim

from .choices import ExportStatus
from .models_exports import ExportRun

log = logging.getLogger(__name__)

EXPORT_TIME_LIMIT = timedelta(minutes=30)
WORKING = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def _kind(kind):
    found = exports.get_kind(kind if isinstance(kind, str) else kind.name)
    if found is None:
        raise ValidationError(
            {"kind": _("There is no list “%(kind)s” to export.") % {"kind": kind}}
        )
    return found


@transaction.atomic
def export_start(*, kind, params, actor):
    """Queue the export of list `kind` filtered by `params` ({name: [values]}, the list
    page's query) as `actor` sees it. Refused (PermissionDenied) if the actor may not see the
    list, (ValidationError) for an unknown list or filters the list does not accept."""
    kind = _kind(kind)
    if not kind.can_view(actor):
        raise PermissionDenied(_("You may not see this list, so you may not export it."))
    if not isinstance(params, dict):
        raise ValidationError({"filters": _("The filters must be an object of names and values.")})
    params = {
        str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in params.items()
    }
    total = kind.queryset(actor, params).count()  # refuses bad filters before anything is written
    run = ExportRun(
        kind=kind.name,
        params=params,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        total_rows=total,
        requested_by=actor,
    )
    run.full_clean()
    run.save()
    event_record(
        actor=actor,
        action="reports.export.requested",
        target=run,
        payload={"list": kind.name, "filters": params, "rows": total},
    )
    from . import tasks_exports

    tasks_exports.export_write.delay_on_commit(run.pk)
    return run


def _claim(run_id):
    with transaction.atomic():
        run = ExportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in WORKING:
            return None  # gone, done or failed: a message delivered again leaves it alone
        run.status = ExportStatus.RUNNING
        run.progress, run.written_rows, run.error = 0, 0, ""
        run.started_at = timezone.now()
        run.save(update_fields=["status", "progress", "written_rows", "error", "started_at"])
    job_claim(ExportRun, run_id)
    return run


def export_run_execute(*, run_id):
    """Write export `run_id` (in a worker): the rows its requester sees now, filtered as
    asked, with progress in percent; the file goes to private storage. Safe to run twice."""
    run = _claim(run_id)
    if run is None:
        return ExportRun.objects.filter(pk=run_id).first()
    try:
        _write(run)
    except Exception as exc:
        log.exception("export %s failed", run_id)
        export_fail(run, _("The export failed: %(error)s") % {"error": exc})
    return ExportRun.objects.get(pk=run_id)


def _write(run):
    kind = _kind(run.kind)
    actor = run.requested_by
    if actor is None or not kind.can_view(actor):
        raise PermissionDenied(_("The person who asked for the export may no longer see the list."))
    with translation.override(run.language):
        queryset = kind.queryset(actor, run.params)
        total = queryset.count()
        entity_ids = sorted(
            set(queryset.order_by().values_list(kind.entity_path, flat=True).distinct())
        )

        def progress(done):
            ExportRun.objects.filter(pk=run.pk, status=ExportStatus.RUNNING).update(
                progress=min(99, done * 100 // max(total, 1)),
                written_rows=done,
                heartbeat_at=timezone.now(),
            )

        filename = exports.export_filename(kind, timezone.localdate())
        handle = exports.xlsx_tempfile(kind.sheets(queryset), progress=progress)
    with handle, atomic_with_files():
        stored = store_private(
            File(handle, name=filename),
            folder=f"exports/{run.pk}",
            allowed_types={".xlsx": XLSX},
            filename=filename,
            max_bytes=settings.EXPORT_MAX_BYTES,
        )
        done = ExportRun.objects.filter(pk=run.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.SUCCEEDED,
            progress=100,
            total_rows=total,
            written_rows=total,
            entity_ids=entity_ids,
            file=stored.name,
            filename=filename,
            size=stored.size,
            finished_at=timezone.now(),
        )
        if not done:  # failed by the sweeper meanwhile: the file goes with the rollback
            raise ValidationError(_("The export was stopped while it was written."))


def export_fail(run, reason):
    """Mark an export still queued or running failed, with the reason shown to the user."""
    ExportRun.objects.filter(pk=run.pk, status__in=WORKING).update(
        status=ExportStatus.FAILED, error=str(reason)[:2000], finished_at=timezone.now()
    )


def export_runs_working():
    return ExportRun.objects.filter(status=ExportStatus.RUNNING)


def can_delete(user, run):
    return bool(
        user and user.is_authenticated and (user.is_superuser or run.requested_by_id == user.pk)
    )


@transaction.atomic
def export_delete(*, run, actor):
    """Delete an export and its file: the person who asked for it (or a superuser) only,
    once it is no longer being written."""
    run = ExportRun.objects.select_for_update().get(pk=run.pk)
    if not can_delete(actor, run):
        raise PermissionDenied(_("Only the person who asked for an export may delete it."))
    if run.status == ExportStatus.RUNNING:
        raise ValidationError({"status": _("The export is being written; delete it once done.")})
    name = run.file.name
    event_record(
        actor=actor,
        action="reports.export.deleted",
        target=run,
        payload={"list": run.kind, "rows": run.total_rows, "file": run.filename},
    )
    run.delete()
    if name:
        transaction.on_commit(lambda: delete_private(name))
