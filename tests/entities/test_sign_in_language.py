"""The language a user chose (Profile.language) is the interface's from sign-in on, through
Django's own language cookie; the switcher, used while signed in, is what chooses it."""

import pytest
from django.conf import settings
from django.utils import translation

from entities.models import Profile
from entities.services import profile_language_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """Requests in Chinese activate it in this thread; later tests find the language as it was."""
    with translation.override(None):
        yield


CREDENTIALS = {"username": "t-officer", "password": "test-password-123"}
COOKIE = settings.LANGUAGE_COOKIE_NAME


def _home_lang(client, accept="en"):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_sign_in_opens_in_the_stored_language_whatever_the_browser_asks(client, officer):
    profile_language_set(user=officer, language="zh-hans", actor=officer)
    r = client.post("/accounts/login/", CREDENTIALS, HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert r.status_code == 302
    assert r.cookies[COOKIE].value == "zh-hans"
    assert _home_lang(client) == "zh-hans"


def test_stored_english_overrides_a_chinese_cookie(client, officer):
    profile_language_set(user=officer, language="en", actor=officer)
    client.cookies[COOKIE] = "zh-hans"
    r = client.post("/accounts/login/", CREDENTIALS)
    assert r.cookies[COOKIE].value == "en"
    assert _home_lang(client) == "en"


def test_no_stored_language_keeps_the_browsers(client, officer):
    assert not Profile.objects.filter(user=officer).exclude(language="").exists()
    r = client.post("/accounts/login/", CREDENTIALS, HTTP_ACCEPT_LANGUAGE="zh-CN,zh")
    assert r.status_code == 302
    assert COOKIE not in r.cookies
    assert _home_lang(client, accept="zh-CN,zh") == "zh-hans"


def test_a_language_the_site_no_longer_offers_is_ignored(client, officer):
    Profile.objects.update_or_create(user=officer, defaults={"language": "fr"})
    r = client.post("/accounts/login/", CREDENTIALS, HTTP_ACCEPT_LANGUAGE="en")
    assert COOKIE not in r.cookies
    assert _home_lang(client) == "en"


def test_failed_sign_in_sets_no_language(client, officer):
    profile_language_set(user=officer, language="zh-hans", actor=officer)
    r = client.post("/accounts/login/", {**CREDENTIALS, "password": "wrong"})
    assert r.status_code == 200
    assert COOKIE not in r.cookies


def test_switcher_while_signed_in_stores_the_choice_for_the_next_sign_in(client, officer):
    client.post("/accounts/login/", CREDENTIALS, HTTP_ACCEPT_LANGUAGE="en")
    r = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert r.status_code == 302 and r.cookies[COOKIE].value == "zh-hans"
    assert Profile.objects.get(user=officer).language == "zh-hans"
    client.post("/accounts/logout/")
    client.cookies.pop(COOKIE)  # another browser
    r = client.post("/accounts/login/", CREDENTIALS, HTTP_ACCEPT_LANGUAGE="en")
    assert r.cookies[COOKIE].value == "zh-hans"


def test_switcher_signed_out_stores_nothing(client, officer):
    r = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert r.cookies[COOKIE].value == "zh-hans"
    assert not Profile.objects.filter(user=officer).exclude(language="").exists()
