"""GET /api/v1/oversight/statistics/ filtered by entity, report and issue dates, with overdue
counts and the JIU's acceptance windows with their dates."""

import datetime

import pytest

from oversight.choices import Acceptance, PeriodBasis, Status
from tests.oversight.conftest import auth
from tests.oversight.factories import (
    OversightBodyFactory,
    RecommendationFactory,
    ReportFactory,
    StatisticsPeriodFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/oversight/statistics/"
LONG_AGO = datetime.date(2021, 6, 30)
FAR_AHEAD = datetime.date(2999, 1, 1)


@pytest.fixture
def recs(oios, unops, undp):
    first = ReportFactory(body=oios, symbol="2021/001", entity=unops)
    second = ReportFactory(body=oios, symbol="2022/002", entity=unops)
    return [
        # Open, target date passed: overdue.
        RecommendationFactory(report=first, entity=unops, target_date=LONG_AGO),
        # Open, target ahead: not overdue. Critical.
        RecommendationFactory(report=first, entity=unops, target_date=FAR_AHEAD, is_critical=True),
        # Closed with a past target: not overdue.
        RecommendationFactory(
            report=second,
            entity=unops,
            issued_on=datetime.date(2022, 3, 1),
            target_date=LONG_AGO,
            status=Status.IMPLEMENTED,
            implementation_date=datetime.date(2022, 5, 1),
        ),
        # Another entity's, open and overdue.
        RecommendationFactory(
            report=ReportFactory(body=oios, symbol="2021/003", entity=undp),
            entity=undp,
            target_date=LONG_AGO,
        ),
    ]


def oios_all(api, params=None):
    r = api.get(URL, {"body": "oios", **(params or {})})
    assert r.status_code == 200, r.content
    (oios,) = r.json()
    return next(row for row in oios["rows"] if row["segment"] == "all")


def test_overdue_counts_only_open_recommendations_past_their_target(api, auditor, recs):
    row = oios_all(auth(api, auditor))
    assert (row["issued"], row["implemented"], row["overdue"]) == (4, 1, 2)


def test_filter_by_entity(api, auditor, recs):
    row = oios_all(auth(api, auditor), {"entity": "UNOPS"})
    assert (row["issued"], row["overdue"]) == (3, 1)


def test_filter_by_report_symbol(api, auditor, recs):
    row = oios_all(auth(api, auditor), {"report": "2022/002"})
    assert (row["issued"], row["implemented"], row["overdue"]) == (1, 1, 0)


def test_issue_date_range_includes_both_ends(api, auditor, recs):
    auth(api, auditor)
    row = oios_all(api, {"issued_from": "2022-03-01", "issued_to": "2022-03-01"})
    assert row["issued"] == 1
    row = oios_all(api, {"issued_from": "2022-03-02"})
    assert row["issued"] == 0
    row = oios_all(api, {"issued_to": "2021-01-15"})
    assert row["issued"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"issued_from": "2022-03-02", "issued_to": "2022-03-01"}, "__all__"),
        ({"issued_from": "2022-02-30"}, "issued_from"),
        ({"issued_to": "yesterday"}, "issued_to"),
        ({"entity": "NOPE"}, "entity"),
    ],
)
def test_bad_filters_are_400(api, auditor, recs, params, field):
    r = auth(api, auditor).get(URL, params)
    assert r.status_code == 400
    assert field in r.json()


def test_entity_outside_the_callers_view_is_refused_like_an_unknown_one(api, officer, recs):
    # A UNOPS programme officer sees UNOPS only.
    r = auth(api, officer).get(URL, {"entity": "UNDP"})
    assert r.status_code in (400, 403)
    if r.status_code == 400:
        assert "entity" in r.json()


def test_jiu_windows_carry_their_dates(api, auditor, unops):
    jiu = OversightBodyFactory(code="jiu", name_en="JIU", tracks_acceptance=True)
    StatisticsPeriodFactory(
        body=jiu,
        label="2019-2021",
        basis=PeriodBasis.ISSUE,
        start=datetime.date(2019, 1, 1),
        end=datetime.date(2021, 12, 31),
    )
    report = ReportFactory(body=jiu, symbol="JIU/REP/2021/1")
    RecommendationFactory(report=report, entity=unops, acceptance=Acceptance.ACCEPTED)
    RecommendationFactory(report=report, entity=unops, acceptance=Acceptance.NOT_ACCEPTED)
    r = auth(api, auditor).get(URL, {"body": "jiu"})
    assert r.status_code == 200
    (window,) = r.json()[0]["acceptance"]
    assert window["start"] == "2019-01-01" and window["end"] == "2021-12-31"
    assert (window["issued"], window["accepted"]) == (2, 1)
    assert window["acceptance_rate"] == 50


def test_query_count_does_not_grow_with_filters(
    api, auditor, recs, oios, unops, django_assert_max_num_queries
):
    auth(api, auditor)
    params = {"entity": "UNOPS", "issued_from": "2020-01-01"}
    with django_assert_max_num_queries(50) as small:
        assert api.get(URL, params).status_code == 200
    for _ in range(10):
        RecommendationFactory(report=recs[0].report, entity=unops, target_date=LONG_AGO)
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = api.get(URL, params)
    assert r.status_code == 200
