"""A real Celery worker recomputes progress after an approval commits."""

import time

import pytest

from indicators.choices import Status
from indicators.models import ProgressResult, ProgressSnapshot
from tests.indicators.factories import IndicatorFactory, value_in, with_framework
from tests.test_celery_worker import WORKER_TIMEOUT, worker  # noqa: F401  (the fixture)


@pytest.mark.worker
def test_approval_is_folded_in_by_the_worker(worker, officer, reviewer, plan, period):  # noqa: F811
    indicator = with_framework(IndicatorFactory(plan=plan, code="W1"))
    value_in(indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer, number="15")
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        row = ProgressResult.objects.filter(
            snapshot__is_current=True, indicator=indicator, value_id__isnull=False
        ).first()
        if row is not None:
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"the worker did not compute progress within {WORKER_TIMEOUT} s")
    assert row.compact_class == "progress" and row.percent_of_way == 50.0
    assert ProgressSnapshot.objects.filter(is_current=True).count() == 1
