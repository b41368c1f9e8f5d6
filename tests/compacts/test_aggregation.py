"""System-wide values from approved entity reports, at their boundaries, through the real
services (entry, review) and the real database."""

import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import Event
from compacts import aggregation
from compacts.choices import Derivation
from compacts.models import SystemValue
from compacts.services import compact_aggregate
from indicators import services as ind
from indicators.choices import ValueKind
from tests.compacts.factories import report, small_compact, system_users
from tests.factories import EntityFactory
from tests.test_celery_worker import WORKER_TIMEOUT, worker  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(db):
    return system_users()


def entities(n):
    return [EntityFactory(code=f"E{i}", name_en=f"Entity {i}") for i in range(n)]


def values(ci):
    return {sv.year: sv for sv in SystemValue.objects.filter(compact_indicator=ci)}


def test_no_entity_reported_gives_no_value_not_zero(users):
    compact, ci, reports = small_compact(entities(2))
    assert compact_aggregate(compact=compact) == 0
    assert values(ci) == {}
    # Pure rule: a year where nobody answered has no value.
    result = aggregation.aggregate(Derivation.SHARE_YES, [aggregation.Report(1, "A")], 2019)
    assert result.value is None and result.denominator is None
    assert result.not_reported == [
        {"entity_id": 1, "entity_code": "A", "reason": "no_value", "year": 2019, "footnote": ""}
    ]


def test_one_entity_answering_yes_is_100_percent(users):
    officer, reviewer = users
    compact, ci, reports = small_compact(entities(2))
    r = reports["E0"]
    report(r["source"], r["periods"][2019], True, officer, reviewer)
    compact_aggregate(compact=compact)
    sv = values(ci)[2019]
    assert (sv.numeric_value, sv.numerator, sv.denominator) == (Decimal(100), 1, 1)
    assert [b["entity_code"] for b in sv.breakdown] == ["E0"]
    assert [n["entity_code"] for n in sv.not_reported] == ["E1"]


def test_share_yes_rounds_like_the_published_figure(users):
    officer, reviewer = users
    compact, ci, reports = small_compact(entities(3))
    for code, answer in (("E0", True), ("E1", True), ("E2", False)):
        report(reports[code]["source"], reports[code]["periods"][2019], answer, officer, reviewer)
    compact_aggregate(compact=compact)
    assert values(ci)[2019].numeric_value == Decimal("66.666667")


def test_a_value_returned_after_approval_drops_out(users):
    officer, reviewer = users
    compact, ci, reports = small_compact(entities(2))
    v0 = report(reports["E0"]["source"], reports["E0"]["periods"][2019], True, officer, reviewer)
    report(reports["E1"]["source"], reports["E1"]["periods"][2019], False, officer, reviewer)
    compact_aggregate(compact=compact)
    assert values(ci)[2019].numeric_value == Decimal(50)
    ind.value_reopen(value=v0, actor=reviewer, reason="Wrong year")
    compact_aggregate(compact=compact)
    sv = values(ci)[2019]
    assert (sv.numeric_value, sv.denominator) == (Decimal(0), 1)
    assert [n["entity_code"] for n in sv.not_reported] == ["E0"]


def test_a_submitted_value_is_not_counted_until_approved(users):
    officer, reviewer = users
    compact, ci, reports = small_compact(entities(1))
    r = reports["E0"]
    report(r["source"], r["periods"][2019], True, officer, reviewer, approve=False)
    compact_aggregate(compact=compact)
    assert values(ci) == {}


def test_missing_value_with_footnote_is_not_reported_not_no(users):
    officer, reviewer = users
    compact, ci, reports = small_compact(entities(2))
    report(reports["E0"]["source"], reports["E0"]["periods"][2019], True, officer, reviewer)
    report(
        reports["E1"]["source"], reports["E1"]["periods"][2019],
        {"is_missing": True, "footnote": "No board session"}, officer, reviewer,
    )  # fmt: skip
    compact_aggregate(compact=compact)
    sv = values(ci)[2019]
    assert (sv.numeric_value, sv.denominator) == (Decimal(100), 1)
    assert sv.not_reported == [
        {
            "entity_id": reports["E1"]["source"].plan.entity_id,
            "entity_code": "E1",
            "reason": "not_available",
            "year": 2019,
            "footnote": "No board session",
        }
    ]


def test_share_increase_needs_both_years(users):
    officer, reviewer = users
    compact, ci, reports = small_compact(
        entities(3), derivation=Derivation.SHARE_INCREASE, report_kind=ValueKind.NUMBER
    )
    counts = {"E0": (10, 11), "E1": (10, 10), "E2": (None, 5)}  # up, level, no 2017
    for code, (before, after) in counts.items():
        r = reports[code]
        if before is not None:
            report(r["source"], r["periods"][2017], before, officer, reviewer)
        report(r["source"], r["periods"][2018], after, officer, reviewer)
    compact_aggregate(compact=compact)
    by_year = values(ci)
    assert set(by_year) == {2018}  # 2017 is only the base of the comparison
    sv = by_year[2018]
    assert (sv.numeric_value, sv.numerator, sv.denominator) == (Decimal(50), 1, 2)
    assert sv.not_reported[0]["entity_code"] == "E2" and sv.not_reported[0]["year"] == 2017
    assert [b["increase"] for b in sv.breakdown] == [True, False]


def test_ratio_of_sums_is_not_the_mean_of_ratios(users):
    officer, reviewer = users
    compact, ci, reports = small_compact(
        entities(3), derivation=Derivation.RATIO_OF_SUMS, report_kind=ValueKind.NUMBER
    )
    # core / voluntary: 10/100 and 90/100 -> 100/200 = 50% (the mean of ratios is also 50%);
    # 1/10 and 9/90 -> 10/100 = 10%. E2 reports core only: not counted.
    data = {"E0": (30, 100), "E1": (10, 300), "E2": (5, None)}
    for code, (core, voluntary) in data.items():
        r = reports[code]
        report(r["source"], r["periods"][2018], core, officer, reviewer)
        if voluntary is not None:
            report(r["denominator"], r["periods"][2018], voluntary, officer, reviewer)
    compact_aggregate(compact=compact)
    sv = values(ci)[2018]
    assert (sv.numerator, sv.denominator, sv.numeric_value) == (40, 400, Decimal(10))
    assert [n["entity_code"] for n in sv.not_reported] == ["E2"]


def test_ratio_with_zero_denominator_has_no_value():
    reports = [aggregation.Report(1, "A", {2018: aggregation.Entry(1, number=Decimal(5))},
                                  {2018: aggregation.Entry(2, number=Decimal(0))})]  # fmt: skip
    result = aggregation.aggregate(Derivation.RATIO_OF_SUMS, reports, 2018)
    assert result.value is None and result.numerator == 5


def test_sum(users):
    reports = [
        aggregation.Report(i, f"E{i}", {2018: aggregation.Entry(i, number=Decimal(n))})
        for i, n in enumerate((3, 4))
    ]
    assert aggregation.aggregate(Derivation.SUM, reports, 2018).value == 7


def test_aggregating_twice_changes_nothing_and_is_audited_once(users):
    officer, reviewer = users
    compact, ci, reports = small_compact(entities(1))
    report(reports["E0"]["source"], reports["E0"]["periods"][2019], True, officer, reviewer)
    assert compact_aggregate(compact=compact) == 1
    assert compact_aggregate(compact=compact) == 0
    assert Event.objects.filter(action="compact.aggregated").count() == 1


def test_a_derived_indicator_needs_its_source(users):
    compact, ci, _reports = small_compact(entities(1))
    ci.source_code = ""
    with pytest.raises(ValidationError):
        ci.full_clean()
    ci.derivation, ci.denominator_code, ci.source_code = Derivation.RATIO_OF_SUMS, "", "SRC"
    with pytest.raises(ValidationError) as error:
        ci.full_clean()
    assert "denominator_code" in error.value.message_dict


def test_approval_signals_after_commit(users, django_capture_on_commit_callbacks):
    """The indicators app sends values_changed only once the approval has committed."""
    from indicators.signals import values_changed

    officer, reviewer = users
    compact, ci, reports = small_compact(entities(1))
    received = []

    def listen(sender, indicator_ids, **kwargs):
        received.append(indicator_ids)

    values_changed.connect(listen)
    try:
        r = reports["E0"]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            report(r["source"], r["periods"][2019], True, officer, reviewer)
        assert received == []  # nothing before the commit
        with django_capture_on_commit_callbacks(execute=True):
            for callback in callbacks:
                callback()
    finally:
        values_changed.disconnect(listen)
    assert [r["source"].pk] in received


@pytest.fixture
def empty_queue():
    """Tasks left in this suite's queue by earlier tests (browser tests commit hundreds of
    approvals, each enqueueing a progress run) would keep the worker busy past the deadline."""
    from resultsframework.celery import app

    app.control.purge()


@pytest.mark.worker
def test_approval_is_rolled_up_by_the_worker(empty_queue, worker, transactional_db):  # noqa: F811
    """Enter, submit, approve: a real worker recomputes the system-wide value within seconds."""
    officer, reviewer = system_users()
    compact, ci, reports = small_compact(entities(2))
    r = reports["E0"]
    report(r["source"], r["periods"][2019], True, officer, reviewer)
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        sv = SystemValue.objects.filter(compact_indicator=ci, year=2019).first()
        if sv is not None:
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"the worker did not roll the report up within {WORKER_TIMEOUT} s")
    assert (sv.numeric_value, sv.denominator) == (Decimal(100), 1)
    assert [n["entity_code"] for n in sv.not_reported] == ["E1"]
