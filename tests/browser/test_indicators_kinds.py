"""Every value kind entered in the data-entry grid of a real browser, in Chinese."""

from decimal import Decimal

import pytest

from indicators.models import Value
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_kind_in_the_grid(new_page, small_demo, tmp_path):
    made = small_demo.indicators  # one indicator of each value kind, K-<kind>
    page = new_page(locale="zh-CN")
    sign_in(page, "officer", small_demo.password)
    page.goto(f"/indicators/entry/{small_demo.period.pk}/")
    assert "数据填报" in page.inner_text("h1")
    assert "目标值" in page.inner_text(".entry-head")  # not the audit trail's "target" (对象)

    def field(kind, name="value"):
        return f"#id_i{made[kind].pk}-{name}"

    def save(kind):
        page.click(f"#row-{made[kind].pk} button[value=save]")
        page.wait_for_selector(f"#row-{made[kind].pk} >> text=草稿已保存。")

    page.fill(field("number"), "1,234.5")
    save("number")
    page.fill(field("percent"), "101")
    page.wait_for_selector(f"#check-{made['percent'].pk} >> text=百分比必须介于 0 和 100 之间。")
    page.fill(field("percent"), "45.5")
    save("percent")
    page.fill(field("currency"), "2500000")
    save("currency")
    page.select_option(field("yes_no"), "yes")
    save("yes_no")
    page.fill(field("text"), "已在三个区域试行")
    save("text")
    page.fill(field("parts", "part_pooled"), "59")
    page.fill(field("parts", "part_thematic"), "27")
    save("parts")
    page.screenshot(path=str(tmp_path / "grid.png"), full_page=True)
    values = {v.indicator.code: v for v in Value.objects.select_related("indicator")}
    assert values["K-number"].numeric_value == Decimal("1234.5")
    assert values["K-percent"].numeric_value == Decimal("45.5")
    assert values["K-currency"].currency == "USD"
    assert values["K-yes_no"].bool_value is True
    assert values["K-text"].text_value == "已在三个区域试行"
    assert {p.code: p.numeric_value for p in values["K-parts"].parts.all()} == {
        "pooled": Decimal("59"),
        "thematic": Decimal("27"),
    }
    row = page.inner_text(f"#row-{made['parts'].pk}")
    assert "草稿" in row
    assert page.foreign_requests == []
