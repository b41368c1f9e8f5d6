"""Excel imports: upload and preview, then commit."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import event_record

from .. import permissions
from ..choices import ImportStatus
from ..models import (
    ImportJob,
)
from ._common import (
    _save,
)

# --- imports ----------------------------------------------------------------------------------


@transaction.atomic
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
    job = ImportJob(period=period, original_name=upload.name[:255], created_by=actor)
    job.file.save(upload.name, upload, save=False)
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
