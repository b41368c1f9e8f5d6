"""Error pages (403, 404, 500) are the site's pages, in the reader's language, and a refusal
says the server's own reason where it is safe to say."""

import pytest
from django.test import Client
from django.utils import translation

from entities.choices import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """Requests in Chinese activate it in this thread; later tests find the language as it was."""
    with translation.override(None):
        yield


REFUSAL = {
    "en": ("Access denied", "Only reviewers review values."),
    "zh-hans": ("拒绝访问", "只有审核人可以审核数值。"),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_refusal_says_the_servers_reason_in_the_readers_language(client, unops, language):
    client.force_login(user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-403"))
    with translation.override("en"):  # the request's own language decides
        r = client.get("/indicators/review/", HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 403
    html = r.content.decode()
    title, reason = REFUSAL[language]
    assert f'<html lang="{language}"' in html and 'id="main-nav"' in html
    assert title in html
    assert f'<p role="alert">{reason}</p>' in html


def test_a_refusal_without_a_reason_gives_the_general_one(unops):
    from resultsframework.views import permission_denied

    client = Client()
    client.force_login(user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-403b"))
    request = client.get("/").wsgi_request
    with translation.override("zh-hans"):
        response = permission_denied(request, exception=None)
    assert response.status_code == 403
    assert "您无权查看或执行此操作。" in response.content.decode()


def test_a_server_error_page_is_in_the_readers_language(admin_user, monkeypatch):
    from oversight import selectors

    def boom(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(selectors, "statistics", boom)
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    with translation.override("en"):
        zh = client.get("/oversight/statistics/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 500
    html = zh.content.decode()
    assert '<html lang="zh-hans"' in html and 'id="main-nav"' in html
    assert "secret detail" not in html
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        assert gettext("A server error occurred. It has been logged.") in html
