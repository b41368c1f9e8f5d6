"""Every write of the reports app: keyword-only arguments and an `actor`, permission and state
checked, validated, audited. Views, API, the render_report command and the tasks all call
these."""

import hashlib
import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import event_record
from core.files import DOCX, PDF, XLSX, atomic_with_files, delete_private, store_private
from core.jobs import job_claim, job_queued

from . import permissions
from .choices import Format, Language, RunStatus
from .models import (
    NarrativeSection,
    Publishing,
    Report,
    ReportFile,
    ReportRun,
    download_name,
)
from .renderers import render
from .selectors import content_digest, pinnable_snapshot, report_dataset

log = logging.getLogger(__name__)

# A second message for a running run (sent again by the sweeper while the first still ran)
# leaves the run to the worker rendering it while its heartbeat (touched after each file) is
# younger than this. Whether that worker is gone is the sweeper's to say (core.jobs).
STALE_AFTER = timedelta(minutes=5)
# Times a run is sent to a worker (the first and those after a worker was lost) before it
# is failed.
MAX_ATTEMPTS = 3
# A run being issued (its archival PDF/A rendered by a worker) is working too: it is not
# rendered again, deleted or issued twice meanwhile, and the sweeper watches it.
WORKING = permissions.WORKING
# What a run writes, checked by core.files like any other private file (a renderer bug that
# wrote something else fails the run rather than storing it).
OUTPUT_TYPES = {".xlsx": XLSX, ".docx": DOCX, ".pdf": PDF}
# A report of a large plan is bigger than an uploaded attachment may be.
OUTPUT_MAX_BYTES = 200 * 1024 * 1024


def _require(actor, entity, check=permissions.can_manage_reports):
    if not check(actor, entity):
        raise PermissionDenied(_("Only the board secretariat of the entity may do this."))


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def report_create(*, actor, entity, plan, year, symbol, document_date, title_en, **fields):
    """A new draft report of `entity` on `plan` for `year`, with its UN document header."""
    _require(actor, entity)
    report = _save(
        Report(
            entity=entity,
            plan=plan,
            year=year,
            symbol=(symbol or "").strip(),
            document_date=document_date,
            title_en=title_en,
            created_by=actor,
            **fields,
        )
    )
    event_record(actor=actor, action="reports.report.created", target=report, entity=entity)
    return report


@transaction.atomic
def report_update(*, actor, report, **fields):
    """Change the header of a draft report (symbol, date, session, agenda item, titles)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    _require(actor, report.entity)
    before = {k: str(getattr(report, k)) for k in fields}
    for key, value in fields.items():
        setattr(report, key, value)
    _save(report)
    event_record(
        actor=actor,
        action="reports.report.updated",
        target=report,
        entity=report.entity,
        payload={"before": before, "after": {k: str(v) for k, v in fields.items()}},
    )
    return report


@transaction.atomic
def report_narrative_save(*, actor, report, node=None, text_en="", text_zh=""):
    """Write the summary (no node) or the commentary on one result of the report's plan, in
    English and Chinese. Kept with the draft; each run freezes what it finds."""
    _require(actor, report.entity)
    if node is not None and node.plan_id != report.plan_id:
        raise ValidationError({"node": _("The result is not part of the report's plan.")})
    key = NarrativeSection.SUMMARY if node is None else f"node-{node.pk}"
    section, _created = NarrativeSection.objects.select_for_update().get_or_create(
        report=report, key=key, defaults={"node": node, "updated_by": actor}
    )
    section.text_en, section.text_zh, section.updated_by = text_en, text_zh, actor
    _save(section)
    event_record(
        actor=actor,
        action="reports.narrative.saved",
        target=report,
        entity=report.entity,
        payload={"section": key},
    )
    return section


def _clean_run_params(language, formats):
    errors = {}
    if language not in Language.values:
        errors["language"] = _("Choose English or Simplified Chinese.")
    formats = list(dict.fromkeys(formats or []))
    if not formats:
        errors["formats"] = _("Choose at least one format.")
    elif any(f not in Format.values for f in formats):
        errors["formats"] = _("Unknown format: choose among Excel, Word and PDF.")
    if errors:
        raise ValidationError(errors)
    return [f for f in Format.values if f in formats]  # a fixed order


def report_run_start(*, actor, report, language, formats, enqueue=True):
    """Queue a run: pin the current progress snapshot, freeze the dataset (values, statuses,
    roll-ups, oversight figures, narrative) with its content digest, and send the rendering
    to a worker once the transaction has committed (unless `enqueue` is False: the caller
    renders it itself, as render_report does)."""
    _require(actor, report.entity)
    formats = _clean_run_params(language, formats)
    with transaction.atomic():
        snapshot = pinnable_snapshot()
        if snapshot is None:
            raise ValidationError(
                {"snapshot": _("Progress has not been computed yet: there is nothing to report.")}
            )
        # Locks the snapshot row: a prune running now waits, then sees it pinned.
        type(snapshot).objects.select_for_update().filter(pk=snapshot.pk).update(pinned=True)
        dataset = report_dataset(report=report, snapshot=snapshot, language=language)
        run = ReportRun(
            report=report,
            language=language,
            formats=formats,
            snapshot=snapshot,
            dataset=dataset,
            digest=content_digest(dataset),
            requested_by=actor,
        )
        _save(run)
        event_record(
            actor=actor,
            action="reports.run.started",
            target=run,
            entity=report.entity,
            payload={"language": language, "formats": formats, "digest": run.digest},
        )
        if enqueue:
            _enqueue(run)
    return run


def _enqueue(run):
    from .tasks import render_run

    transaction.on_commit(lambda: render_run.delay(run.pk))


def _store_output(run, filename, data: bytes):
    """Write a run's file into private storage (core.files: checked, a random name under
    reports/<run>/) and return its storage name. Call it inside `atomic_with_files`."""
    stored = store_private(
        data,
        filename=filename,
        folder=f"reports/{run.pk}",
        allowed_types=OUTPUT_TYPES,
        max_bytes=OUTPUT_MAX_BYTES,
    )
    return stored.name


def _keep_file(run, fmt, data, variant=""):
    """Store a file and its row together; a re-render replaces the file of the same format
    (the old one is removed once the new row is committed)."""
    with atomic_with_files():
        name = _store_output(run, download_name(run, fmt, variant), data)
        old = (
            ReportFile.objects.select_for_update()
            .filter(run=run, format=fmt, variant=variant)
            .values_list("file", flat=True)
            .first()
        )
        ReportFile.objects.update_or_create(
            run=run,
            format=fmt,
            variant=variant,
            defaults={"file": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
        )
        if old and old != name:
            transaction.on_commit(lambda: delete_private(old))


def _touch(run_id, **fields):
    fields["heartbeat_at"] = timezone.now()
    ReportRun.objects.filter(pk=run_id).update(**fields)


def report_run_execute(*, run_id, takeover=False):
    """Render a run's files from its frozen dataset (the task's body), or, for a run being
    issued, its archival PDF/A copy, and issue it. Safe to run twice: a succeeded or failed
    run is left as it is; a run another worker is working on (fresh heartbeat) is left to it
    unless `takeover` (the broker redelivered the message because the worker died). Any error
    marks the run failed with the error shown (an issue that fails leaves the run as it was
    before, succeeded and not issued, with the error shown)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().select_related("report").get(pk=run_id)
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            return run
        fresh = run.heartbeat_at and run.heartbeat_at > timezone.now() - STALE_AFTER
        if run.status in (RunStatus.RUNNING, RunStatus.ISSUING) and fresh and not takeover:
            return run
        issuing = run.status == RunStatus.ISSUING
        if run.attempts >= MAX_ATTEMPTS:
            give_up = _issue_fail if issuing else _fail
            return give_up(run, _("Gave up after %(n)s attempts.") % {"n": run.attempts})
        if not issuing:
            run.status, run.started_at = RunStatus.RUNNING, timezone.now()
        run.progress, run.error = 5, ""
        run.attempts += 1
        run.save(update_fields=["status", "progress", "error", "attempts", "started_at"])
        job_claim(ReportRun, run.pk)  # this worker and task run it now; heartbeat
    if issuing:
        return _issue_execute(run)
    try:
        if content_digest(run.dataset) != run.digest:
            raise ValueError("the frozen dataset does not match its content digest")
        step = 90 // len(run.formats)
        for i, fmt in enumerate(run.formats):
            data = render(fmt, run.dataset, run.digest)
            _keep_file(run, fmt, data)
            _touch(run.pk, progress=5 + step * (i + 1))
    except Exception as exc:  # every error is the run's: shown on its page, never lost
        log.exception("reports: run %s failed", run.pk)
        with transaction.atomic():
            run = ReportRun.objects.select_for_update().get(pk=run.pk)
            return _fail(run, f"{type(exc).__name__}: {exc}")
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run.pk)
        run.status, run.progress, run.finished_at = RunStatus.SUCCEEDED, 100, timezone.now()
        run.heartbeat_at = run.finished_at
        run.save(update_fields=["status", "progress", "finished_at", "heartbeat_at"])
        event_record(
            actor=None, action="reports.run.succeeded", target=run, entity=run.report.entity
        )
    return run


def _issue_execute(run):
    """Render the archival PDF/A copy of a run being issued (claimed by this worker) and issue
    the run with it, in one transaction: the archive never holds an issued run without its
    archival copy, nor the copy of a run that is not issued."""
    try:
        if content_digest(run.dataset) != run.digest:
            raise ValueError("the frozen dataset does not match its content digest")
        archival = render(Format.PDF, run.dataset, run.digest, archival=True)
        _touch(run.pk, progress=80)
        with atomic_with_files():
            run = ReportRun.objects.select_for_update().select_related("report").get(pk=run.pk)
            if run.status != RunStatus.ISSUING:  # failed by the sweeper meanwhile
                return run
            _keep_file(run, Format.PDF, archival, variant="archival")
            run.status, run.progress, run.issued_at = RunStatus.SUCCEEDED, 100, timezone.now()
            run.heartbeat_at = run.issued_at
            run.save(update_fields=["status", "progress", "issued_at", "heartbeat_at"])
            event_record(
                actor=run.issued_by,
                action="reports.run.issued",
                target=run,
                entity=run.report.entity,
                payload={"digest": run.digest},
            )
    except Exception as exc:  # shown on the run's page, never stuck "issuing"
        log.exception("reports: issuing run %s failed", run.pk)
        with transaction.atomic():
            run = ReportRun.objects.select_for_update().select_related("report").get(pk=run.pk)
            if run.status != RunStatus.ISSUING:
                return run
            return _issue_fail(run, f"{type(exc).__name__}: {exc}")
    return run


def _issue_fail(run, error):
    """A (locked) run whose issuing failed goes back to what it was: succeeded, not issued,
    its files kept, with the error shown; it may be issued again."""
    run.status, run.progress, run.issued_by = RunStatus.SUCCEEDED, 100, None
    run.error = (_("Issuing failed: %(error)s") % {"error": error})[:2000]
    run.heartbeat_at = timezone.now()
    run.save(update_fields=["status", "progress", "issued_by", "error", "heartbeat_at"])
    return _failed(run, "reports.run.issue_failed", variant="archival")


def _fail(run, error):
    """Mark the (locked) run failed with `error`. Its files go: a failed run offers none (a
    half re-rendered run would mix files of two renderings); the stored files are removed once
    the transaction has committed."""
    run.status, run.error, run.finished_at = RunStatus.FAILED, error[:2000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return _failed(run, "reports.run.failed")


def _failed(run, action, **files):
    """What a failure leaves: the run's files (those matching `files`) deleted, and the event
    `action` with the run's error as its reason."""
    _delete_files(ReportFile.objects.filter(run=run, **files))
    event_record(actor=None, action=action, target=run, entity=run.report.entity, reason=run.error)
    return run


def _refuse(actor, run, reason):
    """Raise for a refused action (`reason`, from reports.permissions): PermissionDenied when
    the actor does not manage the entity's reports, else ValidationError (the run's state)."""
    if reason:
        if not permissions.can_manage_reports(actor, run.report.entity_id):
            raise PermissionDenied(reason)
        raise ValidationError(reason)


def _send_again(run, status, *fields):
    """Save the (locked) run as `status`, its progress, error and attempts reset, as a job sent
    to the workers now (core.jobs.job_queued), with its other changed `fields`."""
    run.status, run.progress, run.error, run.attempts = status, 0, "", 0
    queued = job_queued()
    for field, value in queued.items():
        setattr(run, field, value)
    run.save(update_fields=["status", "progress", "error", "attempts", *fields, *queued])


@transaction.atomic
def report_run_rerender(*, actor, run, enqueue=True):
    """Render a finished run again from its frozen dataset (same content digest): e.g. after
    a failure, or to replace lost files."""
    run = ReportRun.objects.select_for_update().select_related("report").get(pk=run.pk)
    _require(actor, run.report.entity)
    if run.status in WORKING:
        raise ValidationError(_("The run is still being rendered."))
    if run.is_issued:
        raise ValidationError(_("An issued run is not rendered again."))
    run.finished_at = None
    _send_again(run, RunStatus.QUEUED, "finished_at")
    event_record(actor=actor, action="reports.run.rerendered", target=run, entity=run.report.entity)
    if enqueue:
        _enqueue(run)
    return run


@transaction.atomic
def report_run_issue(*, actor, run, enqueue=True):
    """Issue (publish) a succeeded run: it is sent to a worker, which renders its archival
    PDF/A copy from the frozen dataset and then issues it (report_run_execute); the run
    becomes visible to the entity's readers (and on the public page if the entity opted in)
    once that is done. Returns at once with the run "issuing"."""
    run = ReportRun.objects.select_for_update().select_related("report").get(pk=run.pk)
    _refuse(actor, run, permissions.why_not_issue(actor, run))
    run.issued_by = actor
    _send_again(run, RunStatus.ISSUING, "issued_by")
    event_record(
        actor=actor,
        action="reports.run.issue_requested",
        target=run,
        entity=run.report.entity,
        payload={"digest": run.digest},
    )
    if enqueue:
        _enqueue(run)
    return run


def _delete_files(files):
    """Delete file rows and, once the transaction has committed, their stored files."""
    names = list(files.values_list("file", flat=True))
    files.delete()
    for name in names:
        transaction.on_commit(lambda name=name: delete_private(name))


@transaction.atomic
def report_run_delete(*, actor, run):
    """Delete a run that is neither issued (the archive keeps those) nor being rendered, with
    its files (stored files removed once the deletion has committed)."""
    run = ReportRun.objects.select_for_update().select_related("report").get(pk=run.pk)
    _refuse(actor, run, permissions.why_not_delete(actor, run))
    event_record(
        actor=actor,
        action="reports.run.deleted",
        target=run,
        entity=run.report.entity,
        payload={"language": run.language, "formats": run.formats, "digest": run.digest},
    )
    _delete_files(ReportFile.objects.filter(run=run))
    run.delete()


def report_run_fail(run, reason):
    """For core.jobs' sweeper: a run whose worker is gone for good, past its time limit or
    never claimed is failed with the reason (one that finished meanwhile stays as it is)."""
    with transaction.atomic():
        run = (
            ReportRun.objects.select_for_update()
            .select_related("report")
            .filter(pk=run.pk, status__in=WORKING)
            .first()
        )
        if run is not None:
            if run.attempts >= MAX_ATTEMPTS:
                reason = f"{reason} " + _("Gave up after %(n)s attempts.") % {"n": run.attempts}
            (_issue_fail if run.status == RunStatus.ISSUING else _fail)(run, reason)


def report_run_resend(run, reason):
    """For core.jobs' sweeper: a run whose worker is gone is sent to a worker again while it
    has attempts left (True); otherwise False, and the sweeper fails it."""
    with transaction.atomic():
        run = (
            ReportRun.objects.select_for_update()
            .select_related("report")
            .filter(pk=run.pk, status__in=WORKING)
            .first()
        )
        if run is None or run.attempts >= MAX_ATTEMPTS:
            return False
        if run.status != RunStatus.ISSUING:  # a run being issued is sent to be issued again
            run.status = RunStatus.QUEUED
        queued = job_queued()
        for field, value in queued.items():
            setattr(run, field, value)
        run.save(update_fields=["status", *queued])
        event_record(
            actor=None,
            action="reports.run.resent",
            target=run,
            entity=run.report.entity,
            reason=reason,
        )
        _enqueue(run)
    return True


@transaction.atomic
def publishing_set(*, actor, entity, public):
    """Opt the entity in to (or out of) the public page of issued reports."""
    _require(actor, entity)
    setting, _created = Publishing.objects.select_for_update().get_or_create(entity=entity)
    setting.public = bool(public)
    _save(setting)
    event_record(
        actor=actor,
        action="reports.publishing.set",
        target=setting,
        entity=entity,
        payload={"public": setting.public},
    )
    return setting
