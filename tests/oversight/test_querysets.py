"""Ageing at the bucket boundaries: the summary and the filter agree, day by day."""

import datetime

import pytest

from oversight.choices import OverdueBucket, Status
from oversight.models import Recommendation
from tests.oversight.factories import RecommendationFactory, ReportFactory

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 1, 1)


@pytest.mark.parametrize(
    ("days_overdue", "bucket"),
    [
        (0, OverdueBucket.NOT_DUE),
        (1, OverdueBucket.UP_TO_90),
        (90, OverdueBucket.UP_TO_90),
        (91, OverdueBucket.UP_TO_180),
        (180, OverdueBucket.UP_TO_180),
        (181, OverdueBucket.UP_TO_365),
        (365, OverdueBucket.UP_TO_365),
        (366, OverdueBucket.OVER_365),
    ],
)
def test_bucket_boundaries(oios, unops, days_overdue, bucket):
    target = ON - datetime.timedelta(days=days_overdue)
    rec = RecommendationFactory(
        report=ReportFactory(body=oios),
        entity=unops,
        issued_on=datetime.date(2020, 1, 1),
        target_date=target,
    )
    qs = Recommendation.objects.all()
    assert list(qs.in_overdue_bucket(bucket, on=ON)) == [rec]
    others = [b for b in OverdueBucket if b != bucket]
    assert not any(qs.in_overdue_bucket(b, on=ON).exists() for b in others)
    summary = qs.ageing_summary(on=ON)
    assert summary["open"] == 1
    assert summary["overdue"] == (0 if bucket == OverdueBucket.NOT_DUE else 1)
    if bucket != OverdueBucket.NOT_DUE:
        assert summary[bucket.value] == 1
    annotated = qs.with_ageing(on=ON).get()
    assert annotated.days_overdue == (days_overdue or None)
    assert annotated.days_open == (ON - datetime.date(2020, 1, 1)).days


def test_closed_is_never_overdue(oios, unops):
    RecommendationFactory(
        report=ReportFactory(body=oios),
        entity=unops,
        issued_on=datetime.date(2020, 1, 1),
        target_date=datetime.date(2020, 6, 1),
        status=Status.IMPLEMENTED,
        implementation_date=datetime.date(2021, 1, 1),
    )
    qs = Recommendation.objects.all()
    assert qs.ageing_summary(on=ON) == {
        "open": 0,
        "overdue": 0,
        "0-90": 0,
        "91-180": 0,
        "181-365": 0,
        "365+": 0,
    }
    rec = qs.with_ageing(on=ON).get()
    assert rec.days_overdue is None
    assert rec.days_open == 366  # issue to implementation, 2020 being a leap year
