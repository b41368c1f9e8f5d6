"""The compact page, its breakdown page, export and API: content, permissions, query counts."""

from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from compacts.demo import LOADER_OFFICER, LOADER_REVIEWER, PLAN_CODE
from compacts.models import CompactIndicator, SystemValue
from compacts.services import compact_aggregate
from entities.choices import Role
from entities.models import Entity
from indicators import services as ind
from indicators.models import Indicator, ReportingPeriod
from tests.compacts.factories import report
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(compact):
    return user_with_role(Role.READER, Entity.objects.get(code="UNOPS"), username="t-reader")


def page(client, user, url, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def test_compact_page_in_english(client, compact, reader):
    r = page(client, reader, reverse("compacts:detail", args=[compact.code]))
    assert r.status_code == 200
    body = r.content.decode()
    for text in (
        "US$43 million",
        "US$129 million",
        "US$500 million",
        "59 and 27",
        "46 and –",
        "19.4%",
        "27.0%",
    ):
        assert text in body, text
    assert "Table 2" in body and "Table 5" in body
    assert "Methodology to be launched in 2020" in body  # UN 6.2, printed in words
    assert "4 300 万美元 (2018)" in body  # the raw text, shown on request
    assert 'id="illustrative-note"' in body
    assert "Computed from the records: 6 of 6 indicators made progress (100.0%)" in body
    assert "Published: 69.0%" in body and "Figure X" in body
    assert body.count('data-class="progress"') >= 8
    assert "The number of contributors to thematic funds in 2018 was not provided." in body
    assert "<svg" in body and "<desc>" in body


def test_compact_page_in_chinese(client, compact, reader):
    r = page(client, reader, reverse("compacts:detail", args=[compact.code]), "zh-hans")
    body = r.content.decode()
    assert r.status_code == 200
    for text in ("4 300 万美元", "1.29 亿美元", "59 和 27", "5 亿美元", "供资契约：会员国承诺 1"):
        assert text in body, text
    assert "未提供 2018 年专题基金捐助国数目。" in body
    assert "2020 年推出方法" in body  # UN 6.2's latest value, as printed
    assert "USD " not in body


def test_page_and_api_need_sign_in(client, api, compact):
    r = client.get(reverse("compacts:detail", args=[compact.code]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert api.get("/api/v1/compacts/").status_code in (401, 403)
    assert api.get("/api/v1/compact-system-values/").status_code in (401, 403)


def test_unknown_compact_is_404(client, compact, reader):
    assert page(client, reader, reverse("compacts:detail", args=["nope"])).status_code == 404


def test_breakdown_shows_entity_values_only_to_who_may_see_them(client, compact, reader):
    ci = CompactIndicator.objects.get(indicator__code="UN 6.1")
    url = reverse("compacts:indicator", args=[compact.code, ci.pk])
    body = page(client, reader, url).content.decode()
    assert "Built from 21 entity reports; 1 entities have not reported." in body
    assert "UNOPS: no approved value for 2019" in body
    assert "No Executive Board session on funding in 2018" in body  # UNOPS's own footnote
    # A UNOPS reader sees no other entity's answer, only that it was counted.
    assert body.count("counted; the value is visible to the entity") == 21 + 21
    auditor = user_with_role(Role.AUDITOR, None, username="t-aud")
    body = page(client, auditor, url).content.decode()
    assert "counted; the value is visible" not in body


def test_export_has_numbers_formats_and_raw_text(client, compact, reader):
    r = page(client, reader, reverse("compacts:export", args=[compact.code]))
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.content))
    ws = wb["Member States"]
    header = [c.value for c in ws[1]]
    rows = {
        row[1]: dict(zip(header, row, strict=False)) for row in ws.iter_rows(2, values_only=True)
    }
    ms23 = rows["MS 2.3"]
    assert ms23["Baseline"] == 43_000_000 and ms23["Baseline as printed"] == "4 300 万美元 (2018)"
    assert rows["MS 1.1"]["Latest value"] == 20.8 and rows["MS 1.1"]["Class"] == "Progress"
    col = header.index("Baseline") + 1
    assert ws.cell(row=2, column=col).number_format == '0.0"%"'
    un = wb.worksheets[1]
    header = [c.value for c in un[1]]
    un_rows = {
        row[1]: dict(zip(header, row, strict=False)) for row in un.iter_rows(2, values_only=True)
    }
    assert un_rows["UN 3.2"]["Footnotes"].startswith("a: The number of contributors")
    assert un_rows["UN 6.1"]["Computed from entity reports"] == "Yes"


def results(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def test_api_compacts_and_classes(api, compact, reader):
    api.force_authenticate(reader)
    r = api.get("/api/v1/compacts/")
    assert r.status_code == 200
    assert results(r)[0]["code"] == compact.code
    r = api.get(f"/api/v1/compacts/{compact.code}/classes/")
    assert r.status_code == 200
    groups = {g["kind"]: g for g in r.json()}
    assert groups["unsdg"]["counts"] == {"progress": 2, "no_progress": 2, "other": 1}
    un32 = next(i for i in groups["unsdg"]["indicators"] if i["code"] == "UN 3.2")
    assert un32["latest"]["parts"] == {"pooled": "46", "thematic": None}
    assert un32["latest"]["raw"] == "46 和-a (2018)"


def test_api_system_values_hide_values_of_other_entities(api, compact, reader):
    api.force_authenticate(reader)
    r = api.get("/api/v1/compact-system-values/", {"indicator": "UN 6.1"})
    assert r.status_code == 200
    by_year = {v["year"]: v for v in results(r)}
    assert set(by_year) == {2018, 2019}
    rows = by_year[2019]["breakdown"]
    assert len(rows) == 21 and all(row["value"] is None and not row["visible"] for row in rows)
    assert by_year[2019]["not_reported"][0]["entity_code"] == "UNOPS"


def test_schema_lists_the_compact_endpoints(client):
    body = client.get("/api/schema/").content.decode()
    assert "/api/v1/compacts/{code}/classes/" in body
    assert "/api/v1/compact-system-values/" in body


def _grow(compact):
    """More values and more entities: a 2017 value for every non-derived indicator and a new
    reporting entity for UN 6.1, rolled up."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    officer, reviewer = (User.objects.get(username=n) for n in (LOADER_OFFICER, LOADER_REVIEWER))
    entity = Entity.objects.create(code="NEW", name_en="New entity", entity_type="other")
    plan = ind.plan_upsert(
        entity=entity, code=PLAN_CODE, actor=None, kind="compact_report", title_en="Reports",
        start_year=2016, end_year=2023,
    )  # fmt: skip
    level = ind.level_upsert(plan=plan, depth=1, code="c", actor=None, name_en="Commitment")
    node = ind.node_upsert(plan=plan, code="UN-6", actor=None, level=level, title_en="UN 6")
    period = ind.period_upsert(
        plan=plan,
        label="2019",
        actor=None,
        start_date=date(2019, 1, 1),
        end_date=date(2019, 12, 31),
    )
    source = ind.indicator_save(
        plan=plan, code="UN 6.1", actor=None,
        data={"node": node, "name_en": "Dialogue", "value_kind": "yes_no"},
    )  # fmt: skip
    report(source, period, True, officer, reviewer)
    p2017 = ReportingPeriod.objects.get(plan=compact.plan, label="2017")
    p2017 = ind.period_set_closed(period=p2017, closed=False, actor=reviewer, reason="test")
    for indicator in Indicator.objects.filter(plan=compact.plan, code__in=["MS 1.1", "MS 2.1"]):
        report(indicator, p2017, {"numeric_value": 1}, officer, reviewer)
    compact_aggregate(compact=compact)


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/compacts/{code}/",
        "/compacts/{code}/export.xlsx",
        "/api/v1/compacts/",
        "/api/v1/compacts/{code}/classes/",
        "/api/v1/compact-system-values/",
    ],
)
def test_query_counts_do_not_grow_with_entities_or_values(client, compact, reader, url):
    url = url.format(code=compact.code)
    client.force_login(reader)
    # The signed-in shell (user, navigation, unread count) is cached from the first request
    # on (entities.backends), and again after the growth's writes: warmed before each
    # count, so the counts compare the pages' own queries.
    client.get("/entities/")
    before = _queries(lambda: client.get(url))
    _grow(compact)
    client.get("/entities/")
    assert (
        SystemValue.objects.get(compact_indicator__indicator__code="UN 6.1", year=2019).denominator
        == 22
    )
    after = _queries(lambda: client.get(url))
    assert after == before, url


def test_breakdown_page_query_count_does_not_grow(client, compact, reader):
    ci = CompactIndicator.objects.get(indicator__code="UN 6.1")
    url = reverse("compacts:indicator", args=[compact.code, ci.pk])
    client.force_login(reader)
    client.get("/entities/")  # the signed-in shell, cached: see above
    before = _queries(lambda: client.get(url))
    _grow(compact)
    client.get("/entities/")
    assert _queries(lambda: client.get(url)) == before


@pytest.mark.parametrize("year", ["0", "10000", "6e16", "x"])
def test_system_values_refuse_a_bad_year_with_400(api, reviewer, year):
    api.force_authenticate(reviewer)
    r = api.get("/api/v1/compact-system-values/", {"year": year})
    assert r.status_code == 400 and "year" in r.json()
