"""Excel imports: upload and preview, then commit. Every change of an ImportJob's state and the
import events happen here; importers.py reads and checks, tasks.py only calls these."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import event_record
from core.excel import file_errors
from core.files import XLSX, atomic_with_files, store_private
from core.jobs import job_queued

from .. import permissions
from ..choices import ImportStatus
from ..models import (
    ImportJob,
)
from ._common import (
    _save,
)

log = logging.getLogger(__name__)

# --- imports ----------------------------------------------------------------------------------


@atomic_with_files()
def import_job_create(*, period, upload, actor):
    """Store an uploaded workbook and start reading it (inline if small, in a job if large)."""
    from .. import importers, tasks

    if not upload.name.lower().endswith(".xlsx"):
        raise ValidationError({"file": _("Upload the Excel template (.xlsx).")})
    max_bytes = getattr(settings, "INDICATORS_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
    if upload.size > max_bytes:
        raise ValidationError(
            {
                "file": _("The file is too large; the limit is %(limit)s MB.")
                % {"limit": max_bytes // 1048576}
            }
        )
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise ValidationError({"file": _("This is not an Excel workbook (.xlsx).")})
    if period.is_closed:
        raise ValidationError({"period": _("The reporting period is closed.")})
    if not permissions.can_enter_for(actor, period.plan):  # before reading the file further
        raise PermissionDenied(_("Only the entity's programme officers upload values."))
    try:  # bounded, calamine-free: a hostile workbook is refused before anything is stored
        importers.check_file(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    finally:
        upload.seek(0)
    # Stored privately; removed again if anything below rolls the transaction back.
    stored = store_private(
        upload, folder="imports", allowed_types={".xlsx": XLSX}, max_bytes=max_bytes
    )
    job = ImportJob(
        period=period, file=stored.name, original_name=stored.original_name, created_by=actor
    )
    _save(job, exclude=["period", "created_by"])
    event_record(
        actor=actor,
        action="import.uploaded",
        target=job,
        entity=period.plan.entity,
        payload={"file": job.original_name},
    )
    inline_max = getattr(settings, "INDICATORS_IMPORT_INLINE_MAX_BYTES", 256 * 1024)
    if upload.size <= inline_max:
        import_job_preview(job_id=job.pk)
        job.refresh_from_db()
    else:
        tasks.import_preview.delay_on_commit(job.pk)
    return job


def import_commit(*, job, actor):
    """Write every row of a clean, previewed workbook in one transaction, through
    values_save (the service the form uses). Refused unless the preview found no problem."""

    if job.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person who uploaded the file may commit it."))
    if job.status == ImportStatus.COMMITTED:
        return job
    if job.status != ImportStatus.READY:
        raise ValidationError(
            {"status": _("Only a workbook whose preview found no problem can be committed.")}
        )
    inline_rows = getattr(settings, "INDICATORS_IMPORT_INLINE_ROWS", 2000)
    if job.total_rows > inline_rows:
        from .. import tasks

        # The preview's claim is cleared: the commit is a new message, claimed by its task.
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING, **job_queued())
        transaction.on_commit(lambda: tasks.import_commit.delay(job.pk))
        job.refresh_from_db()
        return job
    return import_job_write(job_id=job.pk)


def import_fail(job, reason):
    """Mark an import whose worker is gone failed, with the reason shown to the user as a
    problem of the whole file (row 0); one already finished stays as it is."""
    working = (ImportStatus.PENDING, ImportStatus.PARSING, ImportStatus.COMMITTING)
    ImportJob.objects.filter(pk=job.pk, status__in=working).update(
        status=ImportStatus.FAILED, errors=[{"row": 0, "column": "", "message": str(reason)}]
    )


@transaction.atomic
def import_retry(*, job, actor):
    """Read a failed import again (its worker died, or reading it failed): the uploader
    only; the workbook is read afresh and must be previewed before it is committed."""
    from .. import tasks

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person who uploaded the file may retry it."))
    if job.status != ImportStatus.FAILED:
        raise ValidationError({"status": _("Only a failed import can be retried.")})
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.PENDING, errors=[], processed_rows=0, total_rows=0, written_rows=0,
        **job_queued(),
    )  # fmt: skip
    event_record(actor=actor, action="import.retried", target=job, entity=job.period.plan.entity)
    tasks.import_preview.delay_on_commit(job.pk)
    job.refresh_from_db()
    return job


def _update(job_id, **fields):
    ImportJob.objects.filter(pk=job_id).update(**fields)


def import_job_preview(*, job_id):
    """Read and check an uploaded workbook, store its problems and how many rows a commit
    would write (rows_to_write; written_rows stays 0). Safe to run twice."""
    from .. import importers

    job = ImportJob.objects.select_related("period__plan", "created_by").get(pk=job_id)
    if job.status not in (ImportStatus.PENDING, ImportStatus.PARSING):
        return job
    _update(job_id, status=ImportStatus.PARSING)

    def progress(done, total):
        # Also a sign of life for core.jobs.sweep().
        _update(job_id, processed_rows=done, total_rows=total, heartbeat_at=timezone.now())

    try:
        rows, problems, total = importers.check_rows(job, on_progress=progress)
    except Exception:
        log.exception("import %s: preview failed", job_id)
        _update(
            job_id,
            status=ImportStatus.FAILED,
            errors=[{"row": 0, "column": "", "message": str(_("The file could not be read."))}],
        )
        raise
    if not rows and not problems.count:
        problems.add(0, None, _("The workbook has no value to write."))
    _update(
        job_id,
        status=ImportStatus.INVALID if problems.count else ImportStatus.READY,
        total_rows=total,
        processed_rows=total,
        rows_to_write=len(rows),
        written_rows=0,
        errors=importers.error_list(problems),
    )
    job.refresh_from_db()
    return job


def import_job_write(*, job_id):
    """Write a previewed workbook: every row in one transaction through values_save, or
    nothing at all. Safe to run twice (a committed job is left alone)."""
    from .. import importers
    from ._common import StaleVersion
    from .values import values_save

    job = ImportJob.objects.select_related("period__plan__entity", "created_by").get(pk=job_id)
    if job.status == ImportStatus.COMMITTED:
        return job
    _update(job_id, status=ImportStatus.COMMITTING)
    rows, problems, _total = importers.check_rows(job, validate=False)
    if problems.count:
        _update(job_id, status=ImportStatus.INVALID, errors=importers.error_list(problems))
        job.refresh_from_db()
        return job
    try:
        with transaction.atomic():
            values_save(period=job.period, rows=rows, actor=job.created_by)
            _update(job_id, status=ImportStatus.COMMITTED, written_rows=len(rows))
            event_record(
                actor=job.created_by,
                action="import.committed",
                target=job,
                entity=job.period.plan.entity,
                payload={"rows": len(rows)},
            )
    except (ValidationError, PermissionDenied, StaleVersion) as exc:
        _update(job_id, status=ImportStatus.INVALID, errors=file_errors(exc))
    job.refresh_from_db()
    return job
