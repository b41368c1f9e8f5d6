"""baselines_set_many: many baselines written at once leave what baseline_set leaves (columns,
parts, audit event, progress mark) and refuse what it refuses."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from indicators import services
from indicators.choices import ValueKind
from indicators.models import Baseline, Part, ProgressDirty
from tests.indicators.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

PARTS = [{"code": "a", "en": "A", "zh": "甲"}, {"code": "b", "en": "B", "zh": "乙"}]
YEAR = {"period_start": date(2025, 1, 1), "period_end": date(2025, 12, 31)}


def _trail(baseline):
    event = Event.objects.get(action="baseline.set", target_id=str(baseline.pk))
    row = Baseline.objects.filter(pk=baseline.pk).values(
        "kind", "numeric_value", "is_missing", "footnote", "period_start", "period_end"
    )
    parts = Part.objects.filter(baseline=baseline).order_by("order")
    return {
        "row": row.get(),
        "parts": list(parts.values_list("code", "numeric_value", "order")),
        "event": (event.actor_id, event.entity_id, event.payload),
    }


def _rows(plan, suffix):
    number = IndicatorFactory(plan=plan, code=f"N{suffix}")
    parts = IndicatorFactory(
        plan=plan, code=f"P{suffix}", value_kind=ValueKind.PARTS, part_labels=PARTS
    )
    missing = IndicatorFactory(plan=plan, code=f"M{suffix}")
    return [
        {"indicator": number, "data": {"numeric_value": Decimal("4.5"), **YEAR}},
        {"indicator": parts, "data": {"parts": {"a": Decimal(1), "b": Decimal(2)}, **YEAR}},
        {"indicator": missing, "data": {"is_missing": True, "footnote": "Not collected", **YEAR}},
    ]


def test_many_baselines_leave_what_one_at_a_time_leaves(plan, reviewer):
    many = services.baselines_set_many(rows=_rows(plan, "1"), actor=reviewer)
    one = [
        services.baseline_set(indicator=r["indicator"], actor=reviewer, data=r["data"])
        for r in _rows(plan, "2")
    ]
    for a, b in zip(many, one, strict=True):
        assert _trail(a) == _trail(b)
    marked = set(ProgressDirty.objects.values_list("indicator_id", flat=True))
    assert {b.indicator_id for b in many} <= marked


def test_a_second_run_writes_nothing_and_a_change_goes_through_baseline_set(plan, reviewer):
    row = {"indicator": IndicatorFactory(plan=plan), "data": {"numeric_value": Decimal(1), **YEAR}}
    (first,) = services.baselines_set_many(rows=[row], actor=reviewer)
    assert services.baselines_set_many(rows=[dict(row)], actor=reviewer) == [first]
    assert Event.objects.filter(action="baseline.set").count() == 1
    row["data"] = {"numeric_value": Decimal(2), **YEAR}
    services.baselines_set_many(rows=[row], actor=reviewer)
    assert Baseline.objects.get().numeric_value == Decimal(2)
    assert Event.objects.filter(action="baseline.set").count() == 2


def test_an_indicator_twice_is_refused(plan, reviewer):
    row = {"indicator": IndicatorFactory(plan=plan), "data": {"numeric_value": Decimal(1), **YEAR}}
    with pytest.raises(ValidationError, match="appears twice"):
        services.baselines_set_many(rows=[row, dict(row)], actor=reviewer)
    assert not Baseline.objects.exists()


def test_only_reviewers_of_the_entity_set_baselines(plan, officer, reviewer, undp_plan):
    rows = [
        {"indicator": IndicatorFactory(plan=p), "data": {"numeric_value": Decimal(1), **YEAR}}
        for p in (plan, undp_plan)
    ]
    with pytest.raises(PermissionDenied):  # an officer does not maintain the framework
        services.baselines_set_many(rows=rows[:1], actor=officer)
    with pytest.raises(PermissionDenied):  # nor a reviewer another entity's
        services.baselines_set_many(rows=rows, actor=reviewer)
    assert not Baseline.objects.exists() and not Event.objects.exists()


def test_bad_values_are_refused_with_the_services_message(plan, reviewer):
    parts = IndicatorFactory(plan=plan, value_kind=ValueKind.PARTS, part_labels=PARTS)
    row = {"indicator": parts, "data": {"parts": {"a": Decimal(1)}}}
    with pytest.raises(ValidationError):
        services.baselines_set_many(rows=[row], actor=reviewer)
    assert not Baseline.objects.exists()
