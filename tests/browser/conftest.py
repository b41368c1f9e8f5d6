"""Playwright driving Debian's chromium against pytest-django's live server.

No browser is downloaded: the tests use the system's /usr/bin/chromium, and skip (fail in CI)
when the `chromium` package is missing.
"""

import os
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.conftest import chromium_path, require_system_package

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same
# thread are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROWSER_TIMEOUT_MS = 30_000

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    require_system_package(path, "chromium", "browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts (own cookies), each with a language; closed afterwards.

    Every request the page makes to another host is recorded in `page.foreign_requests`, so a
    test can show that nothing is loaded from outside the application.
    """
    with page_factory(browser, live_server.url) as make:
        yield make


@contextmanager
def page_factory(browser, base_url):
    """`make(locale)` opens a page in a new browser context on `base_url`; all are closed at
    the end."""
    contexts = []

    def make(locale="en"):
        context = browser.new_context(locale=locale, base_url=base_url)
        contexts.append(context)
        page = context.new_page()
        page.foreign_requests = []
        page.on(
            "request",
            lambda req: (
                None
                if req.url.startswith(base_url) or req.url.startswith("data:")
                else page.foreign_requests.append(req.url)
            ),
        )
        # Every Playwright wait is on a condition (a selector, a URL, a function); the
        # timeout only bounds it, generously, for a machine busy with other work.
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        page.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@contextmanager
def module_live_server():
    """A live server of the module's own, for read-only browser tests whose rows are committed
    once for the whole module (tests/once.py: committed_then_flushed). pytest-django's
    `live_server` would make every test transactional, and so empty the tables after each."""
    from django.test.utils import modify_settings
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    try:
        with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
            yield server
    finally:
        server.stop()


def sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_selector("#main-nav")


@pytest.fixture
def small_demo(transactional_db):
    """The demo's people with a few rows of each kind, in well under a second.

    `load_demo` loads every entity, two whole frameworks and 14k oversight rows (about 30 s);
    the browser tests need only the people of README's demo table (same usernames, roles and
    password, made by the demo's own `load_users`) and a little data to click through:
    UNOPS and UNDP, the UNOPS strategic plan with one indicator of each value kind and its 2026
    reporting period, and three recommendations to UNOPS from two oversight bodies, which the
    demo auditor audits. The full demo keeps its own test (tests/entities/test_views.py).

    Function-scoped: the live server needs committed rows, and each test's rows are flushed.
    (Modules of read-only tests build it once: build_small_demo.)
    """
    return build_small_demo()


def build_small_demo():
    """The rows of `small_demo` (which see)."""
    from entities.demo import load_users
    from indicators.choices import ValueKind
    from oversight.models import OversightBodyMember
    from tests.factories import EntityFactory, GoverningBodyFactory
    from tests.indicators.factories import (
        IndicatorFactory,
        PeriodFactory,
        PlanFactory,
        with_framework,
    )
    from tests.oversight.factories import (
        OversightBodyFactory,
        RecommendationFactory,
        ReportFactory,
    )

    board = GoverningBodyFactory(code="undp-unfpa-unops", name_en="Executive Board")
    unops = EntityFactory(
        code="UNOPS",
        name_en="United Nations Office for Project Services",
        name_zh="联合国项目事务署",
        governing_body=board,
    )
    undp = EntityFactory(
        code="UNDP",
        name_en="United Nations Development Programme",
        name_zh="联合国开发计划署",
        governing_body=board,
    )
    # The units the demo's org-unit-scoped officer (officer-del) holds its role for.
    from entities import services as entity_services
    from entities.demo import UNOPS_UNITS

    for code, (en, zh) in UNOPS_UNITS.items():
        entity_services.org_unit_upsert(entity=unops, code=code, actor=None, name_en=en, name_zh=zh)
    load_users()
    plan = PlanFactory(entity=unops)
    period = PeriodFactory(plan=plan)
    indicators = {
        kind: IndicatorFactory(
            plan=plan, code=f"K-{kind}", value_kind=kind, decimals=1, order=10 + i
        )
        for i, kind in enumerate(ValueKind.values)
    }
    journey = with_framework(
        IndicatorFactory(
            plan=plan, code="M3.2-a", name_en="Audit recommendations implemented", order=1
        )
    )
    oios = OversightBodyFactory(code="oios", name_en="OIOS")
    boa = OversightBodyFactory(code="boa", name_en="Board of Auditors")
    auditor = get_user_model().objects.get(username="auditor")
    for body in (oios, boa):
        OversightBodyMember.objects.create(body=body, user=auditor)
    recommendations = [
        RecommendationFactory(
            report=ReportFactory(body=oios, entity=unops),
            entity=unops,
            reference="AR2024/017/03",
            text_en="UNOPS should strengthen controls over fuel management.",
            text_zh="项目署应加强对燃料管理的控制。",
            is_critical=True,
        ),
        RecommendationFactory(
            report=ReportFactory(body=boa, entity=unops),
            entity=unops,
            reference="BOA-2024-1",
            text_zh="项目署应改进资产管理。",
        ),
        RecommendationFactory(
            report=ReportFactory(body=oios, entity=unops),
            entity=unops,
            reference="AR2024/018/01",
            text_zh="项目署应更新差旅政策。",
        ),
    ]
    return SimpleNamespace(
        password=settings.DEMO_PASSWORD,
        unops=unops,
        undp=undp,
        plan=plan,
        period=period,
        indicators=indicators,
        journey_indicator=journey,
        recommendations=recommendations,
    )
