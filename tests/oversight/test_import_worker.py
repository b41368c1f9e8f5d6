"""A recommendations file read and written by a real Celery worker, through Redis."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from benchmarks.oversight import import_csv
from oversight import services, tasks
from oversight.choices import ImportStatus
from oversight.models import OversightReport, Recommendation, RecommendationImport
from tests.excel_files import cell, header_row, sheet_xml, xlsx
from tests.indicators.test_worker import wait_for as indicators_wait_for
from tests.oversight.test_import_commit import _kept
from tests.oversight.test_import_jobs import CSV
from tests.test_celery_worker import start_worker, worker  # noqa: F401  (the fixture)


@pytest.fixture
def _private_media():
    """The worker is another process: uploads stay in the test settings' MEDIA_ROOT."""


def wait_for(job_id, statuses):
    return indicators_wait_for(job_id, statuses, model=RecommendationImport)


@pytest.mark.worker
@override_settings(OVERSIGHT_IMPORT_INLINE_MAX_BYTES=0, OVERSIGHT_IMPORT_INLINE_ROWS=0)
def test_worker_reads_and_writes_a_recommendations_file(worker, oios, unops, oios_auditor):  # noqa: F811
    job = services.recommendation_import_create(
        upload=SimpleUploadedFile("recs.csv", CSV.encode()), actor=oios_auditor
    )
    assert job.status == ImportStatus.PENDING
    job = wait_for(job.pk, {ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED})
    assert job.status == ImportStatus.READY, job.errors
    assert (job.rows_to_write, job.written_rows) == (2, 0)
    services.recommendation_import_commit(job=job, actor=oios_auditor)
    job = wait_for(job.pk, {ImportStatus.COMMITTED, ImportStatus.INVALID})
    assert job.status == ImportStatus.COMMITTED and job.written_rows == 2
    assert Recommendation.objects.count() == 2


@pytest.mark.worker
def test_worker_refuses_a_hostile_workbook_and_lives(worker, oios, oios_auditor):  # noqa: F811
    far = xlsx(sheet_xml(header_row(["body"]) + f'<row r="1048576">{cell("XFD1048576", 1)}</row>'))
    job = RecommendationImport(original_name="far.xlsx", created_by=oios_auditor)
    job.file.save("far.xlsx", SimpleUploadedFile("far.xlsx", far), save=True)
    tasks.recommendation_import_preview.delay(job.pk)
    job = wait_for(job.pk, {ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED})
    assert job.status == ImportStatus.INVALID
    assert "XFD1048576" in job.errors[0]["message"]
    assert worker.poll() is None


def _blocked_backend(timeout=60):
    """The pid of the database session waiting on a row lock inside the import's merge."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                ["WITH merged AS (INSERT INTO oversight_recommendation%"],
            )
            row = cursor.fetchone()
            if row:
                return row[0]
            time.sleep(0.2)
    pytest.fail("the worker's merge did not reach the locked row")


def _gone(pid, timeout=60):
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                return
            time.sleep(0.2)
    pytest.fail(f"the killed worker's session {pid} stayed")


@pytest.mark.worker
@override_settings(OVERSIGHT_IMPORT_INLINE_ROWS=0)
def test_a_job_killed_mid_commit_writes_nothing_and_is_failed(
    transactional_db, oios, unops, oios_auditor
):
    """The worker dies (SIGKILL, its pool process too) while its merge has written half of a
    1,000-row file inside its transaction: nothing is written, the sweeper fails the job."""
    from core import jobs
    from tests.indicators.test_worker import children
    from tests.oversight.factories import RecommendationFactory, ReportFactory

    data = import_csv(1000, n_reports=20)
    existing = RecommendationFactory(
        report=ReportFactory(body=oios, symbol="OLD/1", entity=unops),
        entity=unops,
        reference="B0000500",  # the file's row 502: the merge writes 500 rows, then waits
        text_en="As it was",
    )
    job = services.recommendation_import_create(
        upload=SimpleUploadedFile("recs.csv", data), actor=oios_auditor, in_background=False
    )
    assert job.status == ImportStatus.READY and job.summary["update"] == 1 and _kept(job)
    # Another session holds the existing row: the worker's merge stops there, mid-commit.
    other = connection.get_new_connection(connection.get_connection_params())
    other.autocommit = False
    other.execute("SELECT id FROM oversight_recommendation WHERE id = %s FOR UPDATE", [existing.pk])
    proc = start_worker()
    try:
        services.recommendation_import_commit(job=job, actor=oios_auditor)
        backend = _blocked_backend()
        job.refresh_from_db()
        assert job.status == ImportStatus.COMMITTING and job.worker and job.task_id
        later = timezone.now() + jobs.GRACE + timedelta(seconds=1)
        # While the worker lives it answers that it runs the task: the sweep spares it.
        assert jobs.jobs_sweep(now=later) == {"oversight.import": []}
        pool = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)
        other.rollback()
        other.close()
    # The session finds its client gone once the lock is free, and rolls back.
    _gone(backend)
    swept = jobs.jobs_sweep(now=later)
    assert [s.pk for s in swept["oversight.import"]] == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.worker in job.errors[0]["message"]
    assert list(Recommendation.objects.values_list("reference", "text_en")) == [
        ("B0000500", "As it was")
    ]
    assert list(OversightReport.objects.values_list("symbol", flat=True)) == ["OLD/1"]
    assert not _kept(job)  # the rows its preview kept went with the failed job
