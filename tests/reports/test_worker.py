"""A real Celery worker renders a run; a worker killed mid-run (SIGKILL, the whole process
group) leaves no run "running" for ever: the shared sweeper (core.jobs), asking Celery which
workers run what, sends it again and a new worker completes it."""

import os
import signal
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from core import jobs
from entities.choices import Role
from indicators.models import ProgressSnapshot, SnapshotStatus
from reports.choices import RunStatus
from reports.models import Report, ReportFile, ReportRun
from reports.selectors import content_digest
from reports.tasks import render_run
from resultsframework.celery import app
from tests.indicators.factories import PlanFactory
from tests.reports.datasets import sample_dataset
from tests.test_celery_worker import start_worker as start_shared_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent.parent


def start_worker(purge=True):
    """The suite's worker (its own process group, so that a test can kill it whole)."""
    return start_shared_worker("--without-heartbeat", purge=purge)


def wait_for(run, statuses, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in statuses:
            return run
        time.sleep(0.2)
    pytest.fail(f"run {run.pk} still {run.status} after {seconds} s")


def _hold_files_table():
    """A second database session holding an EXCLUSIVE lock on the report files table until it
    is closed (plain reads pass; SELECT ... FOR UPDATE and writes wait)."""
    settings = connection.settings_dict
    held = psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"] or None,
        password=settings["PASSWORD"] or None, host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )  # fmt: skip
    held.execute(f"LOCK TABLE {ReportFile._meta.db_table} IN EXCLUSIVE MODE")
    return held


@pytest.fixture
def queued_run(unops):
    snapshot = ProgressSnapshot.objects.create(
        as_of=date(2027, 1, 15), status=SnapshotStatus.COMPLETE, is_current=True
    )
    report = Report.objects.create(
        entity=unops, plan=PlanFactory(entity=unops), year=2026, symbol="DP/OPS/2027/2",
        document_date=date(2027, 4, 1), title_en="Annual report",
    )  # fmt: skip
    dataset = sample_dataset("zh-hans")
    return ReportRun.objects.create(
        report=report, language="zh-hans", formats=["xlsx", "docx", "pdf"], snapshot=snapshot,
        dataset=dataset, digest=content_digest(dataset),
    )  # fmt: skip


def test_a_killed_worker_leaves_no_run_stuck_and_a_retry_completes_it(queued_run):
    app.control.purge()
    # Another session locks the files table: the worker claims the run (RUNNING) and then
    # waits to keep its first file, so it is killed mid-run however fast it renders.
    held = _hold_files_table()
    worker = start_worker()
    try:
        render_run.delay(queued_run.pk)
        run = wait_for(queued_run, {RunStatus.RUNNING})
        run.refresh_from_db()
        assert run.worker and run.task_id  # claimed by the worker's task
        # While the worker lives it answers that it runs the task: the sweep spares it.
        later = timezone.now() + jobs.GRACE + timezone.timedelta(seconds=1)
        assert jobs.jobs_sweep(now=later).get("reports.run", []) == []
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its child, mid-run
        worker.wait(30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        held.close()  # the lock goes with the session
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # what the dead worker left
    later = timezone.now() + jobs.GRACE + timezone.timedelta(seconds=1)  # past its last beat
    swept = jobs.jobs_sweep(now=later)["reports.run"]  # its worker answers no more
    assert [(s.pk, s.resent) for s in swept] == [(run.pk, True)]  # found, sent again
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    worker = start_worker(purge=False)  # the run was sent again: keep it on the queue
    try:
        run = wait_for(run, {RunStatus.SUCCEEDED, RunStatus.FAILED}, seconds=180)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.attempts == 2
    assert sorted(run.files.values_list("format", flat=True)) == ["docx", "pdf", "xlsx"]


def test_a_real_worker_issues_a_run_and_a_failed_issue_is_shown(queued_run, unops):
    """Issuing returns at once; the worker makes the archival PDF/A and issues the run. An
    issue the worker cannot complete leaves the run succeeded, not issued, with the error."""
    from reports import services
    from tests.factories import user_with_role

    secretariat = user_with_role(Role.BOARD_SECRETARIAT, unops, username="t-sec-worker")
    ReportRun.objects.filter(pk=queued_run.pk).update(status=RunStatus.SUCCEEDED, progress=100)
    broken = ReportRun.objects.create(
        report=queued_run.report, language="en", formats=["xlsx"], snapshot=queued_run.snapshot,
        dataset=queued_run.dataset, digest="f" * 64, status=RunStatus.SUCCEEDED, progress=100,
    )  # fmt: skip
    worker = start_worker()
    try:
        for run in (queued_run, broken):
            run.refresh_from_db()
            asked = services.report_run_issue(actor=secretariat, run=run)
            assert asked.status == RunStatus.ISSUING and not asked.is_issued
        # "issuing" until the worker has done it (succeeded: issued, or not with the error)
        issued = wait_for(queued_run, {RunStatus.SUCCEEDED}, seconds=180)
        failed = wait_for(broken, {RunStatus.SUCCEEDED}, seconds=180)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    assert issued.is_issued and issued.issued_by == secretariat and issued.worker
    archival = issued.files.get(variant="archival")
    assert archival.format == "pdf" and archival.size > 0
    assert not failed.is_issued and "Issuing failed" in failed.error
    assert not failed.files.filter(variant="archival").exists()
