"""Real Celery workers recompute progress after approvals commit, and no approval is ever
left out of the current snapshot — also while a full run computes, on a busy machine."""

import time

import pytest

from indicators.choices import Status
from indicators.models import ProgressDirty, ProgressResult, ProgressSnapshot, SnapshotStatus
from indicators.services.progress import progress_run_start
from tests.indicators.factories import IndicatorFactory, value_in, with_framework
from tests.test_celery_worker import WORKER_TIMEOUT, start_worker, worker  # noqa: F401  (the fixture)

TIMEOUT = WORKER_TIMEOUT


def wait_until(check, what):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    pytest.fail(f"{what} within {TIMEOUT} s")


def folded_in(indicators):
    current = ProgressResult.objects.filter(
        snapshot__is_current=True, indicator__in=indicators, value_id__isnull=False
    )
    return current.values("indicator").distinct().count() == len(indicators)


@pytest.mark.worker
def test_approval_is_folded_in_by_the_worker(worker, officer, reviewer, plan, period):  # noqa: F811
    indicator = with_framework(IndicatorFactory(plan=plan, code="W1"))
    value_in(indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer, number="15")
    wait_until(lambda: folded_in([indicator]), "the worker did not compute progress")
    row = ProgressResult.objects.get(snapshot__is_current=True, indicator=indicator)
    assert row.compact_class == "progress" and row.percent_of_way == 50.0
    assert ProgressSnapshot.objects.filter(is_current=True).count() == 1


@pytest.mark.worker
def test_approvals_during_a_full_run_all_reach_the_current_snapshot(
    transactional_db, officer, reviewer, plan, period
):
    """Two worker processes: a full run started through the API computes while approvals
    commit and their tasks run beside it; every approval ends up in the current snapshot."""
    proc = start_worker("-c", "2")
    try:
        indicators = [with_framework(IndicatorFactory(plan=plan, code=f"R{i}")) for i in range(6)]
        run = progress_run_start(actor=reviewer)
        for indicator in indicators:
            value_in(indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer)
        wait_until(lambda: folded_in(indicators), "approvals were left out of the snapshot")
        run.refresh_from_db()
        wait_until(
            lambda: not ProgressSnapshot.objects.filter(status=SnapshotStatus.RUNNING).exists(),
            "the run did not finish",
        )
        assert ProgressSnapshot.objects.get(pk=run.pk).status == SnapshotStatus.COMPLETE
        assert folded_in(indicators)
        wait_until(lambda: not ProgressDirty.objects.exists(), "marks were left undrained")
    finally:
        proc.terminate()
        proc.wait(30)
