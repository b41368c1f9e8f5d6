"""Frameworks, results and reporting periods created and changed through the API: the same
services and permission checks as the rest of the app, every refusal tested, nothing written
on a bad request."""

import datetime

import pytest

from audit.models import Event
from entities.choices import Role
from indicators.models import Level, Node, Plan, ReportingPeriod
from tests.factories import user_with_role
from tests.indicators.factories import LevelFactory, NodeFactory, PeriodFactory, PlanFactory
from tests.indicators.test_api import auth

pytestmark = pytest.mark.django_db

PLAN = {
    "entity": "UNOPS",
    "code": "sp-2030",
    "kind": "strategic_plan",
    "title_en": "Strategic plan 2026-2030",
    "start_year": 2026,
    "end_year": 2030,
    "levels": [
        {"depth": 1, "code": "goal", "name_en": "Goal"},
        {"depth": 2, "code": "output", "name_en": "Output", "name_zh": "产出"},
    ],
}


def test_reviewer_creates_a_framework_with_its_levels(api, reviewer, unops):
    r = auth(api, reviewer).post("/api/v1/plans/", PLAN, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["entity"] == "UNOPS" and body["code"] == "sp-2030"
    assert [lv["code"] for lv in body["levels"]] == ["goal", "output"]
    plan = Plan.objects.get(code="sp-2030")
    assert plan.levels.count() == 2
    assert Event.objects.filter(action="plan.created", entity=unops).count() == 1
    assert Event.objects.filter(action="level.created").count() == 2
    assert api.get(f"/api/v1/plans/{plan.pk}/").json()["title_en"] == PLAN["title_en"]


def test_reviewer_changes_a_framework_but_not_its_entity_or_code(api, reviewer, plan):
    r = auth(api, reviewer).patch(
        f"/api/v1/plans/{plan.pk}/",
        {"title_en": "Renamed", "end_year": 2031, "code": "other", "entity": "UNDP"},
        format="json",
    )
    assert r.status_code == 200, r.content
    plan.refresh_from_db()
    assert (plan.title_en, plan.end_year) == ("Renamed", 2031)
    assert plan.code != "other" and plan.entity.code == "UNOPS"
    assert Event.objects.filter(action="plan.updated", entity=plan.entity).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_year": 2031}, "end_year"),  # after the end year (the database's constraint)
        ({"start_year": 0}, "start_year"),
        ({"end_year": 10000}, "end_year"),
        ({"kind": "wish_list"}, "kind"),
        ({"title_en": ""}, "title_en"),
        ({"code": "has space"}, "code"),
        ({"entity": "NOPE"}, "entity"),
        ({"levels": [{"depth": 1, "code": "a", "name_en": "A"}] * 2}, "levels"),
        ({"levels": None}, "levels"),
    ],
)
def test_bad_framework_is_400_and_nothing_written(api, reviewer, unops, change, field):
    r = auth(api, reviewer).post("/api/v1/plans/", PLAN | change, format="json")
    assert r.status_code == 400, r.content
    body = r.json()
    assert field in body or "__all__" in body or "detail" in body, body
    assert not Plan.objects.exists() and not Level.objects.exists()


def test_boundary_years_are_accepted(api, reviewer, unops):
    r = auth(api, reviewer).post(
        "/api/v1/plans/", PLAN | {"start_year": 1, "end_year": 9999, "levels": []}, format="json"
    )
    assert r.status_code == 201, r.content


def test_existing_framework_code_is_400_not_an_update(api, reviewer, plan):
    r = auth(api, reviewer).post(
        "/api/v1/plans/", PLAN | {"code": plan.code, "title_en": "Other"}, format="json"
    )
    assert r.status_code == 400 and "code" in r.json()
    plan.refresh_from_db()
    assert plan.title_en != "Other"


def test_officers_and_other_entities_reviewers_are_refused(api, officer, undp, unops, plan):
    r = auth(api, officer).post("/api/v1/plans/", PLAN, format="json")
    assert r.status_code == 403
    assert (
        auth(api, officer).patch(f"/api/v1/plans/{plan.pk}/", {"title_en": "x"}).status_code == 403
    )
    undp_reviewer = user_with_role(Role.REVIEWER, undp, username="t-undp-reviewer")
    # UNOPS is not visible to UNDP's reviewer: answered as an unknown entity / framework.
    r = auth(api, undp_reviewer).post("/api/v1/plans/", PLAN, format="json")
    assert r.status_code == 400 and "entity" in r.json()
    r = auth(api, undp_reviewer).patch(f"/api/v1/plans/{plan.pk}/", {"title_en": "x"})
    assert r.status_code == 404
    assert Plan.objects.count() == 1 and Plan.objects.get().title_en != "x"


def test_anonymous_is_refused(api, plan):
    assert api.post("/api/v1/plans/", PLAN, format="json").status_code in (401, 403)


# --- results ------------------------------------------------------------------------------


@pytest.fixture
def levels(plan):
    return (
        LevelFactory(plan=plan, depth=1, code="goal"),
        LevelFactory(plan=plan, depth=2, code="output"),
    )


def test_reviewer_adds_and_changes_results(api, reviewer, plan, levels):
    auth(api, reviewer)
    r = api.post(
        "/api/v1/nodes/",
        {"plan": plan.pk, "level": "goal", "code": "G1", "title_en": "Goal one"},
        format="json",
    )
    assert r.status_code == 201, r.content
    goal = r.json()
    assert goal["level"] == "goal" and goal["parent"] is None
    r = api.post(
        "/api/v1/nodes/",
        {
            "plan": plan.pk,
            "level": "output",
            "code": "O1",
            "title_en": "Output one",
            "parent": goal["id"],
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    r = api.patch(f"/api/v1/nodes/{r.json()['id']}/", {"title_en": "Output 1", "order": 2})
    assert r.status_code == 200 and r.json()["title_en"] == "Output 1"
    assert r.json()["level"] == "output"
    assert Event.objects.filter(action="node.created").count() == 2
    assert Event.objects.filter(action="node.updated").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"level": "nope"}, "level"),
        ({"level": "output", "parent": "self"}, None),  # the parent sits no higher
        ({"code": ""}, "code"),
        ({"title_en": ""}, "title_en"),
        ({"parent": 999999999}, "parent"),
        ({"order": -1}, "order"),
    ],
)
def test_bad_result_is_400_and_nothing_written(api, reviewer, plan, levels, data, field):
    existing = NodeFactory(plan=plan, level=levels[1], code="O0")
    if data.get("parent") == "self":
        data = data | {"parent": existing.pk}
    payload = {"plan": plan.pk, "level": "goal", "code": "G1", "title_en": "Goal one"} | data
    r = auth(api, reviewer).post("/api/v1/nodes/", payload, format="json")
    assert r.status_code == 400, r.content
    if field:
        assert field in r.json()
    assert Node.objects.count() == 1


def test_result_code_taken_is_400(api, reviewer, plan, levels):
    NodeFactory(plan=plan, level=levels[0], code="G1", title_en="Kept")
    r = auth(api, reviewer).post(
        "/api/v1/nodes/",
        {"plan": plan.pk, "level": "goal", "code": "G1", "title_en": "Other"},
        format="json",
    )
    assert r.status_code == 400 and "code" in r.json()
    assert Node.objects.get().title_en == "Kept"


def test_results_refused_to_officers_and_hidden_from_others(
    api, officer, officer_undp, plan, levels
):
    payload = {"plan": plan.pk, "level": "goal", "code": "G1", "title_en": "Goal one"}
    assert auth(api, officer).post("/api/v1/nodes/", payload, format="json").status_code == 403
    r = auth(api, officer_undp).post("/api/v1/nodes/", payload, format="json")
    assert r.status_code == 400 and "plan" in r.json()
    node = NodeFactory(plan=plan, level=levels[0], code="G2")
    assert auth(api, officer).patch(f"/api/v1/nodes/{node.pk}/", {"order": 3}).status_code == 403
    assert auth(api, officer_undp).patch(f"/api/v1/nodes/{node.pk}/", {}).status_code == 404
    assert Node.objects.count() == 1


# --- reporting periods ----------------------------------------------------------------------


def test_reviewer_adds_a_period_and_changes_its_dates(api, reviewer, plan):
    auth(api, reviewer)
    r = api.post(
        "/api/v1/periods/",
        {"plan": plan.pk, "label": "2027", "start_date": "2027-01-01", "end_date": "2027-12-31"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["is_closed"] is False
    pk = r.json()["id"]
    r = api.patch(f"/api/v1/periods/{pk}/", {"end_date": "2027-06-30", "label": "x"})
    assert r.status_code == 200, r.content
    period = ReportingPeriod.objects.get(pk=pk)
    assert period.end_date == datetime.date(2027, 6, 30) and period.label == "2027"
    # A single-day period is the boundary of the date order.
    r = api.patch(f"/api/v1/periods/{pk}/", {"end_date": "2027-01-01"})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"end_date": "2026-12-31"},  # before the start
        {"start_date": "2027-02-30"},
        {"label": ""},
        {"label": "2026"},  # taken
        {"is_closed": True, "label": ""},
    ],
)
def test_bad_period_is_400_and_nothing_written(api, reviewer, plan, data):
    PeriodFactory(plan=plan, label="2026")
    payload = {
        "plan": plan.pk,
        "label": "2027",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
    } | data
    r = auth(api, reviewer).post("/api/v1/periods/", payload, format="json")
    assert r.status_code == 400, r.content
    assert ReportingPeriod.objects.count() == 1


def test_period_dates_out_of_order_on_edit_is_400(api, reviewer, period):
    r = auth(api, reviewer).patch(f"/api/v1/periods/{period.pk}/", {"end_date": "1999-01-01"})
    assert r.status_code == 400
    period.refresh_from_db()
    assert period.end_date.year != 1999


def test_periods_of_another_entity_are_not_found(api, officer_undp, period):
    r = auth(api, officer_undp).patch(f"/api/v1/periods/{period.pk}/", {"end_date": "2030-01-01"})
    assert r.status_code == 404
    period.refresh_from_db()
    assert period.end_date != datetime.date(2030, 1, 1)


def test_periods_refused_to_officers(api, officer, plan, period):
    payload = {
        "plan": plan.pk,
        "label": "2030",
        "start_date": "2030-01-01",
        "end_date": "2030-12-31",
    }
    assert auth(api, officer).post("/api/v1/periods/", payload, format="json").status_code == 403
    r = auth(api, officer).patch(f"/api/v1/periods/{period.pk}/", {"end_date": "2030-01-01"})
    assert r.status_code == 403
    assert ReportingPeriod.objects.count() == 1


def test_a_periods_due_date_is_set_and_checked_through_the_api(api, reviewer, plan):
    auth(api, reviewer)
    base = {"plan": plan.pk, "start_date": "2027-01-01", "end_date": "2027-12-31"}
    r = api.post("/api/v1/periods/", {**base, "label": "2027", "due_date": "2028-01-31"})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["due_date"] == "2028-01-31"
    assert ReportingPeriod.objects.get(pk=pk).due == datetime.date(2028, 1, 31)
    # The boundary: due the day the period starts; a day earlier is refused, nothing written.
    assert api.patch(f"/api/v1/periods/{pk}/", {"due_date": "2027-01-01"}).status_code == 200
    r = api.patch(f"/api/v1/periods/{pk}/", {"due_date": "2026-12-31"})
    assert r.status_code == 400 and "due_date" in r.json()
    assert ReportingPeriod.objects.get(pk=pk).due_date == datetime.date(2027, 1, 1)
    r = api.post("/api/v1/periods/", {**base, "label": "2027b", "due_date": "2026-12-31"})
    assert r.status_code == 400 and not ReportingPeriod.objects.filter(label="2027b").exists()
    # Cleared: due at the end of the period again.
    assert api.patch(f"/api/v1/periods/{pk}/", {"due_date": None}, format="json").status_code == 200
    period = ReportingPeriod.objects.get(pk=pk)
    assert period.due_date is None and period.due == period.end_date
    assert Event.objects.filter(action="period.updated", target_id=str(pk)).count() == 2
    assert api.get(f"/api/v1/periods/{pk}/").json()["due_date"] is None


def test_framework_lists_keep_their_query_count(api, reviewer, plan, django_assert_max_num_queries):
    level = LevelFactory(plan=plan, depth=1, code="goal")
    auth(api, reviewer)

    def grow(n):
        for i in range(n):
            other = PlanFactory(entity=plan.entity, code=f"p{Plan.objects.count()}-{i}")
            LevelFactory(plan=other, depth=1, code="goal")
            NodeFactory(plan=plan, level=level, code=f"N{Node.objects.count()}")
            PeriodFactory(plan=plan, label=f"L{ReportingPeriod.objects.count()}")

    for url in ("/api/v1/plans/", "/api/v1/nodes/", "/api/v1/periods/"):
        grow(1)
        with django_assert_max_num_queries(50) as small:
            assert api.get(url).status_code == 200
        grow(10)
        with django_assert_max_num_queries(len(small.captured_queries)):
            r = api.get(url)
        assert r.status_code == 200 and r.json()["count"] >= 2
