"""The statistics behave at the boundaries. (The published figures of A/76/644 that reconcile,
from the illustrative demo data: test_statistics_published.py.)"""

import datetime
from decimal import Decimal

import pytest

from oversight.choices import Acceptance, PeriodBasis, Status
from oversight.selectors import body_statistics, rate, round_pct
from tests.oversight.factories import RecommendationFactory, ReportFactory, StatisticsPeriodFactory

pytestmark = pytest.mark.django_db


def pct(value, places=0):
    return round_pct(value, places)


# Boundaries -------------------------------------------------------------------------------


def test_empty_body_has_no_rate(oios):
    StatisticsPeriodFactory(body=oios, label="2021")
    stats = body_statistics(oios)
    (only,) = stats.rows
    assert only.issued == 0 and only.rate is None
    assert [(p.label, p.implemented, p.rate) for p in only.periods] == [("2021", 0, None)]
    assert rate(0, 0) is None


def test_single_recommendation(oios, unops):
    StatisticsPeriodFactory(
        body=oios, label="2021", start=datetime.date(2021, 1, 1), end=datetime.date(2021, 12, 31)
    )
    StatisticsPeriodFactory(
        body=oios, label="2022", start=datetime.date(2022, 1, 1), end=datetime.date(2022, 12, 31)
    )
    report = ReportFactory(body=oios)
    RecommendationFactory(
        report=report,
        entity=unops,
        is_critical=True,
        status=Status.IMPLEMENTED,
        issued_on=datetime.date(2021, 3, 1),
        implementation_date=datetime.date(2022, 1, 1),  # first day of the second period
    )
    all_, critical = body_statistics(oios).rows
    assert all_.issued == critical.issued == 1
    assert all_.rate == Decimal(100)
    assert [(p.implemented, p.issued_to_date, p.closed_to_date) for p in all_.periods] == [
        (0, 1, 0),
        (1, 1, 1),
    ]
    assert [p.rate for p in all_.periods] == [Decimal(0), Decimal(100)]


def test_period_boundaries_are_inclusive(oios, unops):
    p = StatisticsPeriodFactory(
        body=oios, start=datetime.date(2021, 1, 1), end=datetime.date(2021, 12, 31)
    )
    report = ReportFactory(body=oios)
    for day in (p.start, p.end, datetime.date(2020, 12, 31), datetime.date(2022, 1, 1)):
        RecommendationFactory(
            report=report,
            entity=unops,
            status=Status.IMPLEMENTED,
            issued_on=datetime.date(2020, 1, 1),
            implementation_date=day,
        )
    (all_, _critical) = body_statistics(oios).rows
    assert all_.periods[0].implemented == 2
    assert all_.periods[0].closed_to_date == 3


def test_acceptance_window_empty_and_single(oios, unops):
    StatisticsPeriodFactory(body=oios, label="w", basis=PeriodBasis.ISSUE)
    (window,) = body_statistics(oios).acceptance
    assert window.acceptance_rate is None and window.implementation_rate_of_accepted is None
    RecommendationFactory(
        report=ReportFactory(body=oios), entity=unops, acceptance=Acceptance.NOT_ACCEPTED
    )
    (window,) = body_statistics(oios).acceptance
    assert window.acceptance_rate == 0
    assert window.implementation_rate_of_accepted is None
