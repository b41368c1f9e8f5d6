"""Progress dashboards, charts and API: content, refusals, query budgets, both languages."""

import re
from datetime import date

import pytest
from django.utils import translation

from entities.choices import Role
from indicators import charts
from indicators.choices import Status, ValueKind
from indicators.models import ProgressResult
from indicators.selectors_progress import indicator_series
from indicators.services import progress as engine
from tests.factories import user_with_role
from tests.indicators.factories import IndicatorFactory, value_in, with_framework

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 1)


def many(plan, period, officer, reviewer, n, start=0):
    for i in range(start, start + n):
        ind = with_framework(IndicatorFactory(plan=plan, code=f"P{i:03d}", order=i))
        if i % 3 == 0:
            value_in(ind, period, Status.APPROVED, officer=officer, reviewer=reviewer, number="15")
        elif i % 3 == 1:
            value_in(ind, period, Status.SUBMITTED, officer=officer)


@pytest.fixture
def computed(plan, period, officer, reviewer):
    many(plan, period, officer, reviewer, 3)
    engine.progress_compute_full(as_of=AS_OF)
    return plan


def dashboard(client, plan, **headers):
    """The plan dashboard with every node's section loaded, as htmx loads them."""
    page = client.get(f"/indicators/plans/{plan.pk}/progress/", headers=headers).content.decode()
    for url in re.findall(r'hx-get="([^"]+)"', page):
        section = client.get(url, headers={"HX-Request": "true", **headers})
        assert section.status_code == 200
        page += section.content.decode()
    return page


def test_plan_dashboard_shows_rollups_bullets_and_trend(client, reviewer, computed):
    client.force_login(reviewer)
    page = dashboard(client, computed)
    assert page.count('class="bullet-chart"') == 3
    assert 'role="img"' in page and "<title>P000</title>" in page
    assert "Baseline 10, latest 15, target 20, 50% of the way, On track." in page
    assert 'data-indicator="P001"' in page and "Not started / no data" in page
    assert "share progressing" in page and "33%" in page  # 1 of 3 made progress


def test_plan_dashboard_in_chinese(client, reviewer, computed):
    client.force_login(reviewer)
    page = dashboard(client, computed, **{"Accept-Language": "zh-hans"})
    with translation.override("zh-hans"):
        expected = str(charts.OnTrackStatus.ON_TRACK.label)
    assert expected != "On track" and expected in page
    assert "进展" in page and "基线 10，最新 15，目标 20" in page


def test_plan_dashboard_queries_do_not_grow_with_rows(
    client, reviewer, plan, period, officer, django_assert_max_num_queries
):
    many(plan, period, officer, reviewer, 3)
    engine.progress_compute_full(as_of=AS_OF)
    client.force_login(reviewer)
    url = f"/indicators/plans/{plan.pk}/progress/"
    node = plan.indicators.first().node_id
    plan.indicators.update(node_id=node)  # one section, growing
    section = f"{url}nodes/{node}/"
    htmx = {"HX-Request": "true"}
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(30) as few_section:
        assert client.get(section, headers=htmx).status_code == 200
    many(plan, period, officer, reviewer, 12, start=3)
    plan.indicators.update(node_id=node)
    engine.progress_compute_full(as_of=AS_OF)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(url)
    assert r.status_code == 200
    with django_assert_max_num_queries(len(few_section.captured_queries)):
        r = client.get(section, headers=htmx)
    assert r.status_code == 200
    assert r.content.decode().count('class="bullet-chart"') == 15


def test_dashboards_refuse_other_entities(client, officer_undp, computed, period, undp_plan):
    client.force_login(officer_undp)
    assert client.get(f"/indicators/plans/{computed.pk}/progress/").status_code == 404
    ind = computed.indicators.first()
    assert client.get(f"/indicators/indicators/{ind.pk}/progress/").status_code == 404
    assert client.get("/indicators/entities/UNOPS/dashboard/").status_code == 404
    assert client.get(f"/indicators/plans/{undp_plan.pk}/progress/").status_code == 200


def test_anonymous_is_sent_to_login(client, computed):
    response = client.get(f"/indicators/plans/{computed.pk}/progress/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_entity_dashboard_for_reviewers_and_auditors_only(
    client, officer, reviewer, auditor, computed, period, django_assert_max_num_queries
):
    client.force_login(officer)
    assert client.get("/indicators/entities/UNOPS/dashboard/").status_code == 403
    client.force_login(reviewer)
    with django_assert_max_num_queries(25):
        page = client.get(f"/indicators/entities/unops/dashboard/?period={period.pk}")
    assert page.status_code == 200
    page = page.content.decode()
    assert 'data-count="approved">1<' in page and 'data-count="submitted">1<' in page
    assert 'data-count="missing">1<' in page and 'data-missing="P002"' in page
    assert 'data-waiting="P001"' in page and 'data-approved="P000"' in page
    client.force_login(auditor)
    assert client.get("/indicators/entities/UNOPS/dashboard/").status_code == 200


def test_indicator_page_draws_the_time_series(client, reviewer, computed):
    client.force_login(reviewer)
    ind = computed.indicators.get(code="P000")
    page = client.get(f"/indicators/indicators/{ind.pk}/progress/").content.decode()
    assert 'class="series-chart"' in page
    assert "Baseline 2025: 10; Target 2029: 20; Approved 2026: 15" in page
    assert "<circle" in page and "<polyline" in page
    detail = client.get(f"/indicators/indicators/{ind.pk}/").content.decode()
    assert f"/indicators/indicators/{ind.pk}/progress/" in detail


def test_series_chart_in_chinese_and_without_figures(plan):
    ind = IndicatorFactory(plan=plan, value_kind=ValueKind.TEXT)
    with translation.override("zh-hans"):
        svg = charts.time_series(indicator_series(ind), title="T")
        assert 'role="img"' in svg and "No figures to draw." not in svg
    assert charts.bullet_chart(None).startswith("<svg")


def test_api_lists_results_and_rollups_of_visible_entities(
    api, reviewer, officer_undp, computed, django_assert_max_num_queries
):
    api.force_authenticate(reviewer)
    with django_assert_max_num_queries(8):
        r = api.get("/api/v1/progress/results/", {"plan": computed.pk})
    assert r.status_code == 200
    results = r.json()
    assert results["count"] == 3
    first = results["results"][0]
    assert first["indicator_code"] == "P000" and first["compact_class"] == "progress"
    assert first["percent_of_way"] == 50.0 and first["on_track_status"] == "on_track"
    latest = api.get("/api/v1/progress/results/", {"latest": "true"}).json()
    assert latest["count"] == 3
    rollups = api.get("/api/v1/progress/rollups/", {"scope": "plan"}).json()
    assert rollups["count"] == 1 and rollups["results"][0]["n"] == 3
    assert rollups["results"][0]["share_progress_assessable"] == 1.0
    entity = api.get("/api/v1/progress/rollups/", {"scope": "entity", "entity": "unops"}).json()
    assert entity["count"] == 1
    api.force_authenticate(officer_undp)
    assert api.get("/api/v1/progress/results/").json()["count"] == 0
    assert api.get("/api/v1/progress/rollups/").json()["count"] == 0
    hidden = ProgressResult.objects.first()
    assert api.get("/api/v1/progress/results/", {"indicator": hidden.indicator_id}).json() == {
        "count": 0, "next": None, "previous": None, "results": []
    }  # fmt: skip
    api.force_authenticate(reviewer)
    mine = api.get("/api/v1/progress/results/", {"indicator": hidden.indicator_id}).json()
    assert [r["indicator"] for r in mine["results"]] == [hidden.indicator_id]
    node = api.get("/api/v1/progress/results/", {"node": mine["results"][0]["node_id"]}).json()
    assert [r["indicator"] for r in node["results"]] == [hidden.indicator_id]
    assert mine["results"][0]["baseline"] == 10.0 and mine["results"][0]["target"] == 20.0
    # Results are listed, not fetched one by one (their key has four parts).
    assert api.get("/api/v1/progress/results/1/").status_code == 404


def test_api_query_count_does_not_grow(
    api, reviewer, plan, period, officer, django_assert_max_num_queries
):
    many(plan, period, officer, reviewer, 20)
    engine.progress_compute_full(as_of=AS_OF)
    api.force_authenticate(reviewer)
    with django_assert_max_num_queries(8):
        r = api.get("/api/v1/progress/results/")
    assert r.status_code == 200 and r.json()["count"] == 20
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/progress/rollups/").status_code == 200


def test_api_refuses_anonymous(api, computed):
    assert api.get("/api/v1/progress/results/").status_code in (401, 403)


def test_reader_of_all_entities_sees_everything(api, computed):
    reader = user_with_role(Role.READER, None, username="t-reader")
    api.force_authenticate(reader)
    assert api.get("/api/v1/progress/results/").json()["count"] == 3


def test_entity_dashboard_queries_do_not_grow_with_rows(
    client, reviewer, plan, period, officer, django_assert_max_num_queries
):
    many(plan, period, officer, reviewer, 3)
    client.force_login(reviewer)
    url = f"/indicators/entities/UNOPS/dashboard/?period={period.pk}"
    with django_assert_max_num_queries(25) as few:
        assert client.get(url).status_code == 200
    many(plan, period, officer, reviewer, 12, start=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(url)
    assert r.status_code == 200 and r.content.decode().count("data-waiting=") == 5


def test_progress_results_export_holds_numbers_and_only_what_the_user_reads(
    client, api, reviewer, officer_undp, computed
):
    import io

    import openpyxl

    def book(response):
        assert response.status_code == 200
        wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        header, *rows = wb.worksheets[0].iter_rows(values_only=True)
        return wb.worksheets[0], {r[1]: dict(zip(header, r, strict=True)) for r in rows}

    client.force_login(reviewer)
    page = client.get(f"/indicators/plans/{computed.pk}/progress/").content.decode()
    assert f"/indicators/progress/export.xlsx?plan={computed.pk}" in page
    ws, rows = book(client.post(f"/indicators/progress/export.xlsx?plan={computed.pk}"))
    assert set(rows) == {"P000", "P001", "P002"}
    first = rows["P000"]
    assert (first["Baseline"], first["Target"], first["Actual"]) == (10, 20, 15)
    assert first["Percent of the way"] == 50.0 and first["Year"] == 2026
    assert ws["L2"].number_format == '0.0"%"' and ws["L2"].data_type == "n"
    assert rows["P001"]["Actual"] is None  # submitted, not approved
    assert client.post("/indicators/progress/export.xlsx?year=0").status_code == 400
    # UNDP's officer reads none of UNOPS's results: the same file, without rows.
    api.force_authenticate(officer_undp)
    _ws, rows = book(api.get("/api/v1/progress/results/export/", {"plan": computed.pk}))
    assert rows == {}
