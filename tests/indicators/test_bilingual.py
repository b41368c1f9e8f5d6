"""An indicator's definition, data source and unit in English and in Chinese: stored as pairs,
shown in the reader's language (the other language when that one is empty) on every path —
model, pages, forms, API, Excel template and import, value export, report dataset."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from audit.models import Event
from core.bilingual import localized, pick
from indicators import exporters, services
from indicators.choices import ImportStatus, unit_text
from indicators.models import Indicator, Value
from tests.factories import api_token
from tests.indicators.factories import IndicatorFactory, NodeFactory

pytestmark = pytest.mark.django_db

EN, ZH = "en", "zh-hans"


def bilingual_indicator(plan, **extra):
    return IndicatorFactory(
        plan=plan,
        code="BI-1",
        value_kind="number",
        decimals=0,
        definition_en="Projects closed on time",
        definition_zh="按时结束的项目",
        data_source_en="ERP system",
        data_source_zh="企业资源规划系统",
        unit_en="closed projects",
        unit_zh="个已结项目",
        **extra,
    )


# --- the one rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("en", "zh", "language", "shown"),
    [
        ("people", "人", EN, "people"),
        ("people", "人", ZH, "人"),
        ("people", "", ZH, "people"),  # no Chinese: the English
        ("", "人", EN, "人"),  # no English: the Chinese, never a blank
        ("", "", ZH, ""),
        ("", "", EN, ""),
    ],
)
def test_pick_prefers_the_readers_language_then_the_other(en, zh, language, shown):
    assert pick(en, zh, language) == shown
    with translation.override(language):
        assert pick(en, zh) == shown


def test_model_properties_follow_the_active_language(plan):
    ind = bilingual_indicator(plan)
    with translation.override(ZH):
        assert (ind.definition, ind.data_source, ind.unit_label) == (
            "按时结束的项目",
            "企业资源规划系统",
            "个已结项目",
        )
    with translation.override(EN):
        assert (ind.definition, ind.data_source, ind.unit_label) == (
            "Projects closed on time",
            "ERP system",
            "closed projects",
        )
    ind.definition_zh = ""
    with translation.override(ZH):
        assert ind.definition == "Projects closed on time"
        assert localized(ind, "definition") == ind.definition


def test_a_result_is_named_in_the_readers_language(plan):
    node = bilingual_indicator(plan).node
    node.title_en, node.title_zh = "Sustainable infrastructure", "可持续基础设施"
    with translation.override(ZH):
        assert str(node) == f"{node.code} 可持续基础设施"
    with translation.override(EN):
        assert str(node) == f"{node.code} Sustainable infrastructure"
    node.title_zh = ""
    with translation.override(ZH):
        assert str(node) == f"{node.code} Sustainable infrastructure"


@pytest.mark.parametrize(
    ("en", "zh", "language", "shown"),
    [
        ("people", "", ZH, "人"),  # the vocabulary of units translates a listed English unit
        ("people", "名人员", ZH, "名人员"),  # the indicator's own Chinese wins
        ("people", "名人员", EN, "people"),
        ("tCO2e", "", ZH, "tCO2e"),  # not in the vocabulary: as stored
        ("", "吨", EN, "吨"),
        ("", "", ZH, ""),
    ],
)
def test_unit_text_rule(en, zh, language, shown):
    assert unit_text(en, zh, language) == shown
    with translation.override(language):
        assert unit_text(en, zh) == shown
    # An explicit language wins over the active one (a Chinese report rendered by a worker).
    with translation.override(EN if language == ZH else ZH):
        assert unit_text(en, zh, language) == shown


# --- the services and the pages ---------------------------------------------------------------


def test_service_keeps_both_languages_and_audits_the_change(plan, reviewer):
    ind = bilingual_indicator(plan)
    services.indicator_save(
        plan=plan, code=ind.code, actor=reviewer, data={"unit_zh": "个项目"}, indicator=ind
    )
    ind.refresh_from_db()
    assert (ind.unit_en, ind.unit_zh) == ("closed projects", "个项目")
    event = Event.objects.get(action="indicator.updated")
    assert event.payload == {"before": {"unit_zh": "个已结项目"}, "after": {"unit_zh": "个项目"}}


def test_reviewer_creates_and_edits_both_languages_on_the_pages(client, reviewer, plan):
    node = NodeFactory(plan=plan, code="G-1", title_en="Better delivery", title_zh="更好的交付")
    client.force_login(reviewer)
    url = f"/indicators/plans/{plan.pk}/indicators/new/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=ZH).content.decode()
    for field in ("definition_en", "definition_zh", "data_source_en", "data_source_zh"):
        assert f'name="{field}"' in page
    assert 'name="unit_en"' in page and 'name="unit_zh"' in page
    assert "G-1 更好的交付" in page  # the result's title in the user's language
    r = client.post(
        url,
        {
            "node": node.pk,
            "code": "NEW-1",
            "name_en": "On time",
            "name_zh": "按时",
            "definition_en": "Closed on time",
            "definition_zh": "按时结束",
            "data_source_en": "ERP",
            "data_source_zh": "",
            "frequency": "annual",
            "value_kind": "number",
            "unit_en": "projects",
            "unit_zh": "个项目",
            "decimals": 0,
            "direction": "increase",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    ind = Indicator.objects.get(plan=plan, code="NEW-1")
    assert (ind.definition_zh, ind.unit_zh, ind.data_source_zh) == ("按时结束", "个项目", "")
    edit = f"/indicators/indicators/{ind.pk}/edit/"
    page = client.get(edit).content.decode()
    assert "按时结束" in page and "Closed on time" in page  # both shown for editing
    r = client.post(
        edit,
        {
            "name_en": "On time",
            "name_zh": "按时",
            "definition_en": "Closed on time",
            "definition_zh": "按时结束的项目",
            "data_source_en": "ERP",
            "data_source_zh": "企业资源规划",
            "frequency": "annual",
            "unit_en": "projects",
            "unit_zh": "个项目",
            "decimals": 0,
            "direction": "increase",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    ind.refresh_from_db()
    assert (ind.definition_zh, ind.data_source_zh) == ("按时结束的项目", "企业资源规划")


def test_indicator_page_shows_the_readers_language(client, officer, plan):
    ind = bilingual_indicator(plan)
    client.force_login(officer)
    url = f"/indicators/indicators/{ind.pk}/"
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE=ZH).content.decode()
    assert "按时结束的项目" in zh and "企业资源规划系统" in zh and "个已结项目" in zh
    assert "Projects closed on time" not in zh and "ERP system" not in zh
    en = client.get(url, HTTP_ACCEPT_LANGUAGE=EN).content.decode()
    assert "Projects closed on time" in en and "ERP system" in en and "closed projects" in en
    assert "按时结束的项目" not in en
    Indicator.objects.filter(pk=ind.pk).update(definition_zh="", unit_zh="")
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE=ZH).content.decode()
    assert "closed projects" in zh  # fallback, not blank
    # ... marked as English text for screen readers (WCAG 3.1.2); its own-language text is not.
    assert '<span lang="en">Projects closed on time</span>' in zh
    assert '<span lang="en">ERP' not in zh and "企业资源规划系统" in zh
    Indicator.objects.filter(pk=ind.pk).update(definition_en="")
    en = client.get(url, HTTP_ACCEPT_LANGUAGE=EN).content.decode()
    assert '<span lang="zh-Hans">按时结束的项目</span>' not in en  # both empty now: a dash
    Indicator.objects.filter(pk=ind.pk).update(definition_zh="按时结束的项目")
    en = client.get(url, HTTP_ACCEPT_LANGUAGE=EN).content.decode()
    assert '<span lang="zh-Hans">按时结束的项目</span>' in en


# --- the API ----------------------------------------------------------------------------------


def auth(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


def test_api_reads_and_writes_both_languages(api, reviewer, plan):
    node = NodeFactory(plan=plan)
    auth(api, reviewer)
    r = api.post(
        "/api/v1/indicators/",
        {
            "plan": plan.pk,
            "node": node.pk,
            "code": "API-1",
            "name_en": "Partners",
            "value_kind": "number",
            "definition_en": "Partners engaged",
            "definition_zh": "参与的伙伴",
            "data_source_en": "CRM",
            "unit_en": "partners",
            "unit_zh": "个伙伴",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["definition_en"], body["definition_zh"]) == ("Partners engaged", "参与的伙伴")
    assert (body["data_source_en"], body["data_source_zh"]) == ("CRM", "")
    assert (body["unit_en"], body["unit_zh"]) == ("partners", "个伙伴")
    url = f"/api/v1/indicators/{body['id']}/"
    r = api.patch(url, {"data_source_zh": "客户系统"}, format="json")
    assert r.status_code == 200 and r.json()["data_source_zh"] == "客户系统"
    listed = api.get("/api/v1/indicators/", {"plan": plan.pk}).json()
    row = next(i for i in listed["results"] if i["code"] == "API-1")
    assert row["unit_zh"] == "个伙伴" and row["definition_en"] == "Partners engaged"


@pytest.mark.parametrize("old", ["definition", "data_source", "unit"])
def test_api_refuses_the_former_single_language_field(api, reviewer, plan, old):
    ind = bilingual_indicator(plan)
    auth(api, reviewer)
    r = api.patch(f"/api/v1/indicators/{ind.pk}/", {old: "x"}, format="json")
    assert r.status_code == 400
    assert r.json()[old] == [f"This field is now two fields: {old}_en and {old}_zh."]
    ind.refresh_from_db()
    assert getattr(ind, f"{old}_en") != "x"


# --- Excel template, import, export -----------------------------------------------------------


def test_template_import_round_trip_in_chinese(officer, plan, period):
    ind = bilingual_indicator(plan)
    people = IndicatorFactory(plan=plan, code="BI-2", value_kind="number", unit_en="people")
    with translation.override(ZH):
        content = exporters.build_template(period)
    wb = load_workbook(BytesIO(content))
    ws = wb["Values"]
    rows = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    unit = exporters.COLUMNS.index("unit")
    assert rows[ind.code][unit].value == "个已结项目"
    assert rows[people.code][unit].value == "人"  # the vocabulary's Chinese
    value = exporters.COLUMNS.index("value")
    rows[ind.code][value].value = 12
    rows[people.code][value].value = 30
    out = BytesIO()
    wb.save(out)
    job = services.import_job_create(
        period=period, upload=SimpleUploadedFile("v.xlsx", out.getvalue()), actor=officer
    )
    assert job.status == ImportStatus.READY, job.errors
    services.import_commit(job=job, actor=officer)
    got = {v.indicator.code: v.numeric_value for v in Value.objects.select_related("indicator")}
    assert got == {ind.code: Decimal("12"), people.code: Decimal("30")}
    # The English template of the same period reads the English unit.
    with translation.override(EN):
        ws = load_workbook(BytesIO(exporters.build_template(period)))["Values"]
    rows = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    assert rows[ind.code][unit].value == "closed projects"


def test_value_export_writes_the_unit_in_the_readers_language(officer, plan, period):
    ind = bilingual_indicator(plan)
    services.value_save(
        indicator=ind, period=period, actor=officer, data={"numeric_value": Decimal("3")}
    )
    unit = 6  # Entity, Framework, Period, Code, Indicator, Kind, Unit
    for language, expected in ((ZH, "个已结项目"), (EN, "closed projects")):
        with translation.override(language):
            sheet = exporters.value_sheets(Value.objects.all())[0]
            assert str(sheet.columns[unit].title) == str(exporters.value_columns()[unit].title)
            (row,) = list(sheet.rows)
        assert row[unit] == expected
    Indicator.objects.filter(pk=ind.pk).update(unit_zh="")
    with translation.override(ZH):
        (row,) = list(exporters.value_sheets(Value.objects.all())[0].rows)
    assert row[unit] == "closed projects"


def test_framework_note_in_both_languages_through_the_api(api, reviewer, plan):
    auth(api, reviewer)
    r = api.patch(
        f"/api/v1/plans/{plan.pk}/",
        {"note_en": "Invented for demonstration.", "note_zh": "为演示而编制。"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert (r.json()["note_en"], r.json()["note_zh"]) == (
        "Invented for demonstration.",
        "为演示而编制。",
    )
    plan.refresh_from_db()
    with translation.override(ZH):
        assert plan.note == "为演示而编制。"
    with translation.override(EN):
        assert plan.note == "Invented for demonstration."
    r = api.patch(f"/api/v1/plans/{plan.pk}/", {"note": "x"}, format="json")
    assert r.status_code == 400
    assert r.json()["note"] == ["This field is now two fields: note_en and note_zh."]
