"""Pages work within their Content-Security-Policy in a real browser: htmx, the language switch
and the period picker run without a single policy violation."""

import pytest
from playwright.sync_api import expect

from entities.choices import Role
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, EntityFactory, user_with_role
from tests.indicators.factories import IndicatorFactory, PeriodFactory, PlanFactory, value_in
from tests.oversight.factories import RecommendationFactory, ReportFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_run_without_policy_violations(new_page):
    unops = EntityFactory(code="UNOPS")
    officer = user_with_role(Role.PROGRAMME_OFFICER, unops, username="olga")
    plan = PlanFactory(entity=unops)
    period = PeriodFactory(plan=plan)
    value = value_in(IndicatorFactory(plan=plan), period, officer=officer)
    RecommendationFactory(report=ReportFactory(entity=unops), entity=unops)

    page = new_page()
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, "olga", PASSWORD)
    for url in (
        "/",
        f"/indicators/values/{value.pk}/",
        f"/indicators/entry/{period.pk}/",
        "/oversight/recommendations/",
        "/api/docs/",
    ):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    # The Swagger UI started (its script is a file, not inline).
    page.wait_for_selector(".swagger-ui .info")
    # htmx still works: the filter of the recommendation list updates it in place.
    page.goto("/oversight/recommendations/")
    with page.expect_response(lambda r: "/oversight/recommendations/" in r.url) as answer:
        page.fill("#id_q", "zzz-nothing")
    assert answer.value.status == 200
    # The language switch submits with its button (no script needed).
    page.select_option("#language-select", "zh-hans")
    page.click("#language-submit")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert violations == []
    assert page.foreign_requests == []
