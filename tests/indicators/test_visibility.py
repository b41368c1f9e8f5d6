"""Lists equal actions: for every role of the matrix — each Role held for the whole entity and
for one org unit, an auditor of every entity, a user with no membership and a superuser — the
values a list shows (Value.objects.visible_to, the API list, the framework page, the progress
results) are exactly those permissions.decide(VIEW) allows."""

from decimal import Decimal

import pytest

from entities.choices import Role
from indicators import permissions, services
from indicators.choices import Action
from indicators.models import Baseline, Indicator, ProgressResult, Target, Value
from tests.factories import MembershipFactory, OrgUnitFactory, UserFactory, user_with_role
from tests.indicators.factories import (
    IndicatorFactory,
    PeriodFactory,
    PlanFactory,
    with_framework,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(unops, undp):
    """UNOPS with units A and B and an indicator of each (and one of no unit); UNDP with one
    indicator; a draft value for each indicator."""
    unit_a = OrgUnitFactory(entity=unops, code="A")
    unit_b = OrgUnitFactory(entity=unops, code="B")
    plan = PlanFactory(entity=unops)
    undp_plan = PlanFactory(entity=undp, code="undp-sp")
    period = PeriodFactory(plan=plan)
    undp_period = PeriodFactory(plan=undp_plan)
    indicators = [
        IndicatorFactory(plan=plan, code="A-1", org_unit=unit_a),
        IndicatorFactory(plan=plan, code="B-1", org_unit=unit_b),
        IndicatorFactory(plan=plan, code="ANY-1"),
        IndicatorFactory(plan=undp_plan, code="UNDP-1"),
    ]
    for ind in indicators:
        with_framework(ind)
        services.value_save(
            indicator=ind,
            period=period if ind.plan_id == plan.pk else undp_period,
            data={"numeric_value": Decimal("12")},
            actor=None,
        )
    return {"unops": unops, "unit_a": unit_a, "plan": plan, "undp_plan": undp_plan}


def matrix_users(world):
    """(label, user) for every cell of the role matrix."""
    users = []
    for role in Role.values:
        users.append((f"{role}@entity", user_with_role(role, world["unops"], username=f"e-{role}")))
        scoped = UserFactory(username=f"u-{role}")
        MembershipFactory(user=scoped, entity=world["unops"], role=role, org_unit=world["unit_a"])
        users.append((f"{role}@unit", scoped))
    users.append(("auditor@all", user_with_role(Role.AUDITOR, None, username="all-auditor")))
    users.append(("nobody", UserFactory(username="no-membership")))
    users.append(("superuser", UserFactory(username="root", is_superuser=True, is_staff=True)))
    return users


def allowed_values(user):
    return {
        v.pk
        for v in Value.objects.select_related("indicator__plan", "period")
        if permissions.decide(user, Action.VIEW, indicator=v.indicator, status=v.status, value=v)[0]
    }


def test_value_lists_equal_decide_view_for_every_role(world, client, api):
    from indicators.services.progress import progress_compute_full

    progress_compute_full()
    for label, user in matrix_users(world):
        expected = allowed_values(user)
        # The queryset.
        assert set(Value.objects.visible_to(user).values_list("pk", flat=True)) == expected, label
        # The API list.
        api.force_authenticate(user)
        response = api.get("/api/v1/values/")
        assert response.status_code == 200, label
        assert {row["id"] for row in response.json()["results"]} == expected, label
        # The framework pages (each shows its indicators' values of the latest period).
        client.force_login(user)
        shown = set()
        for plan in (world["plan"], world["undp_plan"]):
            page = client.get(f"/indicators/plans/{plan.pk}/")
            plan_values = set(
                Value.objects.filter(indicator__plan=plan).values_list("pk", flat=True)
            )
            if page.status_code == 404:
                assert not expected & plan_values, label
                continue
            assert page.status_code == 200, label
            for node in page.context["nodes"]:
                for ind in node.indicator_list:
                    shown |= {v.pk for v in ind.current_values}
        assert shown == expected, label
        # Progress results: of the indicators whose values the user sees.
        seen_indicators = set(
            Value.objects.filter(pk__in=expected).values_list("indicator_id", flat=True)
        )
        results = ProgressResult.objects.visible_to(user).values_list("indicator_id", flat=True)
        assert set(results) == seen_indicators, label
        assert (
            set(Indicator.objects.visible_to(user).values_list("pk", flat=True)) == seen_indicators
        ), label
        api_results = api.get("/api/v1/progress/results/")
        assert api_results.status_code == 200, label
        assert {row["indicator"] for row in api_results.json()["results"]} == seen_indicators
        # Baselines and targets: those of the same indicators, in the queryset and the API.
        for model, url in ((Baseline, "/api/v1/baselines/"), (Target, "/api/v1/targets/")):
            rows = model.objects.visible_to(user).values_list("indicator_id", flat=True)
            assert set(rows) == seen_indicators, (label, model)
            listed = api.get(url)
            assert listed.status_code == 200, label
            assert {row["indicator"] for row in listed.json()["results"]} == seen_indicators


def test_unit_officer_sees_own_and_unowned_indicators_not_another_units(world):
    officer = UserFactory(username="unit-a-officer")
    MembershipFactory(
        user=officer, entity=world["unops"], role=Role.PROGRAMME_OFFICER, org_unit=world["unit_a"]
    )
    codes = set(Value.objects.visible_to(officer).values_list("indicator__code", flat=True))
    assert codes == {"A-1", "ANY-1"}


def test_unit_role_reads_no_rollups_entity_role_does(world):
    from indicators.models import NodeRollup
    from indicators.services.progress import progress_compute_full

    progress_compute_full()
    scoped = UserFactory(username="unit-reader")
    MembershipFactory(
        user=scoped, entity=world["unops"], role=Role.READER, org_unit=world["unit_a"]
    )
    whole = user_with_role(Role.READER, world["unops"], username="entity-reader")
    assert not NodeRollup.objects.visible_to(scoped).exists()
    entity_ids = set(NodeRollup.objects.visible_to(whole).values_list("entity_id", flat=True))
    assert entity_ids == {world["unops"].pk}


def test_unit_reviewer_reviews_only_own_units_values(world, client):
    reviewer = UserFactory(username="unit-reviewer")
    MembershipFactory(
        user=reviewer, entity=world["unops"], role=Role.REVIEWER, org_unit=world["unit_a"]
    )
    for value in Value.objects.filter(indicator__plan=world["plan"]):
        value.status = "submitted"
        value.save()
    client.force_login(reviewer)
    page = client.get("/indicators/review/")
    assert page.status_code == 200
    codes = {v.indicator.code for v in page.context["page"]}
    assert codes == {"A-1", "ANY-1"}


def test_unit_officer_template_lists_only_reached_indicators(world, client):
    from io import BytesIO

    from openpyxl import load_workbook

    officer = UserFactory(username="unit-a-entry")
    MembershipFactory(
        user=officer, entity=world["unops"], role=Role.PROGRAMME_OFFICER, org_unit=world["unit_a"]
    )
    period = world["plan"].periods.get()
    client.force_login(officer)
    response = client.get(f"/indicators/entry/{period.pk}/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert codes == {"A-1", "ANY-1"}
    grid = client.get(f"/indicators/entry/{period.pk}/")
    assert grid.status_code == 200
    assert {row["indicator"].code for row in grid.context["rows"]} == {"A-1", "ANY-1"}


def test_another_units_value_is_refused_on_every_surface(world, client, api):
    officer = UserFactory(username="unit-a-pages")
    MembershipFactory(
        user=officer, entity=world["unops"], role=Role.PROGRAMME_OFFICER, org_unit=world["unit_a"]
    )
    own = Value.objects.get(indicator__code="A-1")
    other = Value.objects.get(indicator__code="B-1")
    client.force_login(officer)
    api.force_authenticate(officer)
    assert client.get(f"/indicators/values/{own.pk}/").status_code == 200
    assert api.get(f"/api/v1/values/{own.pk}/").status_code == 200
    for url in (
        f"/indicators/values/{other.pk}/",
        f"/indicators/indicators/{other.indicator_id}/",
        f"/indicators/indicators/{other.indicator_id}/progress/",
    ):
        assert client.get(url).status_code == 404, url
    assert api.get(f"/api/v1/values/{other.pk}/").status_code == 404
    assert api.get(f"/api/v1/indicators/{other.indicator_id}/").status_code == 404
    # Entering a value for it through the grid's row endpoint: not found, nothing written.
    period = world["plan"].periods.get()
    r = client.post(f"/indicators/entry/{period.pk}/{other.indicator_id}/save/", {"value": "99"})
    assert r.status_code == 404
    assert Value.objects.get(pk=other.pk).numeric_value == Decimal("12")


def test_entity_dashboard_counts_only_the_units_indicators(world, client):
    reviewer = UserFactory(username="unit-a-dashboard")
    MembershipFactory(
        user=reviewer, entity=world["unops"], role=Role.REVIEWER, org_unit=world["unit_a"]
    )
    client.force_login(reviewer)
    page = client.get(f"/indicators/entities/{world['unops'].code}/dashboard/")
    assert page.status_code == 200
    assert page.context["total"] == 2  # A-1 and the indicator no unit owns
    whole = user_with_role(Role.REVIEWER, world["unops"], username="entity-dashboard")
    client.force_login(whole)
    assert client.get("/indicators/entities/UNOPS/dashboard/").context["total"] == 3
