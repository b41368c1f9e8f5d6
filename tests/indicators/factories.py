"""Factories for frameworks, indicators and values (through the services where it matters)."""

from datetime import date
from decimal import Decimal

import factory

from indicators import services
from indicators.choices import PlanKind, Status, TargetKind, ValueKind
from indicators.models import Indicator, Level, Node, Plan, ReportingPeriod
from tests.factories import EntityFactory


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("entity", "code")

    entity = factory.SubFactory(EntityFactory)
    code = "sp-2026-2029"
    kind = PlanKind.STRATEGIC_PLAN
    title_en = "Strategic plan 2026-2029"
    title_zh = "2026-2029 年战略计划"
    start_year = 2026
    end_year = 2029


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Level
        django_get_or_create = ("plan", "depth")

    plan = factory.SubFactory(PlanFactory)
    depth = 0
    code = "goal"
    name_en = "Goal"
    name_zh = "目标"


class NodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Node

    plan = factory.SubFactory(PlanFactory)
    level = factory.LazyAttribute(lambda n: LevelFactory(plan=n.plan))
    code = factory.Sequence(lambda n: f"G{n}")
    title_en = factory.LazyAttribute(lambda n: f"Goal {n.code}")
    title_zh = "目标"


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod
        django_get_or_create = ("plan", "label")

    plan = factory.SubFactory(PlanFactory)
    label = "2026"
    start_date = date(2026, 1, 1)
    end_date = date(2026, 12, 31)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    plan = factory.SubFactory(PlanFactory)
    node = factory.LazyAttribute(lambda i: NodeFactory(plan=i.plan))
    code = factory.Sequence(lambda n: f"I{n:03d}")
    name_en = factory.LazyAttribute(lambda i: f"Indicator {i.code}")
    name_zh = factory.LazyAttribute(lambda i: f"指标 {i.code}")
    value_kind = ValueKind.NUMBER
    decimals = 1

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("value_kind") == ValueKind.CURRENCY and not kwargs.get("currency"):
            kwargs["currency"] = "USD"
        if kwargs.get("value_kind") == ValueKind.PARTS and not kwargs.get("part_labels"):
            kwargs["part_labels"] = [
                {"code": "pooled", "en": "pooled funds", "zh": "集合资金"},
                {"code": "thematic", "en": "thematic funds", "zh": "专题资金"},
            ]
        return super()._create(model_class, *args, **kwargs)


def with_framework(indicator, baseline=Decimal("10"), target=Decimal("20"), end_year=2029):
    """A baseline (2025) and an end target, set by the system."""
    services.baseline_set(
        indicator=indicator,
        actor=None,
        data={
            "numeric_value": baseline,
            "period_start": date(2025, 1, 1),
            "period_end": date(2025, 12, 31),
        },
    )
    services.target_set(
        indicator=indicator,
        year=end_year,
        actor=None,
        data={"numeric_value": target},
        target_kind=TargetKind.END,
    )
    return indicator


def value_in(indicator, period, status=Status.DRAFT, *, officer, reviewer=None, number="12.5"):
    """A value brought to `status` through the workflow services."""
    value = services.value_save(
        indicator=indicator, period=period, data={"numeric_value": Decimal(number)}, actor=officer
    )
    if status == Status.DRAFT:
        return value
    value = services.value_submit(value=value, actor=officer)
    if status == Status.SUBMITTED:
        return value
    if status == Status.RETURNED:
        return services.value_return(value=value, actor=reviewer, reason="Check the source")
    return services.value_approve(value=value, actor=reviewer)
