"""Excel imports: upload and preview, then commit."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import event_record
from core.files import XLSX, atomic_with_files, store_private

from .. import permissions
from ..choices import ImportStatus
from ..models import (
    ImportJob,
)
from ._common import (
    _save,
)

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
        importers.import_preview(job_id=job.pk)
        job.refresh_from_db()
    else:
        tasks.import_preview.delay_on_commit(job.pk)
    return job


def import_commit(*, job, actor):
    """Write every row of a clean, previewed workbook in one transaction, through
    values_save (the service the form uses). Refused unless the preview found no problem."""
    from .. import importers

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

        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING)
        transaction.on_commit(lambda: tasks.import_commit.delay(job.pk))
        job.refresh_from_db()
        return job
    return importers.import_commit(job_id=job.pk)


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
        worker="", task_id="", heartbeat_at=None,
    )  # fmt: skip
    event_record(actor=actor, action="import.retried", target=job, entity=job.period.plan.entity)
    tasks.import_preview.delay_on_commit(job.pk)
    job.refresh_from_db()
    return job
