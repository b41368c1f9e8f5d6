"""targets_set_many: many targets written at once leave what target_set leaves (columns, parts,
audit event, progress mark) and refuse what it refuses."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from audit.models import Event
from indicators import services
from indicators.choices import TargetKind, ValueKind
from indicators.models import Part, ProgressDirty, Target
from tests.indicators.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

PARTS = [{"code": "a", "en": "A", "zh": "甲"}, {"code": "b", "en": "B", "zh": "乙"}]


def _trail(target):
    event = Event.objects.get(action="target.set", target_id=str(target.pk))
    row = Target.objects.filter(pk=target.pk).values(
        "year", "target_kind", "kind", "numeric_value", "bool_value", "is_missing", "footnote"
    )
    parts = Part.objects.filter(target=target).order_by("order")
    return {
        "row": row.get(),
        "parts": list(parts.values_list("code", "numeric_value", "order")),
        "event": (event.actor_id, event.entity_id, event.payload),
    }


def test_many_targets_leave_what_one_at_a_time_leaves(plan, reviewer):
    def rows(suffix):
        number = IndicatorFactory(plan=plan, code=f"N{suffix}")
        parts = IndicatorFactory(
            plan=plan, code=f"P{suffix}", value_kind=ValueKind.PARTS, part_labels=PARTS
        )
        return [
            {"indicator": number, "year": 2026, "data": {"numeric_value": Decimal("4.5")}},
            {
                "indicator": number,
                "year": 2029,
                "data": {"numeric_value": Decimal("9")},
                "target_kind": TargetKind.END,
            },
            {
                "indicator": parts,
                "year": 2029,
                "data": {"parts": {"a": Decimal("1"), "b": Decimal("2")}},
                "target_kind": TargetKind.END,
            },
        ]

    many = services.targets_set_many(rows=rows("1"), actor=reviewer)
    one = [
        services.target_set(
            indicator=r["indicator"],
            year=r["year"],
            actor=reviewer,
            data=r["data"],
            target_kind=r.get("target_kind", TargetKind.MILESTONE),
        )
        for r in rows("2")
    ]
    assert [t.pk for t in many] == list(
        Target.objects.filter(indicator__code__endswith="1")
        .order_by("indicator__code", "year")
        .values_list("pk", flat=True)
    )
    for a, b in zip(many, one, strict=True):
        assert _trail(a) == _trail(b)
    marked = set(ProgressDirty.objects.values_list("indicator_id", flat=True))
    assert {t.indicator_id for t in many} <= marked


def test_a_second_run_writes_nothing_and_a_change_goes_through_target_set(plan, reviewer):
    indicator = IndicatorFactory(plan=plan)
    row = {"indicator": indicator, "year": 2026, "data": {"numeric_value": Decimal("1")}}
    (first,) = services.targets_set_many(rows=[row], actor=reviewer)
    assert services.targets_set_many(rows=[dict(row)], actor=reviewer) == [first]
    assert Event.objects.filter(action="target.set").count() == 1
    row["data"] = {"numeric_value": Decimal("2")}
    services.targets_set_many(rows=[row], actor=reviewer)
    assert Target.objects.get().numeric_value == Decimal("2")
    assert Event.objects.filter(action="target.set").count() == 2


def test_one_end_target_per_indicator(plan, reviewer):
    indicator = IndicatorFactory(plan=plan)
    end = {"data": {"numeric_value": Decimal("1")}, "target_kind": TargetKind.END}
    rows = [{"indicator": indicator, "year": y, **end} for y in (2028, 2029)]
    with pytest.raises(ValidationError, match="already has an end target"):
        services.targets_set_many(rows=rows, actor=reviewer)
    services.targets_set_many(rows=rows[:1], actor=reviewer)
    with pytest.raises(ValidationError, match="already has an end target"):
        services.targets_set_many(rows=rows[1:], actor=reviewer)
    assert Target.objects.count() == 1


def test_only_reviewers_of_the_entity_set_targets(plan, officer, reviewer, undp_plan):
    rows = [
        {"indicator": IndicatorFactory(plan=p), "year": 2026, "data": {"numeric_value": 1}}
        for p in (plan, undp_plan)
    ]
    with pytest.raises(PermissionDenied):  # an officer does not maintain the framework
        services.targets_set_many(rows=rows[:1], actor=officer)
    with pytest.raises(PermissionDenied):  # nor a reviewer another entity's
        services.targets_set_many(rows=rows, actor=reviewer)
    assert not Target.objects.exists() and not Event.objects.exists()


def test_bad_values_are_refused_with_the_services_message(plan, reviewer):
    parts = IndicatorFactory(plan=plan, value_kind=ValueKind.PARTS, part_labels=PARTS)
    row = {"indicator": parts, "year": 2026, "data": {"parts": {"a": Decimal("1")}}}
    with pytest.raises(ValidationError):
        services.targets_set_many(rows=[row], actor=reviewer)
    assert not Target.objects.exists()


def test_columns_that_do_not_match_the_kind_are_refused_by_the_database(plan, reviewer):
    indicator = IndicatorFactory(plan=plan, value_kind=ValueKind.NUMBER)
    row = {"indicator": indicator, "year": 2026, "data": {"bool_value": True}}
    with pytest.raises((IntegrityError, ValidationError)), transaction.atomic():
        services.targets_set_many(rows=[row], actor=reviewer)
    assert not Target.objects.exists()
