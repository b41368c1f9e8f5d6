"""Imports of recommendation files as jobs: upload, preview, write. Every change of a
RecommendationImport's state and its events happen here (re-exported by services); importers.py
reads and checks, tasks.py only calls these. Small files are read at once, inside the request,
after core.excel.xlsx_check has bounded what the reader may allocate; larger ones in a job.

The write is set-based: the checked rows go into a staging table in one COPY, new reports are
created by one INSERT ... SELECT, and recommendations by one INSERT ... ON CONFLICT DO UPDATE
that leaves unchanged rows alone, all in one transaction — a fixed number of queries whatever
the rows. Row history is attributed once for the transaction to the user and the import
(core.bulk.history_context); the merge writes its recommendations' history rows itself (the
per-row triggers were half of its time), new reports keep theirs through their triggers."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import event_record
from core.bulk import (
    history_context,
    history_rows,
    stage,
    triggers_off,
    triggers_on,
)
from core.excel import MB, file_errors
from core.jobs import job_beat, job_queued

from . import permissions as perms
from .choices import ImportStatus
from .importers import CLOSED, SEEN, STAGING, WRITTEN
from .models import OversightBody, Recommendation, RecommendationImport

log = logging.getLogger(__name__)

# Progress of each step, in percent of the job's current step.
READ, CHECKED, DONE = 30, 60, 100
# The preview keeps a clean file's checked rows for the write (importers._compare_staged), in
# an UNLOGGED table of its own with the version of each recommendation it compared them to.
KEPT_PREFIX = "oversight_import_rows_"
# How long a previewed file's rows stay kept for its write; later the write reads the file again.
KEPT_FOR = timedelta(days=7)


def _update(job_id, **fields):
    RecommendationImport.objects.filter(pk=job_id).update(**fields)


def _progress(job_id, percent):
    """How far the step has come, and a sign of life for core.jobs.sweep()."""
    _update(job_id, progress=percent)
    job_beat(RecommendationImport, job_id)


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
    max_bytes = getattr(settings, "OVERSIGHT_IMPORT_MAX_BYTES", 100 * MB)
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


def _read_and_check(job, *, preview=True):
    """The file read and checked (importers.check), with progress on the job; a clean
    file's rows kept for the write when ``preview``."""
    from . import importers

    frame = importers.read_frame(_stored(job))
    _progress(job.pk, READ)
    keep = _kept_table(job.pk) if preview else None
    checked = importers.check(frame, job.created_by, preview=preview, keep=keep)
    _progress(job.pk, CHECKED)
    return checked


def recommendation_import_preview(*, job_id):
    """Read and check the file, store every row-level problem, what would change (the
    preview, old → new) and how many rows an import would write (rows_to_write; written_rows
    stays 0). Safe to run twice."""
    job = RecommendationImport.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportStatus.PENDING, ImportStatus.PARSING):
        return job
    _update(job_id, status=ImportStatus.PARSING, progress=0)
    try:
        _prune_kept()
        checked = _read_and_check(job)  # a clean file's rows kept (importers._compare_staged)
        if not checked.is_clean:
            _drop_kept(job_id)
    except ValidationError as exc:
        _update(job_id, status=ImportStatus.INVALID, errors=file_errors(exc), progress=DONE)
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
        status=ImportStatus.READY if checked.is_clean else ImportStatus.INVALID,
        total_rows=checked.total,
        rows_to_write=checked.to_write if checked.is_clean else 0,
        written_rows=0,
        errors=checked.errors,
        preview=checked.preview,
        summary=checked.summary,
        progress=DONE,
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
        # The preview's claim is cleared: the commit is a new message, claimed by its task.
        _update(job.pk, status=ImportStatus.COMMITTING, progress=0, **job_queued())
        transaction.on_commit(lambda: tasks.recommendation_import_write.delay(job.pk))
        job.refresh_from_db()
        return job
    return recommendation_import_write(job_id=job.pk)


def _kept_table(job_id):
    return f"{KEPT_PREFIX}{int(job_id)}"


def _staging_frame(rows, columns):
    """The checked rows' ``columns`` with every empty cell as NULL (the merge turns a text's
    NULL back into "")."""
    frame = rows.reindex(columns=list(columns)).copy()
    for column in columns:
        cells = frame[column].astype(object)
        frame[column] = cells.where(~(cells.isna() | (cells == "")), None)
    return frame


def _prune_kept():
    """Drop the kept rows of imports no longer waiting to be written, or previewed more than
    KEPT_FOR ago and left (always safe: their write reads the file again). Two queries and a
    DROP per table dropped; called by each preview."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relpersistence = 'u' "
            "AND relnamespace = current_schema()::regnamespace AND starts_with(relname, %s)",
            [KEPT_PREFIX],
        )
        names = [name for (name,) in cursor.fetchall()]
    ids = {int(n.removeprefix(KEPT_PREFIX)) for n in names if n.removeprefix(KEPT_PREFIX).isdigit()}
    if not ids:
        return
    live = set(
        RecommendationImport.objects.filter(
            pk__in=ids,
            status__in=(ImportStatus.PARSING, ImportStatus.READY, ImportStatus.COMMITTING),
            created_at__gte=timezone.now() - KEPT_FOR,
        ).values_list("pk", flat=True)
    )
    for job_id in ids - live:
        _drop_kept(job_id)


def _drop_kept(job_id):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_kept_table(job_id)}")


def _kept_and_current(job):
    """The name of the table the preview kept its rows in, if they can be written as they
    are: the table holds the file's rows, every recommendation they name is the very row
    version the preview compared them to (none written, created or deleted since), and every
    report, entity and unit they refer to still exists — one query over the whole set. Else
    None, and the write reads and checks the file again."""
    table = _kept_table(job.pk)
    with connection.cursor() as cursor:
        # A table kept before the preview said what changes (no "action") is read again.
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) "
            "AND attname = 'action')",
            [table],
        )
        if not cursor.fetchone()[0]:
            return None
        # The references by their distinct values (a few hundred ids, not one probe a row).
        missing = " + ".join(
            f"(SELECT count(*) FROM (SELECT DISTINCT {column} AS id FROM {table} "
            f"WHERE {column} IS NOT NULL) k WHERE NOT EXISTS "
            f"(SELECT 1 FROM {target} t WHERE t.id = k.id))"
            for column, target in (
                ("report_id", "oversight_oversightreport"),
                ("entity_id", "entities_entity"),
                ("org_unit_id", "entities_orgunit"),
            )
        )
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE s.seen IS DISTINCT FROM {SEEN}), "
            f"{missing} FROM {table} s LEFT JOIN oversight_recommendation r "
            "ON r.body_id = s.body_id AND r.reference = s.reference"
        )
        rows, changed, gone = cursor.fetchone()
        stale = changed + gone
    if rows != job.total_rows or stale:
        log.info("oversight import %s: data changed since the preview; checking again", job.pk)
        return None
    return table


def recommendation_import_write(*, job_id):
    """Write every row of the previewed file in one transaction (recommendations_merge), or
    nothing. The rows the preview checked and kept are written as they are unless something
    they depend on changed since (_kept_and_current); then the file is read and checked
    again. A database that refuses the write (a constraint, a lost connection) leaves the job
    invalid or failed with a message, and nothing written. Safe to run twice (an imported
    job, or one the sweeper failed, is left alone)."""
    job = RecommendationImport.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportStatus.READY, ImportStatus.COMMITTING):
        return job
    _update(job_id, status=ImportStatus.COMMITTING, progress=0)
    try:
        kept = _kept_and_current(job)
        rows, total = None, job.total_rows
        if kept is None:
            checked = _read_and_check(job, preview=False)
            if not checked.is_clean:
                _drop_kept(job_id)
                _update(
                    job_id,
                    status=ImportStatus.INVALID,
                    errors=checked.errors or file_errors(ValidationError(_("No row to import."))),
                    preview=checked.preview,
                    rows_to_write=0,
                    progress=DONE,
                )
                job.refresh_from_db()
                return job
            rows, total = checked.rows, checked.total
        else:
            _progress(job_id, CHECKED)
        with transaction.atomic():
            counts = recommendations_merge(rows=rows, staged=kept, actor=job.created_by, job=job)
            written = counts["created"] + counts["updated"]
            _update(
                job_id,
                status=ImportStatus.COMMITTED,
                total_rows=total,
                written_rows=written,
                rows_to_write=written,
                created_count=counts["created"],
                updated_count=counts["updated"],
                unchanged_count=counts["unchanged"],
                errors=[],
                progress=DONE,
            )
            event_record(
                actor=job.created_by,
                action="oversight.import.committed",
                target=job,
                payload={
                    "file": job.original_name,
                    "rows": total,
                    **counts,
                    # The data changed between the preview and the import: checked again.
                    "checked_again": kept is None,
                },
            )
            _drop_kept(job_id)
    except (ValidationError, PermissionDenied) as exc:
        _drop_kept(job_id)
        _update(job_id, status=ImportStatus.INVALID, errors=file_errors(exc), progress=DONE)
    except DatabaseError:
        # Everything the write did was rolled back with its transaction (savepoint). A second
        # write of the same job that lost the race to the first leaves the first's result.
        log.exception("oversight import %s: the database refused the write", job_id)
        _drop_kept(job_id)
        RecommendationImport.objects.filter(pk=job_id, status=ImportStatus.COMMITTING).update(
            status=ImportStatus.INVALID,
            errors=file_errors(
                ValidationError(
                    _(
                        "The database refused the import, so nothing was written: the data "
                        "may have changed while it ran. Upload the file again to check it "
                        "against the current data."
                    )
                )
            ),
            rows_to_write=0,
            progress=DONE,
        )
    job.refresh_from_db()
    return job


def recommendation_import_fail(job, reason):
    """Mark a job whose worker is gone failed, with the reason (core.jobs.sweep). Its write
    was one transaction: the database rolled it back when the worker's connection closed."""
    RecommendationImport.objects.filter(
        pk=job.pk, status__in=(ImportStatus.PARSING, ImportStatus.COMMITTING)
    ).update(status=ImportStatus.FAILED, errors=file_errors(ValidationError(reason)))
    _drop_kept(job.pk)


def recommendations_merge(*, rows=None, staged=None, actor, job):
    """Write checked rows (importers.check) set-based, inside the caller's transaction: the
    rows a preview kept (``staged``, importers._compare_staged; those it found unchanged are
    left out) or ``rows`` COPied into a staging table, one INSERT of the reports the file
    names first, one INSERT ... ON CONFLICT (body, reference) DO UPDATE of the
    recommendations that skips rows holding the same values, writing the history row of each
    recommendation it inserts or changes (with the user and the import as context) in the
    same statement. The body's status decides the review state (closed when it records the
    recommendation closed, reopened when it no longer does). The deferred constraints are
    checked at its end, so that a refusal is raised here (an IntegrityError), not at the
    caller's COMMIT. A fixed number of queries whatever the rows; returns {"created",
    "updated", "unchanged", "reports_created"}."""
    if staged is None:
        staged = "ovs_import_stage"
        stage(staged, STAGING, _staging_frame(rows, STAGING))
    if actor is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT body_id FROM {staged}")
            ids = {b for (b,) in cursor.fetchall()}
        for body in OversightBody.objects.filter(pk__in=ids):
            if not perms.can_create_in_body(actor, body):
                raise PermissionDenied(str(perms.WHY_NOT[perms.EDIT]))
    context_id = history_context(
        user=getattr(actor, "pk", None), import_id=job.pk, file=job.original_name
    )
    closed = ", ".join(f"'{s}'" for s in CLOSED)  # choice values, not user input
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO oversight_oversightreport "
            "(body_id, symbol, title_en, title_zh, issued_on, volume, entity_id, is_illustrative) "
            "SELECT DISTINCT ON (body_id, report) body_id, report, report_title, '', "
            f"report_date, COALESCE(volume, ''), entity_id, false FROM {staged} "
            "WHERE report_id IS NULL AND report_title IS NOT NULL AND report_date IS NOT NULL "
            "ORDER BY body_id, report, row "
            "ON CONFLICT (body_id, symbol) DO NOTHING"
        )
        reports_created = cursor.rowcount
        set_columns = list(WRITTEN)
        new_values = {
            "report_id": "COALESCE(s.report_id, p.id)",
            **{c: f"COALESCE(s.{c}, '')" for c in WRITTEN if STAGING[c] == "text"},
        }
        select = ", ".join(new_values.get(c, f"s.{c}") for c in set_columns)
        review = (
            f"CASE WHEN EXCLUDED.status IN ({closed}) THEN 'closed' "
            "WHEN r.review_state = 'closed' THEN 'open' ELSE r.review_state END"
        )
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in set_columns)
        old = ", ".join(f"r.{c}" for c in set_columns)
        new = ", ".join(f"EXCLUDED.{c}" for c in set_columns)
        # History of the recommendations: written by the merge itself (core.bulk).
        history = history_rows(
            Recommendation,
            source="merged",
            label="CASE WHEN pgh_created THEN 'insert' ELSE 'update' END",
        )
        # Rows the preview found unchanged, with nothing written since (_kept_and_current).
        skip = "WHERE s.action <> 'n' " if rows is None else ""
        triggers_off(Recommendation)
        cursor.execute(
            "WITH merged AS ("
            "INSERT INTO oversight_recommendation AS r "
            f"(body_id, reference, {', '.join(set_columns)}, review_state, proposed_status, "
            "created_at, updated_at) "
            f"SELECT s.body_id, s.reference, {select}, "
            f"CASE WHEN s.status IN ({closed}) THEN 'closed' ELSE 'open' END, '', "
            "statement_timestamp(), statement_timestamp() "
            f"FROM {staged} s LEFT JOIN oversight_oversightreport p "
            "ON s.report_id IS NULL AND p.body_id = s.body_id AND p.symbol = s.report "
            f"{skip}"
            "ORDER BY s.row "
            "ON CONFLICT (body_id, reference) DO UPDATE SET "
            f"{assignments}, review_state = {review}, updated_at = EXCLUDED.updated_at "
            f"WHERE ({old}, r.review_state) IS DISTINCT FROM ({new}, {review}) "
            "RETURNING r.*, (r.xmax = 0) AS pgh_created), "
            f"history AS ({history}) "
            "SELECT count(*) FILTER (WHERE pgh_created), "
            "count(*) FILTER (WHERE NOT pgh_created) FROM merged",
            [context_id],
        )
        created, updated = cursor.fetchone()
        triggers_on()
        if rows is None:
            cursor.execute(f"SELECT count(*) FROM {staged}")
            total = cursor.fetchone()[0]
        else:
            total = len(rows)
        # The deferred checks now, then deferred again for the rest of the transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
    return {
        "created": created,
        "updated": updated,
        "unchanged": total - created - updated,
        "reports_created": reports_created,
    }
