"""Playwright driving Debian's chromium against pytest-django's live server.

No browser is downloaded: the tests use the system's /usr/bin/chromium, and skip (fail in CI)
when the `chromium` package is missing.
"""

import os

import pytest

from tests.conftest import chromium_path, require_system_package

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same
# thread are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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
    contexts = []

    def make(locale="en"):
        context = browser.new_context(locale=locale, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.foreign_requests = []
        page.on(
            "request",
            lambda req: (
                None
                if req.url.startswith(live_server.url) or req.url.startswith("data:")
                else page.foreign_requests.append(req.url)
            ),
        )
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_selector("#main-nav")
