"""Each demo role signs in and sees the navigation for that role only, in English and Chinese."""

import pytest
from django.conf import settings

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every role follows oversight recommendations (focal points, auditors, readers alike).
OVERSIGHT = ["oversight"]
# Every signed-in user reads the Funding Compact and the report archive.
COMMON = ["home", "entities", "api-docs", "compacts", "reports", *OVERSIGHT]
EXPECTED_NAV = {
    "officer": [*COMMON, "frameworks", "data-entry"],
    "officer-del": [*COMMON, "frameworks", "data-entry"],
    "reviewer": [*COMMON, "team", "frameworks", "review"],
    "secretariat": [*COMMON, "boards", "frameworks"],
    "auditor": [*COMMON, "audit", "frameworks"],
    # The browser tests' small demo gives UNDP no framework (the full demo gives it the
    # compact-report framework of its Funding Compact indicators, and so "frameworks").
    "officer-undp": [*COMMON, "data-entry"],
    "admin": [*COMMON, "boards", "team", "audit", "admin", "frameworks"],
}
LABELS = {
    "en": {
        "home": "Home",
        "entities": "Entities",
        "audit": "Audit trail",
        "boards": "Governing bodies",
    },
    "zh-hans": {"home": "首页", "entities": "实体", "audit": "审计线索", "boards": "理事机构"},
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_role_sees_only_its_navigation(new_page, small_demo, language):
    for username, expected in EXPECTED_NAV.items():
        page = new_page(locale="zh-CN" if language == "zh-hans" else "en-US")
        sign_in(page, username, settings.DEMO_PASSWORD)
        keys = page.locator("#main-nav [data-nav]").evaluate_all(
            "els => els.map(e => e.dataset.nav)"
        )
        assert sorted(keys) == sorted(expected), username
        assert page.locator("html").get_attribute("lang") == language
        for key, label in LABELS[language].items():
            if key in expected:
                assert page.locator(f'#main-nav [data-nav="{key}"]').inner_text() == label
        assert page.foreign_requests == []
        page.context.close()


def test_language_switcher_changes_the_page(new_page, small_demo):
    page = new_page()
    sign_in(page, "officer", settings.DEMO_PASSWORD)
    assert page.locator('[data-nav="home"]').inner_text() == "Home"
    page.select_option("#language-select", "zh-hans")
    # Choosing submits nothing (WCAG 3.2.2): the page stays as it is until the button.
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#language-select").get_attribute("data-autosubmit") is None
    assert page.locator("#language-submit").is_visible()
    page.click("#language-submit")
    page.wait_for_selector('html[lang="zh-hans"]')
    assert page.locator('[data-nav="home"]').inner_text() == "首页"
    assert page.locator("h1").inner_text().startswith("欢迎")
    # Signed in, the choice is remembered: the officer's e-mail is written in Chinese now.
    from django.contrib.auth import get_user_model

    from entities.selectors import language_for

    assert language_for(get_user_model().objects.get(username="officer")) == "zh-hans"


def test_undp_officer_gets_404_for_unops_page(new_page, small_demo):
    page = new_page()
    sign_in(page, "officer-undp", settings.DEMO_PASSWORD)
    response = page.goto("/entities/UNOPS/")
    assert response.status == 404
    response = page.goto("/entities/UNDP/")
    assert response.status == 200


def test_api_docs_load_with_no_request_to_another_host(new_page, small_demo):
    page = new_page()
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .information-container")
    assert "resultsframework API" in page.locator(".swagger-ui .title").inner_text()
    assert page.foreign_requests == []
