"""Every page each role reaches, in English and in Chinese, checked by axe-core (WCAG 2.2 AA):
no serious or critical violation, no duplicate id; and in Chinese no English string of the
catalogues and nothing running off the page.

The walk (tests/browser/walk.py) follows the application's links from the home page, one URL
per route, and each test asserts the routes it must have reached, so a page that drops out of
the navigation, or loses its content, fails here rather than going unchecked. Each page is
loaded once per role and language, and every check runs on that one load.

The tests only read: the rows (`walk_demo`) are committed once for the whole module, served by
the module's own live server, and the tables are emptied when the module ends
(tests/once.py: committed_then_flushed). One test per role and language, so that parallel
test processes share the walks between them.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.browser.conftest import (
    build_small_demo,
    module_live_server,
    page_factory,
    sign_in,
)
from tests.browser.walk import axe_violations, duplicate_ids, overflow, untranslated_text, walk
from tests.once import committed_then_flushed

# `django_db`: pytest-django creates the test database only for a run that has tests marked so;
# each test's own transaction stays empty (the browser writes, through the server, only its
# sign-ins).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}
DESKTOP = {"width": 1280, "height": 900}

# Routes every signed-in user reaches, then what each role adds.
COMMON = {
    "home",
    "entities:list",
    "entities:detail",
    "compacts:list",
    "compacts:detail",
    "oversight:list",
    "oversight:detail",
    "oversight:statistics",
    "reports:list",
    "notifications:list",
    "notifications:preferences",
    "password_change",
}
FRAMEWORK = {
    "indicators:plans",
    "indicators:plan",
    "indicators:indicator",
    "indicators:value",
    "indicators:plan-progress",
}
EXPECTED_ROUTES = {
    "officer": COMMON | FRAMEWORK | {"indicators:entry-index", "indicators:entry"},
    "reviewer": COMMON | FRAMEWORK | {"indicators:review", "entities:team"},
    "secretariat": COMMON | FRAMEWORK | {"reports:detail", "reports:run", "entities:boards"},
    "auditor": COMMON | FRAMEWORK | {"audit:events"},
    "officer-undp": COMMON | {"indicators:entry-index"},
    "admin": COMMON | FRAMEWORK | {"audit:events", "entities:team", "reports:run"},
}
# Pages no link leads to: the error pages, in the site's layout.
ERROR_PAGES = ["/no-such-page/", "/indicators/values/999999/"]


@pytest.fixture(scope="module")
def walk_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The module's live server over `walk_demo`'s rows, committed once for all its tests."""
    from django.test import override_settings

    with (
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        committed_then_flushed(django_db_blocker),
    ):
        walk_demo()
        with module_live_server() as server:
            yield server


@pytest.fixture
def new_page(browser, walk_site):
    with page_factory(browser, walk_site.url) as make:
        yield make


def walk_demo():
    """small_demo with something on every page: values in each state, a comment, computed
    progress, a compact, oversight statistics, a rendered report run, notifications."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from compacts.models import Commitment, Compact
    from indicators import services as ind
    from indicators.choices import Status
    from indicators.models import Indicator, Level, Node, Plan
    from indicators.services.progress import progress_compute_full
    from oversight import services as oversight
    from oversight.models import Recommendation
    from reports import services as reports
    from tests.compacts.factories import small_compact
    from tests.indicators.factories import value_in
    from tests.oversight.conftest import PDF
    from tests.oversight.factories import (
        RecommendationFactory,
        ReportFactory,
        StatisticsPeriodFactory,
    )

    small_demo = build_small_demo()
    users = {u.username: u for u in get_user_model().objects.all()}
    officer, reviewer = users["officer"], users["reviewer"]
    kinds = list(small_demo.indicators.values())
    value = value_in(
        small_demo.journey_indicator, small_demo.period, Status.APPROVED,
        officer=officer, reviewer=reviewer,
    )  # fmt: skip
    ind.comment_add(value=value, text="Source: annual audit.", actor=reviewer)
    value_in(kinds[0], small_demo.period, Status.SUBMITTED, officer=officer, reviewer=reviewer)
    value_in(kinds[1], small_demo.period, Status.RETURNED, officer=officer, reviewer=reviewer)
    progress_compute_full(as_of=date(2027, 1, 15))
    compact, _ci, _reports = small_compact([small_demo.unops])
    # The compact's content in both languages, as the demo's is (the factory's is English only).
    Compact.objects.filter(pk=compact.pk).update(name_zh="契约")
    for model, field, text in (
        (Level, "name_zh", "承诺"), (Node, "title_zh", "联合国 6"), (Indicator, "name_zh", "来源"),
        (Plan, "title_zh", "契约"), (Commitment, "title_zh", "承诺 6"),
    ):  # fmt: skip
        model.objects.filter(**{field: ""}).update(**{field: text})
    Plan.objects.filter(pk=small_demo.plan.pk).update(is_illustrative=True)
    # A recommendation with a priority, progress, evidence and a closure waiting for the auditor.
    oios = small_demo.recommendations[0].report.body
    oios.priority_scale = ["high", "medium", "low"]
    oios.save(update_fields=["priority_scale"])
    rec = small_demo.recommendations[2]
    Recommendation.objects.filter(pk=rec.pk).update(priority="medium")
    oversight.recommendation_record_progress(
        recommendation=rec, actor=users["reviewer"], note="Policy drafted."
    )
    oversight.evidence_add(
        recommendation=rec, actor=users["reviewer"], description="Policy",
        upload=SimpleUploadedFile("policy.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    oversight.recommendation_propose_closure(
        recommendation=rec, actor=users["reviewer"], proposed_status="implemented",
        implementation_date=rec.issued_on, note="Policy issued.",
    )  # fmt: skip
    StatisticsPeriodFactory(body=oios)
    RecommendationFactory(
        report=ReportFactory(body=oios, entity=small_demo.undp), entity=small_demo.undp,
        reference="AR2024/031/02", text_zh="开发署应加强项目监测。",
    )  # fmt: skip
    report = reports.report_create(
        actor=users["secretariat"], entity=small_demo.unops, plan=small_demo.plan, year=2026,
        symbol="DP/OPS/2027/2", document_date=date(2027, 4, 1),
        title_en="Annual report of the Executive Director", title_zh="执行主任的年度报告",
    )  # fmt: skip
    run = reports.report_run_start(
        actor=users["secretariat"], report=report, language="en", formats=["xlsx"], enqueue=False
    )
    reports.report_run_execute(run_id=run.pk)
    assert Decimal(value.numeric_value) > 0
    return small_demo


def _sign_in(new_page, username, language):
    page = new_page(locale=LOCALES[language])
    page.set_viewport_size(DESKTOP)
    sign_in(page, username, settings.DEMO_PASSWORD)
    assert page.locator("html").get_attribute("lang") == language
    return page


def problems_on(page, language):
    """What the page's checks find: axe and duplicate ids in both languages, and in Chinese
    English strings of the catalogues and overflow."""
    found = axe_violations(page) + [f"duplicate id {i}" for i in duplicate_ids(page)]
    if language == "zh-hans":
        found += [f"English: {t}" for t in untranslated_text(page)] + overflow(page)
    return found


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_login_and_refusal_pages_pass_every_check(new_page, language):
    page = new_page(locale=LOCALES[language])
    page.set_viewport_size(DESKTOP)
    assert page.goto("/accounts/login/").status == 200
    assert problems_on(page, language) == []
    sign_in(page, "officer", settings.DEMO_PASSWORD)
    assert page.goto("/audit/").status == 403  # only auditors read the audit trail
    assert problems_on(page, language) == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("username", sorted(EXPECTED_ROUTES))
def test_every_page_passes_every_check(new_page, username, language):
    page = _sign_in(new_page, username, language)
    problems, routes = {}, set()
    for url, route in walk(page, extra=ERROR_PAGES):
        routes.add(route)
        found = problems_on(page, language)
        if found:
            problems[url] = found
    assert problems == {}
    assert EXPECTED_ROUTES[username] <= routes, EXPECTED_ROUTES[username] - routes


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_skip_link_and_visible_focus(new_page, language):
    """The first Tab shows the skip link, which moves to the page's content; every focused
    control and link shows a ring."""
    page = _sign_in(new_page, "officer", language)
    page.goto("/oversight/recommendations/")  # a filter form, a table of links
    skip = page.locator("#skip-link")
    assert not skip.is_visible() or skip.bounding_box()["y"] < 0  # out of sight until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip-link"
    assert skip.bounding_box()["y"] >= 0
    assert skip.inner_text() == ("Skip to main content" if language == "en" else "跳到主要内容")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(8):  # the first links and controls of the content
        page.keyboard.press("Tab")
        ring = page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; }"""
        )
        # the site's own ring (static/css/app.css), not the browser's default one that a
        # stylesheet may remove
        assert ring[1:] == ["solid", "3px"], ring
