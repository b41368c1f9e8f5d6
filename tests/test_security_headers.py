"""The Content-Security-Policy of every page, and pages that live within it (no inline script)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.indicators.factories import IndicatorFactory, PeriodFactory, PlanFactory, value_in

ROOT = Path(__file__).resolve().parent.parent
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def csp(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_strict(response):
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def assert_no_inline_script(html):
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html).group(0)
    assert not JS_URL.search(html)


def test_no_template_has_inline_script():
    templates = [
        p
        for p in ROOT.rglob("templates/**/*.html")
        if ".venv" not in p.parts and "staticfiles" not in p.parts
    ]
    assert templates
    for path in templates:
        text = path.read_text()
        assert not INLINE_SCRIPT.search(text), f"inline <script> in {path}"
        assert not EVENT_HANDLER.search(text), f"on* attribute in {path}"
        assert not JS_URL.search(text), f"javascript: URL in {path}"


@pytest.mark.django_db
def test_sign_in_page_has_the_policy(client):
    r = client.get("/accounts/login/")
    assert r.status_code == 200
    assert_strict(r)
    assert_no_inline_script(r.content.decode())
    assert r["X-Content-Type-Options"] == "nosniff" and r["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_pages_of_a_signed_in_user_have_the_policy(client, officer, unops):
    plan = PlanFactory(entity=unops)
    period = PeriodFactory(plan=plan)
    value = value_in(IndicatorFactory(plan=plan), period, officer=officer)
    client.force_login(officer)
    for url in (
        "/",
        f"/indicators/values/{value.pk}/",
        f"/indicators/entry/{period.pk}/",
        "/oversight/",
    ):
        r = client.get(url, follow=True)
        assert r.status_code == 200, url
        assert_strict(r)
        assert_no_inline_script(r.content.decode())


@pytest.mark.django_db
def test_api_and_its_docs_have_the_policy(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    assert_strict(r)
    assert_no_inline_script(r.content.decode())
    # The docs' start-up script is a separate request, so that the policy need not allow it.
    script = re.search(r'<script src="([^"]+script=[^"]*)"', r.content.decode()).group(1)
    r = client.get(script.replace("&amp;", "&"))
    assert r.status_code == 200 and "javascript" in r["Content-Type"]
    assert "Content-Security-Policy" in client.get("/api/v1/values/")


def test_base_template_keeps_htmx_within_the_policy():
    """htmx 2 injects an inline <style> for indicators and evaluates hx-on/js: attributes
    unless told not to; the base template tells it."""
    base = (ROOT / "templates" / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base
    assert '"allowEval": false' in base


def test_policy_setting_is_what_the_middleware_sends():
    assert "core.middleware.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
