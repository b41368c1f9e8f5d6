from datetime import date
from decimal import Decimal

import pytest

from audit.models import Event
from core.cache import bump
from indicators.choices import Status, ValueKind
from indicators.models import Baseline, ImportJob, Indicator, Target, Value
from tests.factories import api_token
from tests.indicators.factories import (
    IndicatorFactory,
    NodeFactory,
    PeriodFactory,
    value_in,
    with_framework,
)

pytestmark = pytest.mark.django_db


def auth(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


def test_officer_creates_value_and_submits(api, officer, indicator, period):
    auth(api, officer)
    r = api.post(
        "/api/v1/values/",
        {"indicator": indicator.pk, "period": period.pk, "numeric_value": "12.5"},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "draft" and body["version"] == 1
    assert body["display"] == "12.5"
    r = api.post(f"/api/v1/values/{body['id']}/submit/", {"version": 1}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "submitted" and r.json()["version"] == 2


def test_stale_version_gets_409_with_current_value(api, officer, indicator, period):
    value = value_in(indicator, period, officer=officer, number="3")
    auth(api, officer)
    r = api.patch(
        f"/api/v1/values/{value.pk}/", {"numeric_value": "4", "version": 1}, format="json"
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    r = api.patch(
        f"/api/v1/values/{value.pk}/", {"numeric_value": "5", "version": 1}, format="json"
    )
    assert r.status_code == 409
    assert "changed by someone else" in r.json()["detail"]
    assert r.json()["current"]["numeric_value"] == "4.000000"
    assert r.json()["current"]["version"] == 2
    assert Value.objects.get().numeric_value == Decimal("4")


def test_create_over_existing_value_is_409(api, officer, indicator, period):
    value_in(indicator, period, officer=officer, number="3")
    r = auth(api, officer).post(
        "/api/v1/values/",
        {"indicator": indicator.pk, "period": period.pk, "numeric_value": "9"},
        format="json",
    )
    assert r.status_code == 409
    assert Value.objects.get().numeric_value == Decimal("3")


def test_patch_without_version_is_refused(api, officer, indicator, period):
    value = value_in(indicator, period, officer=officer, number="3")
    r = auth(api, officer).patch(
        f"/api/v1/values/{value.pk}/", {"numeric_value": "4"}, format="json"
    )
    assert r.status_code == 400
    assert "version" in r.json()
    assert Value.objects.get().numeric_value == Decimal("3")


def test_return_needs_reason(api, officer, reviewer, indicator, period):
    value = value_in(indicator, period, Status.SUBMITTED, officer=officer)
    r = auth(api, reviewer).post(
        f"/api/v1/values/{value.pk}/return/", {"reason": ""}, format="json"
    )
    assert r.status_code == 400
    assert r.json()["reason"] == ["Give a reason."]
    assert Value.objects.get().status == Status.SUBMITTED
    r = api.post(f"/api/v1/values/{value.pk}/return/", {"reason": "Source?"}, format="json")
    assert r.status_code == 200
    assert r.json()["status"] == "returned" and r.json()["return_reason"] == "Source?"


def test_officer_cannot_approve(api, officer, indicator, period):
    value = value_in(indicator, period, Status.SUBMITTED, officer=officer)
    r = auth(api, officer).post(f"/api/v1/values/{value.pk}/approve/", {}, format="json")
    assert r.status_code == 403
    assert r.json()["detail"] == "Your role does not allow this."
    assert Value.objects.get().status == Status.SUBMITTED
    assert not Event.objects.filter(action="value.approved").exists()


def test_auditor_reads_history_but_changes_nothing(
    api, auditor, officer, reviewer, indicator, period
):
    value = value_in(indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer)
    auth(api, auditor)
    r = api.get(f"/api/v1/values/{value.pk}/history/")
    assert r.status_code == 200
    rows = r.json()
    assert [h["action"] for h in rows] == ["saved", "submitted", "approved"]
    assert rows[0]["actor"] == "t-officer" and rows[0]["new"] == "12.5"
    assert rows[2]["actor"] == "t-reviewer" and rows[2]["status"] == "approved"
    r = api.post(f"/api/v1/values/{value.pk}/reopen/", {"reason": "x"}, format="json")
    assert r.status_code == 403
    assert Value.objects.get().status == Status.APPROVED


def test_officer_does_not_see_history(api, officer, indicator, period):
    value = value_in(indicator, period, officer=officer)
    r = auth(api, officer).get(f"/api/v1/values/{value.pk}/history/")
    assert r.status_code == 403
    assert r.json()["detail"] == "Only reviewers and auditors see a value's history."


def test_undp_officer_sees_and_changes_nothing_of_unops(
    api, officer_undp, officer, reviewer, indicator, period
):
    value = value_in(indicator, period, officer=officer)
    auth(api, officer_undp)
    for url in ("plans", "nodes", "periods", "indicators", "baselines", "targets", "values"):
        assert api.get(f"/api/v1/{url}/").json()["count"] == 0, url
    assert api.get(f"/api/v1/values/{value.pk}/").status_code == 404
    assert api.get(f"/api/v1/indicators/{indicator.pk}/").status_code == 404
    r = api.patch(
        f"/api/v1/values/{value.pk}/", {"numeric_value": "1", "version": 1}, format="json"
    )
    assert r.status_code == 404
    r = api.post(f"/api/v1/values/{value.pk}/submit/", {}, format="json")
    assert r.status_code == 404
    r = api.post(
        "/api/v1/values/",
        {"indicator": indicator.pk, "period": period.pk, "numeric_value": "1"},
        format="json",
    )
    # Answered as for an indicator that does not exist: nothing can be probed.
    assert r.status_code == 400
    missing = api.post(
        "/api/v1/values/",
        {"indicator": 999999, "period": 999999, "numeric_value": "1"},
        format="json",
    )
    assert r.json() == {
        k: [m.replace("999999", str(pk)) for m in v]
        for (k, v), pk in zip(missing.json().items(), (indicator.pk, period.pk), strict=True)
    }
    assert Value.objects.get().numeric_value == Decimal("12.5")


def test_bad_value_in_api_is_400_with_message(api, officer, plan, period):
    indicator = IndicatorFactory(plan=plan, value_kind=ValueKind.PERCENT)
    r = auth(api, officer).post(
        "/api/v1/values/",
        {"indicator": indicator.pk, "period": period.pk, "numeric_value": "120"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["numeric_value"] == ["A percent must be between 0 and 100."]
    assert not Value.objects.exists()


def test_parts_value_through_api(api, officer, plan, period):
    indicator = IndicatorFactory(plan=plan, value_kind=ValueKind.PARTS, decimals=0)
    r = auth(api, officer).post(
        "/api/v1/values/",
        {
            "indicator": indicator.pk,
            "period": period.pk,
            "parts": {"pooled": "59", "thematic": "27"},
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["parts"] == {"pooled": "59", "thematic": "27"}
    assert r.json()["display"] == "pooled funds: 59; thematic funds: 27"


def test_reviewer_maintains_indicator_baseline_target(api, reviewer, officer, plan):
    node = NodeFactory(plan=plan)
    auth(api, reviewer)
    r = api.post(
        "/api/v1/indicators/",
        {
            "plan": plan.pk,
            "node": node.pk,
            "code": "NEW-1",
            "name_en": "New",
            "value_kind": "percent",
            "decimals": 1,
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    ind_id = r.json()["id"]
    r = api.patch(f"/api/v1/indicators/{ind_id}/", {"name_zh": "新指标"}, format="json")
    assert r.status_code == 200 and r.json()["name_zh"] == "新指标"
    r = api.post(
        "/api/v1/baselines/",
        {
            "indicator": ind_id,
            "numeric_value": "40",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    r = api.post(
        "/api/v1/targets/",
        {"indicator": ind_id, "year": 2029, "target_kind": "end", "numeric_value": "60"},
        format="json",
    )
    assert r.status_code == 201, r.content
    r = api.patch(f"/api/v1/targets/{r.json()['id']}/", {"numeric_value": "65"}, format="json")
    assert r.status_code == 200 and r.json()["numeric_value"] == "65.000000"
    assert Event.objects.filter(action="target.set").count() == 2
    auth(api, officer)
    r = api.patch(f"/api/v1/indicators/{ind_id}/", {"name_en": "Hijack"}, format="json")
    assert r.status_code == 403
    assert r.json()["detail"] == "Only the entity's reviewers maintain its framework."
    assert Indicator.objects.get(pk=ind_id).name_en == "New"


LISTS = ["plans", "nodes", "periods", "indicators", "baselines", "targets", "values", "imports"]


def test_list_query_count_does_not_grow(api, auditor, officer, plan, django_assert_max_num_queries):
    """Every list, on the same rows (built once for all of them): its queries with 2 rows of
    each kind bound its queries with 14."""
    period = PeriodFactory(plan=plan)

    def make(n):
        for _ in range(n):
            ind = with_framework(IndicatorFactory(plan=plan))
            value_in(ind, period, officer=officer)
            ImportJob.objects.create(period=period, file="imports/x.xlsx", created_by=officer)
        IndicatorFactory(plan=plan, value_kind=ValueKind.PARTS)

    make(2)
    auth(api, auditor)
    # Each list, and the lists of one framework (ordered within it: filters.in_plan).
    urls = [f"/api/v1/{name}/" for name in LISTS]
    urls += [f"/api/v1/indicators/?plan={plan.pk}", f"/api/v1/values/?plan={plan.pk}"]
    few = {}
    for url in urls:
        with django_assert_max_num_queries(12, info=url) as queries:
            assert api.get(url).status_code == 200, url
        few[url] = len(queries.captured_queries)
    make(12)
    PeriodFactory(plan=plan, label="2027")
    for url in urls:
        with django_assert_max_num_queries(few[url], info=url):
            r = api.get(url)
        assert r.status_code == 200 and r.json()["count"] >= 1, url


def test_a_framework_s_lists_keep_the_list_order(api, auditor, officer, plan, undp_plan):
    """Filtered to one framework, the indicators and values lists come in the order of the
    whole list (indicator order, then code; values by period within each indicator), only of
    that framework."""
    early, late = (
        PeriodFactory(plan=plan, label=str(y), start_date=date(y, 1, 1), end_date=date(y, 12, 31))
        for y in (2021, 2022)
    )
    for order, code in ((2, "A"), (1, "C"), (1, "B"), (0, "Z")):
        indicator = IndicatorFactory(plan=plan, code=code, order=order)
        for period in (late, early):
            value_in(indicator, period, officer=officer)
    IndicatorFactory(plan=undp_plan, code="B0", order=0)  # another framework's
    auth(api, auditor)

    def rows(url):
        found = []
        while url:
            page = api.get(url)
            assert page.status_code == 200
            found += page.json()["results"]
            url = page.json()["next"]
        return found

    indicators = rows(f"/api/v1/indicators/?plan={plan.pk}")
    assert [row["code"] for row in indicators] == ["Z", "B", "C", "A"]
    values = rows(f"/api/v1/values/?plan={plan.pk}")
    expected = [(c, p) for c in ("Z", "B", "C", "A") for p in ("2021", "2022")]
    assert [(row["indicator_code"], row["period_label"]) for row in values] == expected
    every = [r for r in rows("/api/v1/indicators/") if r["plan"] == plan.pk]
    assert [row["code"] for row in every] == ["Z", "B", "C", "A"]


def test_schema_has_indicator_endpoints(api):
    r = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    paths = r.json()["paths"]
    for p in (
        "/api/v1/values/{id}/approve/",
        "/api/v1/values/{id}/history/",
        "/api/v1/imports/{id}/commit/",
        "/api/v1/periods/{id}/template/",
    ):
        assert p in paths
    assert Baseline.objects.count() == 0 and Target.objects.count() == 0


def test_reviewer_closes_period_and_entries_are_refused(api, reviewer, officer, indicator, period):
    r = auth(api, officer).post(f"/api/v1/periods/{period.pk}/close/")
    assert r.status_code == 403
    assert r.json()["detail"] == "Only the entity's reviewers maintain its framework."
    r = auth(api, reviewer).post(f"/api/v1/periods/{period.pk}/close/", {}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    period.refresh_from_db()
    assert not period.is_closed
    r = auth(api, reviewer).post(
        f"/api/v1/periods/{period.pk}/close/", {"reason": "Deadline passed"}, format="json"
    )
    assert r.status_code == 200 and r.json()["is_closed"] is True
    r = auth(api, officer).post(
        "/api/v1/values/",
        {"indicator": indicator.pk, "period": period.pk, "numeric_value": "1"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["period"] == ["The reporting period is closed."]
    assert not Value.objects.exists()
    assert Event.objects.get(action="period.closed").reason == "Deadline passed"
    r = auth(api, reviewer).post(
        f"/api/v1/periods/{period.pk}/open/", {"reason": "Late data"}, format="json"
    )
    assert r.json()["is_closed"] is False
    assert Event.objects.get(action="period.opened").reason == "Late data"


def test_transition_on_stale_version_is_409(api, officer, reviewer, indicator, period):
    value = value_in(indicator, period, Status.SUBMITTED, officer=officer)
    r = auth(api, reviewer).post(
        f"/api/v1/values/{value.pk}/approve/", {"version": value.version - 1}, format="json"
    )
    assert r.status_code == 409
    assert r.json()["current"]["status"] == "submitted"
    assert Value.objects.get().status == Status.SUBMITTED
    assert not Event.objects.filter(action="value.approved").exists()


# --- many values at once ----------------------------------------------------------------------


def _items(values, version_delta=0):
    return [{"id": v.pk, "version": v.version + version_delta} for v in values]


def test_bulk_approve_and_return_per_value_results(
    api, officer, reviewer, plan, period, unops, undp_plan, officer_undp
):
    from entities.choices import Role
    from tests.factories import MembershipFactory
    from tests.indicators.factories import PeriodFactory

    submitted = [
        value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
        for _ in range(4)
    ]
    MembershipFactory(user=reviewer, entity=unops, role=Role.PROGRAMME_OFFICER)
    own = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=reviewer)
    foreign = value_in(
        IndicatorFactory(plan=undp_plan),
        PeriodFactory(plan=undp_plan),
        Status.SUBMITTED,
        officer=officer_undp,
    )
    body = {
        "action": "approve",
        "values": _items(submitted[:2]) + _items([submitted[2]], -1) + _items([own, foreign]),
    }
    r = auth(api, reviewer).post("/api/v1/values/bulk/", body, format="json")
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["ok"] for x in results] == [True, True, False, False, False]
    assert results[0]["status"] == "approved" and results[0]["version"] == submitted[0].version + 1
    assert "changed by someone else" in results[2]["error"]
    assert "entered or submitted yourself" in results[3]["error"]
    assert results[4] == {
        "id": foreign.pk,
        "ok": False,
        "status": "",
        "version": None,
        "error": "No such value.",
    }
    assert Value.objects.filter(status=Status.APPROVED).count() == 2
    assert Event.objects.filter(action="value.approved").count() == 2

    body = {"action": "return", "reason": "Attach the source", "values": _items(submitted[3:])}
    r = auth(api, reviewer).post("/api/v1/values/bulk/", body, format="json")
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "returned"
    assert Event.objects.get(action="value.returned").reason == "Attach the source"


def test_bulk_bad_requests_are_400_and_write_nothing(api, officer, reviewer, plan, period):
    value = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
    bad = [
        ({"action": "return", "values": _items([value])}, "reason"),
        ({"action": "return", "reason": " ", "values": _items([value])}, "reason"),
        ({"action": "delete", "values": _items([value])}, "action"),
        ({"action": "approve", "values": []}, "values"),
        ({"action": "approve"}, "values"),
        ({"action": "approve", "values": [{"id": value.pk}]}, "values"),
        ({"action": "approve", "values": _items([value, value])}, "values"),
    ]
    auth(api, reviewer)
    for body, key in bad:
        r = api.post("/api/v1/values/bulk/", body, format="json")
        assert r.status_code == 400, body
        assert key in r.json(), (body, r.json())
    assert Value.objects.get().status == Status.SUBMITTED
    assert not Event.objects.filter(action__in=["value.approved", "value.returned"]).exists()


def test_officer_cannot_bulk_approve(api, officer, plan, period):
    value = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
    r = auth(api, officer).post(
        "/api/v1/values/bulk/", {"action": "approve", "values": _items([value])}, format="json"
    )
    assert r.status_code == 200
    [result] = r.json()["results"]
    assert result["ok"] is False and result["error"]
    assert Value.objects.get().status == Status.SUBMITTED
    api.credentials()
    r = api.post(
        "/api/v1/values/bulk/", {"action": "approve", "values": _items([value])}, format="json"
    )
    assert r.status_code in (401, 403)


def test_values_list_needs_my_action_filter_and_query_count(
    api, officer, reviewer, plan, period, django_assert_max_num_queries
):
    draft = value_in(IndicatorFactory(plan=plan), period, officer=officer)
    submitted = value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
    value_in(
        IndicatorFactory(plan=plan),
        period,
        Status.APPROVED,
        officer=officer,
        reviewer=reviewer,
    )

    def ids(user, query):
        r = auth(api, user).get("/api/v1/values/" + query)
        assert r.status_code == 200
        return {row["id"] for row in r.json()["results"]}

    assert ids(officer, "?needs_action=true") == {draft.pk}
    assert ids(reviewer, "?needs_action=true") == {submitted.pk}
    assert ids(reviewer, "?needs_action=true&status=draft") == set()
    assert len(ids(reviewer, "?needs_action=false")) == 2
    auth(api, reviewer)
    bump()  # measure a page built, not one read from the shared cache (core.cache)
    with django_assert_max_num_queries(20) as few:
        assert api.get("/api/v1/values/?needs_action=true").status_code == 200
    baseline = len(few.captured_queries)
    for _ in range(10):
        value_in(IndicatorFactory(plan=plan), period, Status.SUBMITTED, officer=officer)
    with django_assert_max_num_queries(baseline):
        r = api.get("/api/v1/values/?needs_action=true")
        assert r.status_code == 200
    assert r.json()["count"] == 11
