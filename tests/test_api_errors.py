"""Bad parameters answer 400 with a message, never a server error; with DEBUG off, errors
under /api/ are JSON ({"detail": ...}) and pages use the site's error pages."""

import pytest
from django.test import Client
from django.utils import translation

from indicators.models import Plan
from oversight import demo
from oversight.models import ActionPlanItem, Resolution
from tests.factories import user_with_role
from tests.indicators.test_api import auth

pytestmark = pytest.mark.django_db

BAD_YEARS = ["0", "-1", "10000", "6e16", "1.5", "x"]


@pytest.fixture
def admin(db):
    from tests.factories import UserFactory

    return UserFactory(username="t-super", is_superuser=True, is_staff=True)


@pytest.mark.parametrize("year", BAD_YEARS)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/oversight/recommendations/",
        "/api/v1/oversight/recommendations/export/",
        "/api/v1/targets/",
        "/api/v1/progress/results/",
        "/api/v1/progress/rollups/",
    ],
)
def test_impossible_year_is_400_with_a_message(api, admin, url, year):
    r = auth(api, admin).get(url, {"year": year})
    assert r.status_code == 400, r.content
    assert r.json()["year"][0]


@pytest.mark.parametrize("year", ["1", "9999", "2021"])
def test_boundary_years_are_answered(api, admin, year):
    auth(api, admin)
    assert api.get("/api/v1/oversight/recommendations/", {"year": year}).status_code == 200
    assert api.get("/api/v1/targets/", {"year": year}).status_code == 200


@pytest.mark.parametrize("value", ["0", "-1", "6e16", "9223372036854775808", "1e400"])
@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/values/", "indicator"),
        ("/api/v1/values/", "period"),
        ("/api/v1/nodes/", "plan"),
        ("/api/v1/indicators/", "node"),
    ],
)
def test_impossible_ids_in_filters_are_400(api, admin, url, name, value):
    r = auth(api, admin).get(url, {name: value})
    assert r.status_code == 400, r.content
    assert r.json()[name][0]


def test_largest_id_is_answered(api, admin):
    r = auth(api, admin).get("/api/v1/values/", {"indicator": str(2**63 - 1)})
    assert r.status_code == 200 and r.json()["count"] == 0


def test_page_with_impossible_year_shows_a_form_error_not_a_server_error(client, admin):
    client.force_login(admin)
    for year in BAD_YEARS:
        r = client.get("/oversight/recommendations/", {"year": year})
        assert r.status_code == 200
        assert r.context["filter"].errors["year"]


# --- NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/entities/?q=a%00b",
        "/api/v1/oversight/recommendations/?q=a%00",
        "/api/v1/oversight/recommendations/?entity=UN%00OPS",
        "/api/v1/oversight/recommendations/?report=%00",
        "/api/v1/indicators/?entity=%00",
        "/api/v1/entities/UN%00OPS/",
        "/api/v1/oversight/bodies/oi%00os/",
        "/api/v1/oversight/statistics/?body=%00",
    ],
)
def test_nul_in_path_or_query_is_400_json(api, admin, url):
    r = auth(api, admin).get(url)
    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    assert "NUL" in r.json()["detail"]


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "sp\x002030"},
        {"title_en": "Plan\x00"},
        {"entity": "UNOPS\x00"},
        {"levels": [{"depth": 1, "code": "goal", "name_en": "G\x00"}]},
        {"note\x00": "a key with a NUL"},
    ],
)
def test_nul_in_json_body_is_400_and_nothing_written(api, reviewer, unops, payload):
    base = {
        "entity": "UNOPS",
        "code": "sp-2030",
        "kind": "strategic_plan",
        "title_en": "Strategic plan",
        "start_year": 2026,
        "end_year": 2030,
    }
    r = auth(api, reviewer).post("/api/v1/plans/", base | payload, format="json")
    assert r.status_code == 400, r.content
    assert "NUL" in r.json()["detail"]
    assert not Plan.objects.exists()


def test_nul_in_form_body_is_400(api, reviewer, unops):
    r = auth(api, reviewer).post(
        "/api/v1/plans/", {"entity": "UNOPS", "code": "a\x00"}, format="multipart"
    )
    # Multipart text fields are checked by the serializer fields themselves.
    assert r.status_code == 400
    r = auth(api, reviewer).generic(
        "POST",
        "/api/v1/plans/",
        "entity=UNOPS&code=a%00b",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 400 and "NUL" in r.json()["detail"]
    assert not Plan.objects.exists()


def test_nul_on_a_page_is_the_400_page(client, admin):
    client.force_login(admin)
    r = client.get("/oversight/recommendations/?q=a%00")
    assert r.status_code == 400
    assert r["Content-Type"].startswith("text/html")
    assert b"NUL" in r.content and b'id="main-nav"' in r.content


# --- list fields never null -------------------------------------------------------------------


@pytest.fixture
def mandates(db):
    demo.load_resolutions()
    demo.load_action_plan()


def test_null_report_symbols_is_400_and_unchanged(api, admin, mandates):
    res = Resolution.objects.exclude(report_symbols=[]).first()
    before = list(res.report_symbols)
    r = auth(api, admin).patch(
        f"/api/v1/oversight/resolutions/{res.pk}/", {"report_symbols": None}, format="json"
    )
    assert r.status_code == 400 and r.json()["report_symbols"][0]
    res.refresh_from_db()
    assert res.report_symbols == before


@pytest.mark.parametrize("bad", [None, "A/73/688", [None], [""], [1, {"a": 1}]])
def test_bad_document_refs_is_400_and_unchanged(api, admin, mandates, bad):
    item = ActionPlanItem.objects.exclude(document_refs=[]).first()
    before = list(item.document_refs)
    r = auth(api, admin).patch(
        f"/api/v1/oversight/action-plan-items/{item.pk}/", {"document_refs": bad}, format="json"
    )
    assert r.status_code == 400, r.content
    assert r.json()["document_refs"]
    item.refresh_from_db()
    assert item.document_refs == before


def test_empty_list_clears_the_documents(api, admin, mandates):
    item = ActionPlanItem.objects.exclude(document_refs=[]).first()
    r = auth(api, admin).patch(
        f"/api/v1/oversight/action-plan-items/{item.pk}/", {"document_refs": []}, format="json"
    )
    assert r.status_code == 200 and r.json()["document_refs"] == []


# --- error pages and JSON errors ----------------------------------------------------------


def test_unknown_api_url_is_json_404(api, admin):
    r = auth(api, admin).get("/api/v1/no-such-thing/")
    assert r.status_code == 404
    assert r["Content-Type"] == "application/json" and r.json()["detail"]


def test_unknown_page_is_the_site_404_page_in_chinese(client, admin):
    client.force_login(admin)
    with translation.override("zh-hans"):
        r = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 404
    assert r["Content-Type"].startswith("text/html")
    html = r.content.decode()
    assert 'id="main-nav"' in html
    assert "页面未找到" in html


def test_forbidden_page_is_the_site_403_page(client, unops):
    from entities.choices import Role

    officer = user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-page-officer")
    client.force_login(officer)
    r = client.get("/oversight/import/")
    assert r.status_code == 403
    assert r["Content-Type"].startswith("text/html") and b'id="main-nav"' in r.content


def test_server_error_under_api_is_json(api, admin, monkeypatch):
    from oversight import selectors

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "statistics", boom)
    client = auth(api, admin)
    client.raise_request_exception = False
    r = client.get("/api/v1/oversight/statistics/")
    assert r.status_code == 500
    assert r["Content-Type"] == "application/json"
    assert r.json()["detail"] and "boom" not in r.content.decode()


def test_server_error_on_a_page_is_the_site_500_page(admin, monkeypatch):
    from oversight import selectors

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "statistics", boom)
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    r = client.get("/oversight/statistics/")
    assert r.status_code == 500
    assert r["Content-Type"].startswith("text/html")
    assert b'id="main-nav"' in r.content and b"boom" not in r.content
