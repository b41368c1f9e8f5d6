"""One audit path: declared actions only, one at a time or in bulk, and events in words."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from audit.choices import EventAction, action_label
from audit.display import describe
from audit.models import Event
from audit.services import UndeclaredAction, event_record, events_record_many
from entities.choices import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_event_record_refuses_an_undeclared_action(unops):
    with pytest.raises(UndeclaredAction):
        event_record(actor=None, action="entity.renamed", target=unops)
    assert not Event.objects.filter(action="entity.renamed").exists()


def test_event_record_accepts_declared_strings_and_choices(unops):
    event_record(actor=None, action="entity.updated", target=unops, entity=unops)
    event_record(actor=None, action=EventAction.ENTITY_CREATED, target=unops, entity=unops)
    assert set(Event.objects.values_list("action", flat=True)) == {
        "entity.updated",
        "entity.created",
    }


def test_events_record_many_writes_all_or_refuses_before_writing(unops, undp):
    written = events_record_many(
        actor=None,
        events=[
            {"action": "entity.updated", "target": unops, "entity": unops},
            {"action": "entity.updated", "target": undp, "entity_id": undp.pk, "reason": "r"},
        ],
    )
    assert written == 2
    assert set(Event.objects.values_list("entity_id", flat=True)) == {unops.pk, undp.pk}
    with pytest.raises(UndeclaredAction):
        events_record_many(
            actor=None,
            events=[
                {"action": "entity.updated", "target": unops},
                {"action": "not.declared", "target": undp},
            ],
        )
    assert Event.objects.count() == 2


def test_every_action_written_in_the_code_is_declared():
    """A static check beside the runtime refusal: each action="..." / event="..." string
    passed by the apps is a declared EventAction."""
    pattern = re.compile(r'\b(?:action|event)="([a-z_]+(?:\.[a-z_]+)+)"')
    found = set()
    for app in ("entities", "indicators", "oversight", "audit", "core", "resultsframework"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found |= set(pattern.findall(path.read_text()))
    assert found, "the scan found no action at all"
    assert found <= set(EventAction.values), found - set(EventAction.values)


def test_no_app_creates_event_rows_but_audit():
    for app in ("entities", "indicators", "oversight", "resultsframework"):
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            assert "Event.objects.create" not in text, path
            assert "Event.objects.bulk_create" not in text, path


def test_every_action_has_a_chinese_label():
    for action in EventAction:
        with translation.override("en"):
            english = action_label(action.value)
        with translation.override("zh-hans"):
            chinese = action_label(action.value)
        assert chinese and chinese != english, action


def test_action_label_of_an_old_undeclared_string_is_the_string():
    assert action_label("something.old") == "something.old"


def test_changes_in_words(unops):
    event = event_record(
        actor=None,
        action="entity.updated",
        target=unops,
        entity=unops,
        payload={
            "before": {"entity_type": "fund_programme", "is_active": "True"},
            "after": {"entity_type": "secretariat", "is_active": "False"},
        },
    )
    [event] = describe([event])
    assert event.action_label == "Entity changed"
    assert ("Type", "Fund or programme", "Secretariat entity") in event.changes
    with translation.override("zh-hans"):
        [event] = describe([Event.objects.get(pk=event.pk)])
        assert event.action_label != "Entity changed"
        labels = [c[0] for c in event.changes]
        assert "Type" not in labels


def test_audit_page_shows_labels_and_typed_values(client, unops):
    from decimal import Decimal

    from indicators import services
    from tests.indicators.factories import IndicatorFactory, PeriodFactory, PlanFactory

    plan = PlanFactory(entity=unops)
    indicator = IndicatorFactory(plan=plan, code="C-1", unit_en="people", decimals=0)
    officer = user_with_role(Role.PROGRAMME_OFFICER, unops, username="o-audit")
    services.value_save(
        indicator=indicator,
        period=PeriodFactory(plan=plan),
        data={"numeric_value": Decimal("1200")},
        actor=officer,
    )
    auditor = user_with_role(Role.AUDITOR, None, username="a-audit")
    client.force_login(auditor)
    page = client.get("/audit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Value saved" in text and "people" in text
    assert "numeric_value" not in text and "{&#x27;" not in text


def test_audit_page_queries_do_not_grow_with_rows(client, unops, django_assert_max_num_queries):
    from decimal import Decimal

    from indicators import services
    from tests.indicators.factories import IndicatorFactory, PeriodFactory, PlanFactory

    plan = PlanFactory(entity=unops)
    period = PeriodFactory(plan=plan)
    auditor = user_with_role(Role.AUDITOR, None, username="a-count")
    client.force_login(auditor)

    def add(n):
        rows = [
            {"indicator": IndicatorFactory(plan=plan), "data": {"numeric_value": Decimal(i)}}
            for i in range(n)
        ]
        services.values_save(period=period, rows=rows, actor=None)

    add(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/audit/").status_code == 200
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/audit/").status_code == 200


def test_audit_page_filters_by_a_declared_action_shown_in_words(client, unops):
    event_record(actor=None, action="entity.updated", target=unops, entity=unops)
    event_record(actor=None, action="entity.created", target=unops, entity=unops)
    client.force_login(user_with_role(Role.AUDITOR, None, username="a-filter"))
    page = client.get("/audit/", {"action": "entity.created"})
    assert page.status_code == 200
    assert [e.action for e in page.context["page"]] == ["entity.created"]
    text = page.content.decode()
    assert '<option value="entity.created" selected>Entity created</option>' in text
