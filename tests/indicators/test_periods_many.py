"""periods_upsert_many: many periods of many frameworks written at once, each audited like
period_upsert's, unchanged ones left alone."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from audit.models import Event
from indicators import services
from indicators.models import ReportingPeriod
from tests.indicators.factories import PlanFactory

pytestmark = pytest.mark.django_db


def _rows(plans, years=(2016, 2017)):
    return [
        {
            "plan": plan,
            "label": str(year),
            "start_date": date(year, 1, 1),
            "end_date": date(year, 12, 31),
        }
        for plan in plans
        for year in years
    ]


def test_new_periods_are_written_and_audited_each(unops, undp, reviewer):
    plans = [PlanFactory(entity=unops, code="a"), PlanFactory(entity=undp, code="b")]
    found = services.periods_upsert_many(rows=_rows(plans), actor=None)
    assert sorted((p.plan.code, p.label) for p in ReportingPeriod.objects.all()) == [
        ("a", "2016"), ("a", "2017"), ("b", "2016"), ("b", "2017"),
    ]  # fmt: skip
    assert found[(plans[1].pk, "2017")] == ReportingPeriod.objects.get(plan=plans[1], label="2017")
    events = Event.objects.filter(action="period.created")
    assert sorted((e.target_repr, e.entity_id) for e in events) == [
        ("a 2016", unops.pk), ("a 2017", unops.pk), ("b 2016", undp.pk), ("b 2017", undp.pk),
    ]  # fmt: skip


def test_a_second_run_writes_nothing_and_a_change_goes_through_period_upsert(unops):
    plan = PlanFactory(entity=unops)
    first = services.periods_upsert_many(rows=_rows([plan]), actor=None)
    rows = _rows([plan])
    assert services.periods_upsert_many(rows=rows, actor=None) == first
    assert Event.objects.filter(action__startswith="period.").count() == 2
    rows[1]["is_closed"] = True
    services.periods_upsert_many(rows=rows, actor=None)
    assert ReportingPeriod.objects.get(plan=plan, label="2017").is_closed
    assert Event.objects.filter(action="period.closed").count() == 1


def test_the_same_period_twice_is_written_once(unops):
    plan = PlanFactory(entity=unops)
    services.periods_upsert_many(rows=_rows([plan]) * 2, actor=None)
    assert ReportingPeriod.objects.count() == 2


def test_only_the_entitys_reviewers_maintain_its_periods(unops, undp, reviewer):
    own, other = PlanFactory(entity=unops, code="a"), PlanFactory(entity=undp, code="b")
    with pytest.raises(PermissionDenied):
        services.periods_upsert_many(rows=_rows([own, other]), actor=reviewer)
    assert not ReportingPeriod.objects.exists() and not Event.objects.exists()
    services.periods_upsert_many(rows=_rows([own]), actor=reviewer)
    assert set(Event.objects.values_list("actor", flat=True)) == {reviewer.pk}


def test_dates_out_of_order_are_refused_by_the_database(unops):
    rows = _rows([PlanFactory(entity=unops)], years=(2016,))
    rows[0]["end_date"] = date(2015, 12, 31)
    with pytest.raises(IntegrityError), transaction.atomic():
        services.periods_upsert_many(rows=rows, actor=None)
    assert not ReportingPeriod.objects.exists()
