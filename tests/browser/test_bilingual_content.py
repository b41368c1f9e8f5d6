"""An indicator's definition, data source and unit in the reader's language, in a real browser:
a reviewer writes both languages on the indicator form (results named in the reviewer's
language), an officer reads the indicator page and the data-entry form in Chinese, then in
English."""

import pytest

from indicators.models import Indicator
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reviewer_writes_both_languages_officer_reads_their_own(new_page, small_demo):
    plan, period = small_demo.plan, small_demo.period
    node = small_demo.journey_indicator.node
    node.title_en, node.title_zh = "Accountable delivery", "负责任的交付"
    node.save()

    # The reviewer, in Chinese, creates an indicator: the result list names results in Chinese.
    reviewer = new_page(locale="zh-CN")
    sign_in(reviewer, "reviewer", small_demo.password)
    reviewer.goto(f"/indicators/plans/{plan.pk}/indicators/new/")
    assert reviewer.inner_text("label[for=id_node]") == "成果"
    option = reviewer.locator(f"#id_node option[value='{node.pk}']")
    assert option.inner_text() == f"{node.code} 负责任的交付"
    reviewer.select_option("#id_node", str(node.pk))
    reviewer.fill("#id_code", "BI-1")
    reviewer.fill("#id_name_en", "Projects closed on time")
    reviewer.fill("#id_name_zh", "按时结束的项目")
    reviewer.fill("#id_definition_en", "Share of projects closed by their planned date")
    reviewer.fill("#id_definition_zh", "在计划日期前结束的项目所占比例")
    reviewer.fill("#id_data_source_en", "ERP project records")
    reviewer.fill("#id_data_source_zh", "企业资源规划系统的项目记录")
    reviewer.select_option("#id_value_kind", "number")
    reviewer.fill("#id_unit_en", "closed projects")
    reviewer.fill("#id_unit_zh", "个已结项目")
    reviewer.click("main form button[type=submit]")
    reviewer.wait_for_url("**/indicators/indicators/*/")
    ind = Indicator.objects.get(plan=plan, code="BI-1")
    assert (ind.definition_zh, ind.unit_zh) == ("在计划日期前结束的项目所占比例", "个已结项目")
    page = reviewer.inner_text("main")
    assert "在计划日期前结束的项目所占比例" in page and "个已结项目" in page

    # ... then edits the Chinese data source: the edit form holds both languages.
    reviewer.goto(f"/indicators/indicators/{ind.pk}/edit/")
    assert reviewer.input_value("#id_definition_en") == (
        "Share of projects closed by their planned date"
    )
    reviewer.fill("#id_data_source_zh", "项目管理系统")
    reviewer.click("main form button[type=submit]")
    reviewer.wait_for_url(f"**/indicators/indicators/{ind.pk}/")
    assert "项目管理系统" in reviewer.inner_text("main")

    # The officer in Chinese: the indicator page and the data-entry form in Chinese.
    zh = new_page(locale="zh-CN")
    sign_in(zh, "officer", small_demo.password)
    zh.goto(f"/indicators/indicators/{ind.pk}/")
    page = zh.inner_text("main")
    assert "在计划日期前结束的项目所占比例" in page and "项目管理系统" in page
    assert "个已结项目" in page
    assert "Share of projects" not in page and "closed projects" not in page
    zh.goto(f"/indicators/entry/{period.pk}/")
    row = zh.locator(f"#row-{ind.pk}")
    assert "个已结项目" in row.inner_text()
    assert zh.get_attribute(f"#id_i{ind.pk}-value", "placeholder") == "个已结项目"

    # The officer in English: the same pages in English.
    en = new_page(locale="en-US")
    sign_in(en, "officer", small_demo.password)
    en.goto(f"/indicators/indicators/{ind.pk}/")
    page = en.inner_text("main")
    assert "Share of projects closed by their planned date" in page
    assert "closed projects" in page and "ERP project records" in page
    assert "个已结项目" not in page
    en.goto(f"/indicators/entry/{period.pk}/")
    assert "closed projects" in en.locator(f"#row-{ind.pk}").inner_text()
    assert en.get_attribute(f"#id_i{ind.pk}-value", "placeholder") == "closed projects"

    # Without a Chinese unit, the Chinese reader sees the English one, not a blank.
    Indicator.objects.filter(pk=ind.pk).update(unit_zh="")
    zh.goto(f"/indicators/indicators/{ind.pk}/")
    assert "closed projects" in zh.inner_text("main")
