import pytest

from indicators.choices import ValueKind
from tests.indicators.factories import (
    IndicatorFactory,
    PeriodFactory,
    PlanFactory,
    with_framework,
)


@pytest.fixture
def plan(unops):
    return PlanFactory(entity=unops)


@pytest.fixture
def period(plan):
    return PeriodFactory(plan=plan)


@pytest.fixture
def indicator(plan):
    return IndicatorFactory(plan=plan, code="M3.2-a", decimals=1)


@pytest.fixture
def undp_plan(undp):
    return PlanFactory(entity=undp, code="undp-sp")


@pytest.fixture
def kinds(plan):
    """One indicator of each kind, codes K-<kind>."""
    made = {}
    for i, kind in enumerate(ValueKind.values):
        ind = IndicatorFactory(plan=plan, code=f"K-{kind}", value_kind=kind, decimals=1, order=i)
        made[kind] = ind
    with_framework(made["number"])
    return made
