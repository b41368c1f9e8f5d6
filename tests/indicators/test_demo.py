import pytest

from audit.models import Event
from entities.demo import load_entities, load_users
from indicators.choices import Status, ValueKind
from indicators.demo import load_programme_plan, load_unops_plan
from indicators.models import Indicator, Node, Plan, Value
from tests.once import rolled_back_at_end

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _frameworks(django_db_setup, django_db_blocker):
    """Both demo frameworks, loaded once for this module's tests (each test in a savepoint)."""
    with rolled_back_at_end(django_db_blocker):
        load_entities()
        load_users(password="demo-pass-123")
        load_unops_plan()
        load_programme_plan()
        yield


@pytest.fixture
def frameworks(_frameworks, db):
    return _frameworks


def test_demo_frameworks_load_once_with_every_kind_and_state(frameworks):
    unops = Plan.objects.get(code="sp-2026-2029")
    assert unops.is_illustrative
    by_level = {
        lvl: Node.objects.filter(plan=unops, level__code=lvl).count()
        for lvl in ("pillar", "goal", "principle")
    }
    assert by_level == {"pillar": 2, "goal": 7, "principle": 21}
    assert not Node.objects.filter(plan=unops, title_zh="").exists()
    indicators = Indicator.objects.filter(plan=unops)
    assert indicators.count() >= 42 and all(i.is_illustrative for i in indicators)
    assert set(indicators.values_list("value_kind", flat=True)) == set(ValueKind.values)
    for principle in Node.objects.filter(plan=unops, level__code="principle"):
        assert 2 <= principle.indicators.count() <= 3
    states = set(Value.objects.filter(indicator__plan=unops).values_list("status", flat=True))
    assert states == set(Status.values)
    assert Value.objects.filter(is_missing=True).exclude(footnote="").exists()
    ppb = Plan.objects.get(code="ppb-2016-2017")
    assert list(ppb.levels.values_list("code", flat=True)) == [
        "programme",
        "subprogramme",
        "component",
        "objective",
        "expected_accomplishment",
    ]
    assert Node.objects.filter(plan=ppb, level__code="expected_accomplishment").count() == 41
    assert Indicator.objects.filter(plan=ppb).count() == 64
    before = (Event.objects.count(), Value.objects.count(), Value.pgh_event_model.objects.count())
    load_unops_plan()
    load_programme_plan()
    after = (Event.objects.count(), Value.objects.count(), Value.pgh_event_model.objects.count())
    assert before == after


def test_demo_org_unit_officer_sees_one_units_indicators(frameworks):
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.get(username="officer-del")
    [membership] = officer.memberships.all()
    assert membership.org_unit.code == "DEL"
    unops = Plan.objects.get(code="sp-2026-2029")
    seen = Indicator.objects.visible_to(officer).filter(plan=unops)
    assert seen.exists()
    assert set(seen.values_list("org_unit__code", flat=True)) == {"DEL"}
    everyone = get_user_model().objects.get(username="officer")
    units = set(
        Indicator.objects.visible_to(everyone)
        .filter(plan=unops)
        .values_list("org_unit__code", flat=True)
    )
    assert units == {"DEL", "MGT"}
    seen_values = Value.objects.visible_to(officer).filter(indicator__plan=unops)
    assert seen_values.exists()
    assert not seen_values.exclude(indicator__org_unit__code="DEL").exists()


def test_demo_content_in_both_languages_where_the_data_has_both(frameworks):
    """The demo's texts in both languages come from the project's data copies (or are the
    project's own words); no Chinese is made up for a UN text that has none."""
    unops = Plan.objects.get(code="sp-2026-2029")
    assert unops.note_en.startswith("ILLUSTRATIVE DATA.") and unops.note_zh.startswith("示例数据")
    indicators = Indicator.objects.filter(plan=unops)
    assert not indicators.filter(definition_zh="").exists()
    assert not indicators.filter(data_source_zh="").exists()
    # Units are English as the data gives them; the catalogue of units reads them in Chinese.
    assert indicators.filter(unit_en="people").exists()
    assert not indicators.exclude(unit_zh="").exists()
    ppb = Plan.objects.get(code="ppb-2016-2017")
    assert ppb.note_en and ppb.note_zh
    # The programme plan's indicators have no definition in the source, in either language.
    assert not Indicator.objects.filter(plan=ppb).exclude(definition_en="").exists()
