import pytest

from tests.indicators.factories import IndicatorFactory, PeriodFactory, PlanFactory


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
