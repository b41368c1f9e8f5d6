# ruff: noqa: F811  (the fixtures `data` and `tree` of test_progress_engine, imported)
"""Progress runs: what changes during a full run is folded in before its switch, marks are
never lost, the selectors read a pinned snapshot, the API starts and follows a run, and jobs
whose worker is gone are swept."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from core import jobs
from indicators import selectors_progress, services
from indicators.choices import ImportStatus, TargetKind
from indicators.models import (
    ImportJob,
    ProgressDirty,
    ProgressResult,
    ProgressSnapshot,
    SnapshotStatus,
)
from indicators.services import progress as engine
from indicators.services.progress import switch
from indicators.tasks import compute_progress_run, drain_progress
from tests.indicators.test_progress_engine import AS_OF, approved, data, tree  # noqa: F401

pytestmark = pytest.mark.django_db


def during_the_run(change):
    """Patch the full run so that `change()` happens after it read everything and before
    its switch (as a change committed meanwhile by someone else would)."""
    write_rollups = switch.write_rollups
    done = []

    def change_then_write(*args, **kwargs):
        if not done:  # once: the fold-in writes roll-ups too
            done.append(change())
        return write_rollups(*args, **kwargs)

    return mock.patch.object(switch, "write_rollups", side_effect=change_then_write)


def row(snapshot, indicator):
    return ProgressResult.objects.select_related("frame").get(
        snapshot=snapshot, indicator=indicator
    )


# ---- folded in before the switch -------------------------------------------------------------


def test_a_value_approved_during_a_full_run_is_folded_in(data, period, officer, reviewer):
    engine.progress_compute_full(as_of=AS_OF)
    with during_the_run(lambda: approved(data["d"], period, "14", officer, reviewer)):
        snapshot = engine.progress_compute_full(as_of=AS_OF)
    d = row(snapshot, data["d"])
    assert d.actual == 14 and d.compact_class == "progress"
    assert not ProgressDirty.objects.exists()  # drained by the run, in its transaction


def test_a_baseline_or_target_edited_during_a_full_run_is_folded_in(data):
    a = data["a"]

    def edit():
        services.baseline_set(
            indicator=a,
            actor=None,
            data={
                "numeric_value": Decimal("12"),
                "period_start": date(2025, 1, 1),
                "period_end": date(2025, 12, 31),
            },
        )
        services.target_set(
            indicator=a,
            year=2029,
            actor=None,
            data={"numeric_value": Decimal("18")},
            target_kind=TargetKind.END,
        )

    engine.progress_compute_full(as_of=AS_OF)
    with during_the_run(edit):
        snapshot = engine.progress_compute_full(as_of=AS_OF)
    got = row(snapshot, a)
    assert (got.baseline, got.target) == (12, 18)
    assert got.percent_of_way == pytest.approx(50.0)  # (15 - 12) / (18 - 12)
    # ... and the same as a full run that read them from the start.
    again = engine.progress_compute_full(as_of=AS_OF)
    assert (row(again, a).baseline, row(again, a).target) == (12, 18)


def test_a_failed_run_keeps_the_marks_for_the_next(data, period, officer, reviewer):
    current = engine.progress_compute_full(as_of=AS_OF)

    def approve_then_break(*args, **kwargs):
        approved(data["d"], period, "14", officer, reviewer)
        raise RuntimeError("disk full")

    with (
        mock.patch.object(switch, "write_rollups", side_effect=approve_then_break),
        pytest.raises(RuntimeError),
    ):
        engine.progress_compute_full(as_of=AS_OF)
    # The approval was inside the failed transaction here; one committed before is marked:
    approved(data["d"], period, "14", officer, reviewer)
    assert ProgressDirty.objects.filter(indicator_id=data["d"].pk).exists()
    assert ProgressSnapshot.objects.get(is_current=True) == current
    engine.progress_compute_indicator()  # the next run, whichever, drains every mark
    assert row(current, data["d"]).actual == 14
    assert not ProgressDirty.objects.exists()


# ---- marks are never lost --------------------------------------------------------------------


def test_a_change_marks_its_indicator_in_its_own_transaction(data, period, officer, reviewer):
    engine.progress_compute_full(as_of=AS_OF)
    assert not ProgressDirty.objects.exists()
    approved(data["d"], period, "14", officer, reviewer)  # no task ran: the enqueue "dropped"
    assert list(ProgressDirty.objects.values_list("indicator_id", flat=True)) == [data["d"].pk]
    drain_progress.apply().get()  # what beat runs every few minutes
    assert row(ProgressSnapshot.objects.get(is_current=True), data["d"]).actual == 14
    assert not ProgressDirty.objects.exists()


@pytest.fixture
def full_run_elsewhere(db):
    """Another session, to hold the full run's lock as a full run computing does."""
    other = connection.get_new_connection(connection.get_connection_params())
    other.autocommit = True
    yield other
    other.close()


@pytest.mark.django_db(transaction=True)  # a full run's lock lasts until its commit
def test_an_incremental_run_waits_for_a_full_one_and_changes_nothing(
    data, period, officer, reviewer, full_run_elsewhere
):
    current = engine.progress_compute_full(as_of=AS_OF)
    full_run_elsewhere.execute("SELECT pg_advisory_lock(%s)", [switch._RUN_LOCK])
    approved(data["d"], period, "14", officer, reviewer)
    with pytest.raises(engine.FullRunInProgress):
        engine.progress_compute_indicator(indicator_id=data["d"].pk)
    assert ProgressDirty.objects.filter(indicator_id=data["d"].pk).exists()  # still marked
    assert row(current, data["d"]).actual is None
    drain_progress.apply().get()  # beat's drain leaves it to the full run, without error
    assert ProgressDirty.objects.exists()
    full_run_elsewhere.execute("SELECT pg_advisory_unlock(%s)", [switch._RUN_LOCK])
    engine.progress_compute_indicator(indicator_id=data["d"].pk)  # the task's retry
    assert row(current, data["d"]).actual == 14


# ---- selectors read the snapshot they are given -------------------------------------------------


def test_selectors_read_a_pinned_snapshot(data, period, officer, reviewer, unops_admin, plan):
    first = engine.progress_compute_full(as_of=AS_OF)
    approved(data["d"], period, "14", officer, reviewer)
    second = engine.progress_compute_full(as_of=AS_OF)
    d = data["d"]
    pinned = selectors_progress.results_visible_to(unops_admin, snapshot=first)
    assert pinned.get(indicator=d).actual is None
    assert selectors_progress.results_visible_to(unops_admin).get(indicator=d).actual == 14
    assert selectors_progress.results_visible_to(unops_admin, snapshot=second.pk).get(
        indicator=d
    ).actual == 14  # fmt: skip
    old = selectors_progress.rollups_visible_to(unops_admin, snapshot=first)
    assert set(old.values_list("snapshot_id", flat=True)) == {first.pk}
    series = selectors_progress.indicator_series(d, snapshot=first)
    assert [r.actual for r in series["results"]] == [None]
    dashboard = selectors_progress.plan_dashboard(plan, unops_admin, snapshot=first)
    assert dashboard["snapshot"] == first


# ---- the API: start a run, follow it ---------------------------------------------------------


RUNS = "/api/v1/progress/runs/"


def test_a_reviewer_starts_a_run_and_follows_it(
    api, data, reviewer, django_capture_on_commit_callbacks
):
    api.force_authenticate(reviewer)
    with (
        mock.patch.object(compute_progress_run, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(RUNS, {"as_of": "2026-11-01"}, format="json")
    assert response.status_code == 202, response.content
    run = ProgressSnapshot.objects.get()
    assert response["Location"].endswith(reverse("progress-run-detail", args=[run.pk]))
    assert response.json()["status"] == "running" and response.json()["url"] == response["Location"]
    delay.assert_called_once_with(run.pk)
    assert Event.objects.filter(action="progress.run_started", target_id=str(run.pk)).exists()
    compute_progress_run.apply(args=[run.pk]).get()  # what the worker runs
    body = api.get(response["Location"]).json()
    assert body["status"] == "complete" and body["is_current"] and body["result_count"] == 4
    assert body["as_of"] == "2026-11-01"
    compute_progress_run.apply(args=[run.pk]).get()  # delivered twice: left alone
    assert ProgressSnapshot.objects.count() == 1


def test_an_administrator_may_start_a_run(api, data, unops_admin):
    api.force_authenticate(unops_admin)
    with mock.patch.object(compute_progress_run, "delay"):
        assert api.post(RUNS, {}, format="json").status_code == 202


@pytest.mark.parametrize("who", ["officer", "auditor", "officer_undp"])
def test_others_may_not_start_a_run(api, data, who, request):
    api.force_authenticate(request.getfixturevalue(who))
    response = api.post(RUNS, {}, format="json")
    assert response.status_code == 403
    assert "reviewers and administrators" in response.json()["detail"]
    assert not ProgressSnapshot.objects.exists()


def test_anonymous_may_neither_start_nor_follow(api, data):
    assert api.post(RUNS, {}, format="json").status_code in (401, 403)
    assert api.get(RUNS).status_code in (401, 403)
    assert not ProgressSnapshot.objects.exists()


def test_a_bad_as_of_is_refused_and_nothing_written(api, data, reviewer):
    api.force_authenticate(reviewer)
    response = api.post(RUNS, {"as_of": "first of November"}, format="json")
    assert response.status_code == 400 and "as_of" in response.json()
    assert not ProgressSnapshot.objects.exists()


def test_runs_list_in_a_fixed_number_of_queries(api, data, officer, django_assert_max_num_queries):
    api.force_authenticate(officer)
    engine.progress_compute_full(as_of=AS_OF)
    with django_assert_max_num_queries(10) as few:
        assert api.get(RUNS).status_code == 200
    for _ in range(5):
        engine.progress_compute_full(as_of=AS_OF)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(RUNS)
    assert response.status_code == 200 and response.json()["count"] == 6


# ---- jobs whose worker is gone are swept -----------------------------------------------------


def claimed(obj, *, worker="w1@host", task_id="t1", ago=timedelta(minutes=5)):
    type(obj).objects.filter(pk=obj.pk).update(
        worker=worker, task_id=task_id, heartbeat_at=timezone.now() - ago
    )
    obj.refresh_from_db()
    return obj


def test_sweep_fails_a_run_whose_worker_is_gone_and_spares_a_busy_one(db):
    gone = claimed(ProgressSnapshot.objects.create(as_of=AS_OF))
    busy = claimed(ProgressSnapshot.objects.create(as_of=AS_OF), worker="w2@host", task_id="t2")
    fresh = claimed(ProgressSnapshot.objects.create(as_of=AS_OF), ago=timedelta(seconds=10))
    queued = ProgressSnapshot.objects.create(as_of=AS_OF)  # not claimed yet: waits its turn
    swept = jobs.jobs_sweep(active={"w2@host": {"t2"}})
    assert [s.pk for s in swept["indicators.progress"]] == [gone.pk]
    gone.refresh_from_db()
    assert gone.status == SnapshotStatus.FAILED and "w1@host" in gone.error
    assert gone.finished_at is not None
    for spared in (busy, fresh, queued):
        spared.refresh_from_db()
        assert spared.status == SnapshotStatus.RUNNING


def test_sweep_fails_a_job_past_its_time_limit_even_if_its_worker_answers(db):
    stuck = claimed(ProgressSnapshot.objects.create(as_of=AS_OF), ago=timedelta(hours=2))
    jobs.jobs_sweep(active={"w1@host": {"t1"}})
    stuck.refresh_from_db()
    assert stuck.status == SnapshotStatus.FAILED and "time limit" in stuck.error


def test_sweep_spares_a_job_run_inline_until_its_time_limit(db):
    inline = claimed(ProgressSnapshot.objects.create(as_of=AS_OF), worker="web:12", task_id="")
    assert jobs.jobs_sweep(active={}) == {"indicators.progress": []}
    inline.refresh_from_db()
    assert inline.status == SnapshotStatus.RUNNING


def test_a_run_no_worker_ever_took_is_failed_after_the_grace(
    db, reviewer, django_capture_on_commit_callbacks
):
    from indicators.services.progress import progress_run_start

    with django_capture_on_commit_callbacks(execute=False):  # its message is lost
        snapshot = progress_run_start(actor=reviewer)
    assert snapshot.heartbeat_at is None
    at_limit = snapshot.queued_at + jobs.UNCLAIMED_GRACE
    assert jobs.jobs_sweep(now=at_limit, active={}) == {}  # exactly at the grace: waits
    swept = jobs.jobs_sweep(now=at_limit + timedelta(seconds=1), active={})
    assert [s.pk for s in swept["indicators.progress"]] == [snapshot.pk]
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED and "message was lost" in snapshot.error


def test_a_swept_import_shows_the_reason_and_may_be_retried(
    db, plan, period, officer, reviewer, django_capture_on_commit_callbacks
):
    from indicators import tasks

    job = ImportJob.objects.create(
        period=period, original_name="big.xlsx", created_by=officer, status=ImportStatus.PARSING
    )
    claimed(job)
    jobs.jobs_sweep(active={})
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.errors[0]["row"] == 0 and "stopped" in job.errors[0]["message"]
    # Only the uploader retries, and only a failed import.
    with pytest.raises(PermissionDenied):
        services.import_retry(job=job, actor=reviewer)
    with (
        mock.patch.object(tasks.import_preview, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = services.import_retry(job=job, actor=officer)
    assert job.status == ImportStatus.PENDING and job.errors == [] and job.worker == ""
    delay.assert_called_once_with(job.pk)
    with pytest.raises(ValidationError, match="Only a failed import"):
        services.import_retry(job=job, actor=officer)


def test_a_task_delivered_again_leaves_a_swept_import_alone(db, period, officer):
    from indicators import tasks

    job = ImportJob.objects.create(
        period=period, original_name="big.xlsx", created_by=officer, status=ImportStatus.FAILED
    )
    with mock.patch("indicators.services.imports.import_job_preview") as preview:
        tasks.import_preview.apply(args=[job.pk]).get()
    preview.assert_not_called()


def test_sweep_and_drain_are_scheduled():
    from resultsframework.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"core.tasks.jobs_sweep", "indicators.tasks.drain_progress"} <= tasks
    for name in ("import_preview", "import_commit", "compute_progress_run"):
        task = app.tasks[f"indicators.tasks.{name}"]
        assert task.acks_late and task.reject_on_worker_lost and task.time_limit


def test_the_uploader_retries_a_failed_import_through_the_api(
    api, period, officer, reviewer, django_capture_on_commit_callbacks
):
    from indicators import tasks

    job = ImportJob.objects.create(
        period=period, original_name="big.xlsx", created_by=officer, status=ImportStatus.FAILED
    )
    url = f"/api/v1/imports/{job.pk}/retry/"
    api.force_authenticate(reviewer)  # sees the import, did not upload it
    assert api.post(url).status_code == 403
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    api.force_authenticate(officer)
    with (
        mock.patch.object(tasks.import_preview, "delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(url)
    assert response.status_code == 200 and response.json()["status"] == "pending"
    assert api.post(url).status_code == 400  # no longer failed
