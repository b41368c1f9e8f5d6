"""A real browser opens the Funding Compact page in English and in Chinese and finds the
published figures in the published form; the breakdown of a derived value opens from it."""

import pytest
from django.conf import settings

from compacts.demo import load_funding_compact
from entities.demo import load_entities, load_users
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def compact(transactional_db):
    load_entities()
    load_users()
    return load_funding_compact()


def test_compact_page_in_english_and_chinese(new_page, compact):
    page = new_page(locale="en-US")
    sign_in(page, "auditor", settings.DEMO_PASSWORD)
    page.click('[data-nav="compacts"]')
    page.click(f'a[href="/compacts/{compact.code}/"]')
    ms23 = page.locator("#indicator-ms-23")
    assert "US$43 million" in ms23.inner_text()
    assert "59 and 27" in page.locator("#indicator-un-32").inner_text()
    assert page.locator("#group-member_states svg[role=img] desc").count() == 1
    # The printed text, shown on request.
    ms23.locator("details.as-printed").first.locator("summary").click()
    assert ms23.locator("details.as-printed code").first.is_visible()
    assert "4 300 万美元 (2018)" in ms23.locator("details.as-printed code").first.inner_text()
    # The breakdown of UN 6.1.
    page.locator("#indicator-un-61 th a").click()
    page.wait_for_selector("#year-2019")
    assert "21" in page.locator("#year-2019 p").first.inner_text()
    assert "UNOPS" in page.locator("#year-2019 .not-reported").inner_text()
    assert page.foreign_requests == []

    zh = new_page(locale="zh-CN")
    sign_in(zh, "auditor", settings.DEMO_PASSWORD)
    zh.goto(f"/compacts/{compact.code}/")
    assert zh.locator("html").get_attribute("lang") == "zh-hans"
    assert "4 300 万美元" in zh.locator("#indicator-ms-23").inner_text()
    assert "59 和 27" in zh.locator("#indicator-un-32").inner_text()
    assert "1.29 亿美元" in zh.locator("#indicator-ms-24").inner_text()
    assert "USD" not in zh.locator("main").inner_text()
