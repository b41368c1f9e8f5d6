"""A large workbook is read and written by a real Celery worker, and the job shows progress."""

import os
import signal
import time
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from indicators import services
from indicators.choices import ImportStatus, ValueKind
from indicators.models import ImportJob, Value
from tests.indicators.factories import IndicatorFactory
from tests.indicators.test_excel import workbook
from tests.test_celery_worker import WORKER_TIMEOUT, start_worker, worker  # noqa: F401  (the fixture)


def wait_for(job_id, statuses, timeout=WORKER_TIMEOUT, model=ImportJob):
    """The job once the worker has brought it to one of ``statuses`` (any import job model)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = model.objects.get(pk=job_id)
        if job.status in statuses:
            return job
        time.sleep(0.2)
    pytest.fail(f"import {job_id} stayed {job.status}")


@pytest.mark.worker
@override_settings(INDICATORS_IMPORT_INLINE_MAX_BYTES=0, INDICATORS_IMPORT_INLINE_ROWS=0)
def test_worker_reads_and_writes_an_import(worker, officer, plan, period):  # noqa: F811
    for i in range(30):
        IndicatorFactory(plan=plan, code=f"W{i:02d}", value_kind=ValueKind.NUMBER, order=i)
    edits = {f"W{i:02d}": (i + 0.5, None) for i in range(30)}
    job = services.import_job_create(
        period=period, upload=SimpleUploadedFile("w.xlsx", workbook(period, edits)), actor=officer
    )
    assert job.status == ImportStatus.PENDING
    job = wait_for(job.pk, {ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED})
    assert job.status == ImportStatus.READY, job.errors
    assert job.processed_rows == job.total_rows == 30
    services.import_commit(job=job, actor=officer)
    job = wait_for(job.pk, {ImportStatus.COMMITTED, ImportStatus.INVALID})
    assert job.status == ImportStatus.COMMITTED
    assert Value.objects.count() == 30
    assert Value.objects.get(indicator__code="W07").numeric_value == Decimal("7.5")


def children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(child) for child in f.read().split()]


@pytest.mark.worker
def test_a_run_whose_worker_is_killed_is_swept_failed(transactional_db, api, reviewer):
    from core import jobs
    from indicators.models import ProgressSnapshot, SnapshotStatus
    from indicators.services.progress import progress_run_start, switch

    # Another session holds the full run's lock: the worker's run claims its snapshot, then
    # waits there, mid-job, until it is killed.
    other = connection.get_new_connection(connection.get_connection_params())
    other.autocommit = True
    other.execute("SELECT pg_advisory_lock(%s)", [switch._RUN_LOCK])
    proc = start_worker()
    try:
        snapshot = progress_run_start(actor=reviewer)
        deadline = time.monotonic() + WORKER_TIMEOUT
        while not ProgressSnapshot.objects.get(pk=snapshot.pk).task_id:
            assert time.monotonic() < deadline, (
                f"the worker did not claim the run within {WORKER_TIMEOUT} s"
            )
            time.sleep(0.2)
        snapshot.refresh_from_db()
        assert snapshot.worker and snapshot.heartbeat_at
        # While the worker lives it answers that it runs the task: the sweep spares it.
        later = timezone.now() + jobs.GRACE + timedelta(seconds=1)
        assert jobs.jobs_sweep(now=later) == {"indicators.progress": []}
        # The whole worker dies at once (out of memory, the machine gone): its main process
        # and the pool process running the task.
        pool = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)
        other.close()
    swept = jobs.jobs_sweep(now=later)
    assert [s.pk for s in swept["indicators.progress"]] == [snapshot.pk]
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED and not snapshot.is_current
    assert snapshot.worker in snapshot.error
    # The user sees it, and may start again.
    api.force_authenticate(reviewer)
    body = api.get(f"/api/v1/progress/runs/{snapshot.pk}/").json()
    assert body["status"] == "failed" and "stopped" in body["error"]
    with mock.patch("indicators.tasks.compute_progress_run.delay"):
        assert api.post("/api/v1/progress/runs/", {}, format="json").status_code == 202


@pytest.mark.worker
def test_worker_refuses_a_hostile_workbook_and_lives(worker, officer, plan, period):  # noqa: F811
    """A job whose stored file reaches XFD1048576 (stored before the upload check existed, say):
    the worker refuses it with the limit, the job does not stay "parsing", the worker lives."""
    from tests.excel_files import cell, header_row, sheet_xml, xlsx
    from tests.indicators.test_import_limits import TITLES

    far = xlsx(sheet_xml(header_row(TITLES) + f'<row r="1048576">{cell("XFD1048576", 1)}</row>'))
    job = ImportJob(period=period, original_name="far.xlsx", created_by=officer)
    job.file.save("far.xlsx", SimpleUploadedFile("far.xlsx", far), save=True)
    from indicators import tasks

    tasks.import_preview.delay(job.pk)
    job = wait_for(job.pk, {ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED})
    assert job.status == ImportStatus.INVALID
    assert "XFD1048576" in job.errors[0]["message"]
    assert worker.poll() is None  # the worker process is still running
    assert not Value.objects.exists()


def _waiting_on_lock(table):
    """Backends (other than this one) waiting for a lock while writing `table`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query ILIKE %s AND pid <> pg_backend_pid()",
            [f'%INSERT INTO "{table}"%'],  # Django's statements quote the table
        )
        return cursor.fetchone()[0]


@pytest.mark.worker
@override_settings(INDICATORS_IMPORT_INLINE_MAX_BYTES=0, INDICATORS_IMPORT_INLINE_ROWS=0)
def test_an_import_killed_mid_commit_writes_nothing_and_is_swept_failed(
    transactional_db, officer, plan, period
):
    from core import jobs

    for i in range(30):
        IndicatorFactory(plan=plan, code=f"K{i:02d}", value_kind=ValueKind.NUMBER, order=i)
    edits = {f"K{i:02d}": (i + 0.5, None) for i in range(30)}
    history = Value.pgh_event_model.objects.count()
    proc = start_worker()
    other = connection.get_new_connection(connection.get_connection_params())
    other.autocommit = True
    try:
        job = services.import_job_create(
            period=period,
            upload=SimpleUploadedFile("k.xlsx", workbook(period, edits)),
            actor=officer,
        )
        job = wait_for(job.pk, {ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED})
        assert job.status == ImportStatus.READY, job.errors
        # Another session holds the audit table: the commit's transaction merges the values
        # and their history, then waits there for the import's event, mid-commit, until it is
        # killed.
        other.execute("BEGIN")
        other.execute("LOCK TABLE audit_event IN EXCLUSIVE MODE")
        services.import_commit(job=job, actor=officer)
        deadline = time.monotonic() + WORKER_TIMEOUT
        while not _waiting_on_lock("audit_event"):
            assert time.monotonic() < deadline, "the commit did not reach its events"
            time.sleep(0.2)
        job.refresh_from_db()
        assert job.status == ImportStatus.COMMITTING and job.task_id
        pool = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        try:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(30)
        finally:
            # Always released: else the test database's teardown waits for it for ever.
            other.execute("ROLLBACK")
            other.close()
    # The dead worker's transaction is rolled back by PostgreSQL once its client is gone.
    deadline = time.monotonic() + 30
    while _waiting_on_lock("audit_event") or _running("indicators_value"):
        assert time.monotonic() < deadline, "the killed worker's session stayed"
        time.sleep(0.2)
    assert not Value.objects.exists()
    assert Value.pgh_event_model.objects.count() == history
    later = timezone.now() + jobs.GRACE + timedelta(seconds=1)
    swept = jobs.jobs_sweep(now=later)
    assert [s.pk for s in swept["indicators.import"]] == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.worker in job.errors[0]["message"]
    assert not Value.objects.exists()


def _running(table):
    """Backends (other than this one) inside a transaction that wrote `table`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = %s AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()",
            [table],
        )
        return cursor.fetchone()[0]
