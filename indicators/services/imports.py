"""Excel imports: upload and preview, then commit. Every change of an ImportJob's state and the
import events happen here; importers.py reads and checks, tasks.py only calls these."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import event_record
from core.bulk import history_context
from core.excel import file_errors
from core.files import (
    XLSX,
    atomic_with_files,
    delete_private,
    open_private,
    private_storage,
    store_private,
)
from core.jobs import job_progress, job_queued

from .. import permissions
from ..choices import ImportStatus
from ..models import ImportJob, ReportingPeriod
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
        import_job_preview(job_id=job.pk, checked=True)  # the upload was checked above
        job.refresh_from_db()
    else:
        tasks.import_preview.delay_on_commit(job.pk)
    return job


def import_commit(*, job, actor):
    """Write every row of a clean, previewed workbook in one transaction, through
    set-based statements (services.values_bulk). Refused unless the preview found no problem."""

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
        unchanged_rows=0, progress=0, changes=[], **job_queued(),
    )  # fmt: skip
    event_record(actor=actor, action="import.retried", target=job, entity=job.period.plan.entity)
    tasks.import_preview.delay_on_commit(job.pk)
    job.refresh_from_db()
    return job


def _update(job_id, **fields):
    ImportJob.objects.filter(pk=job_id).update(**fields)


def _update_uncommitted(job_id, **fields):
    """Change a job that no commit has finished (a second commit of the same job, e.g. a double
    click, must not mark the first one's work refused); returns whether it did."""
    return bool(
        ImportJob.objects.filter(pk=job_id).exclude(status=ImportStatus.COMMITTED).update(**fields)
    )


def _progress(job_id):
    def progress(total, percent):
        # Also a sign of life for core.jobs.sweep(); seen at once, even from inside the
        # commit's transaction.
        job_progress(
            ImportJob, job_id, total_rows=total, processed_rows=total, progress=int(percent)
        )

    return progress


def import_job_preview(*, job_id, checked=False):
    """Read and check an uploaded workbook; store its problems, what a commit would change
    (old → new, rows_to_write) and what it leaves unchanged (written_rows stays 0). Safe to
    run twice. checked: the stored file is the upload core.excel.xlsx_check has just passed
    (the job's task checks it again: a stored file may predate the check)."""
    from .. import importers

    job = ImportJob.objects.select_related("period__plan", "created_by").get(pk=job_id)
    if job.status not in (ImportStatus.PENDING, ImportStatus.PARSING):
        return job
    _update(job_id, status=ImportStatus.PARSING, progress=0)
    try:
        result = importers.check_workbook(job, on_progress=_progress(job_id), checked=checked)
    except Exception:
        log.exception("import %s: preview failed", job_id)
        _update(
            job_id,
            status=ImportStatus.FAILED,
            errors=[{"row": 0, "column": "", "message": str(_("The file could not be read."))}],
        )
        raise
    problems = result.problems
    if not result.total and not problems.count:
        problems.add(0, None, _("The workbook has no value to write."))
    _keep_checked(job, None if problems.count else result)
    _update(
        job_id,
        status=ImportStatus.INVALID if problems.count else ImportStatus.READY,
        total_rows=result.total,
        processed_rows=result.total,
        progress=100,
        rows_to_write=0 if problems.count else len(result.changes),
        unchanged_rows=result.unchanged,
        written_rows=0,
        changes=[] if problems.count else result.change_list(),
        errors=importers.error_list(problems),
    )
    job.refresh_from_db()
    return job


def _checked_name(job):
    """Where the preview keeps the rows it checked: next to the workbook, in private storage."""
    return f"{job.file.name}.checked.csv"


def _keep_checked(job, result):
    """Keep the rows a commit of `result` (a Checked without problems) writes, as checked
    (values_bulk.checked_csv); none when the preview found problems."""
    from .values_bulk import checked_csv

    name = _checked_name(job)
    delete_private(name)
    if result is not None:
        private_storage().save(name, ContentFile(checked_csv(result).encode()))


def _read_checked(job):
    """The rows the preview checked (CSV text), or None when it kept none (a preview made
    before previews kept them)."""
    try:
        with open_private(_checked_name(job)) as stored:
            return stored.read().decode()
    except FileNotFoundError:
        return None


def _file_problems(*messages):
    """Problems of the whole file (row 0), as a job stores them."""
    return [{"row": 0, "column": "", "message": str(m)} for m in messages]


def import_job_write(*, job_id):
    """Write a previewed workbook in one transaction with set-based statements, or nothing at
    all. The commit does not read the workbook again: it copies back the rows the preview
    checked (with the versions and indicators they were checked against), compares them with
    the database in one statement and refuses if anything they depend on changed since (the
    user uploads again and sees the new preview); then the merge (services.values_bulk) and
    one audit event for the import. Safe to run twice (a committed job is left alone)."""
    from .. import importers
    from .values_bulk import checked_csv, stage_checked, staged_problems, values_write_staged

    job = ImportJob.objects.select_related("period__plan__entity", "created_by").get(pk=job_id)
    if job.status == ImportStatus.COMMITTED:
        return job
    if not _update_uncommitted(job_id, status=ImportStatus.COMMITTING, progress=0):
        job.refresh_from_db()
        return job
    progress = _progress(job_id)
    actor = job.created_by
    try:
        with transaction.atomic():
            # Nobody closes the period while its values are written (value writes go on).
            period = ReportingPeriod.objects.select_for_update(no_key=True).get(pk=job.period_id)
            period.plan = job.period.plan
            total, unchanged = job.total_rows, job.unchanged_rows
            data = _read_checked(job)
            if data is None:  # previewed before previews kept their rows: check it again
                checked = importers.check_workbook(job, on_progress=progress, checked=True)
                if checked.problems.count:
                    raise _Refused(importers.error_list(checked.problems))
                data, total, unchanged = checked_csv(checked), checked.total, checked.unchanged
            elif period.is_closed:
                raise _Refused(_file_problems(_("The reporting period is closed.")))
            history_context(user=actor.pk, service="import", **{"import": job.pk})
            rows = stage_checked(data)
            progress(total, 30)
            problems = staged_problems(period=period, actor=actor)
            if problems:
                raise _Refused(_file_problems(*problems))
            written = values_write_staged(period=period, rows=rows, actor=actor)
            if not _update_uncommitted(
                job_id,
                status=ImportStatus.COMMITTED,
                written_rows=written,
                unchanged_rows=unchanged,
                progress=100,
            ):
                raise _AlreadyCommitted  # by a second commit meanwhile: this one writes nothing
            event_record(
                actor=actor,
                action="import.committed",
                target=job,
                entity=period.plan.entity,
                payload={
                    "file": job.original_name,
                    "rows": written,
                    "unchanged": unchanged,
                    "total": total,
                },
            )
            name = _checked_name(job)
            transaction.on_commit(lambda: delete_private(name))
    except _AlreadyCommitted:
        pass
    except _Refused as exc:
        _update_uncommitted(job_id, status=ImportStatus.INVALID, errors=exc.errors, progress=100)
    except (ValidationError, PermissionDenied) as exc:
        _update_uncommitted(
            job_id, status=ImportStatus.INVALID, errors=file_errors(exc), progress=100
        )
    job.refresh_from_db()
    return job


class _AlreadyCommitted(Exception):
    """Another commit of the same job finished first: this one rolls back."""


class _Refused(Exception):
    """The file checked again at commit has problems (the state changed since the preview):
    the transaction rolls back, the job shows them."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(errors)
