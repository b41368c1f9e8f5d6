"""Imports of recommendation files as jobs: upload, preview, write. Every change of a
RecommendationImport's state and its events happen here (re-exported by services); importers.py
reads and checks, tasks.py only calls these. Small files are read at once, inside the request,
after core.excel.xlsx_check has bounded what the reader may allocate; larger ones in a job."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import event_record
from core.excel import MB, file_errors

from . import permissions as perms
from .choices import ImportStatus
from .models import RecommendationImport

log = logging.getLogger(__name__)


def _update(job_id, **fields):
    RecommendationImport.objects.filter(pk=job_id).update(**fields)


def _stored(job):
    """The stored file under the name it was uploaded with (its extension says how to read)."""
    with job.file.open("rb") as f:
        return SimpleUploadedFile(job.original_name, f.read())


@transaction.atomic
def recommendation_import_create(*, upload, actor, in_background=None):
    """Store an uploaded .xlsx/.csv file and start reading it: at once if small, else in a
    job (``in_background`` True/False decides instead, e.g. False for the command). Refused,
    with nothing stored, for a user who audits no body, a file of another kind or too large,
    or a workbook that fails the zip and reach check."""
    from . import importers, tasks

    if not perms.can_import(actor):
        raise PermissionDenied(str(perms.WHY_NOT[perms.EDIT]))
    name = (upload.name or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise ValidationError({"file": _("Upload an .xlsx or .csv file.")})
    max_bytes = getattr(settings, "OVERSIGHT_IMPORT_MAX_BYTES", 20 * MB)
    if upload.size > max_bytes:
        raise ValidationError(
            {
                "file": _("The file is too large; the limit is %(limit)s MB.")
                % {"limit": max_bytes // MB}
            }
        )
    if name.endswith(".xlsx"):
        try:
            importers.check_workbook(upload)
        except ValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        finally:
            upload.seek(0)
    job = RecommendationImport(original_name=upload.name[:255], created_by=actor)
    job.file.save(upload.name, upload, save=False)
    job.full_clean(exclude=["created_by", "file"])
    job.save()
    event_record(
        actor=actor,
        action="oversight.import.uploaded",
        target=job,
        payload={"file": job.original_name},
    )
    if in_background is None:
        inline_max = getattr(settings, "OVERSIGHT_IMPORT_INLINE_MAX_BYTES", 256 * 1024)
        in_background = upload.size > inline_max
    if not in_background:
        return recommendation_import_preview(job_id=job.pk)
    tasks.recommendation_import_preview.delay_on_commit(job.pk)
    return job


def recommendation_import_preview(*, job_id):
    """Read and check the file, store the row-level problems, the preview and how many rows
    an import would write (rows_to_write; written_rows stays 0). Safe to run twice."""
    from . import importers

    job = RecommendationImport.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportStatus.PENDING, ImportStatus.PARSING):
        return job
    _update(job_id, status=ImportStatus.PARSING)
    try:
        rows = importers.parse_upload(_stored(job))
        result = importers.validate_rows(rows, job.created_by)
    except ValidationError as exc:
        _update(job_id, status=ImportStatus.INVALID, errors=file_errors(exc))
        job.refresh_from_db()
        return job
    except Exception:
        log.exception("oversight import %s: preview failed", job_id)
        _update(
            job_id,
            status=ImportStatus.FAILED,
            errors=file_errors(ValidationError(_("The file could not be read."))),
        )
        raise
    _update(
        job_id,
        status=ImportStatus.READY if result.is_clean else ImportStatus.INVALID,
        total_rows=len(rows),
        rows_to_write=len(result.rows) if result.is_clean else 0,
        written_rows=0,
        errors=result.errors,
        preview=result.preview,
    )
    job.refresh_from_db()
    return job


def recommendation_import_commit(*, job, actor, in_background=None):
    """Write every row of a clean, previewed file (at once if small, else in a job, unless
    ``in_background`` says). Refused unless the uploader asks and the preview found no
    problem."""
    from . import tasks

    if job.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person who uploaded the file may import it."))
    if job.status == ImportStatus.COMMITTED:
        return job
    if job.status != ImportStatus.READY:
        raise ValidationError(
            {"status": _("Only a file whose preview found no problem can be imported.")}
        )
    if in_background is None:
        in_background = job.total_rows > getattr(settings, "OVERSIGHT_IMPORT_INLINE_ROWS", 2000)
    if in_background:
        _update(job.pk, status=ImportStatus.COMMITTING)
        transaction.on_commit(lambda: tasks.recommendation_import_write.delay(job.pk))
        job.refresh_from_db()
        return job
    return recommendation_import_write(job_id=job.pk)


def recommendation_import_write(*, job_id):
    """Read and check the file again (the data may have changed since the preview), then
    write every row through recommendations_import in one transaction, or nothing. Safe to
    run twice (an imported job is left alone)."""
    from . import importers
    from .services import recommendations_import

    job = RecommendationImport.objects.select_related("created_by").get(pk=job_id)
    if job.status == ImportStatus.COMMITTED:
        return job
    _update(job_id, status=ImportStatus.COMMITTING)
    try:
        result = importers.validate_rows(importers.parse_upload(_stored(job)), job.created_by)
        if not result.is_clean:
            raise ValidationError([e["message"] for e in result.errors] or _("No row to import."))
        with transaction.atomic():
            counts = recommendations_import(rows=result.rows, actor=job.created_by)
            _update(
                job_id,
                status=ImportStatus.COMMITTED,
                written_rows=len(result.rows),
                rows_to_write=len(result.rows),
                created_count=counts["created"],
                updated_count=counts["updated"],
                errors=[],
            )
            event_record(
                actor=job.created_by,
                action="oversight.import.committed",
                target=job,
                payload={"rows": len(result.rows), **counts},
            )
    except (ValidationError, PermissionDenied) as exc:
        _update(job_id, status=ImportStatus.INVALID, errors=file_errors(exc))
    job.refresh_from_db()
    return job
