"""X-Forwarded-For is believed only from TRUSTED_PROXIES: rotating it escapes neither the
sign-in lockout (django-axes) nor the token endpoint's throttle."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory

from core.client_ip import client_ip
from entities.models import ApiToken
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def post_token(api, username, password, **meta):
    return api.post(TOKEN_URL, {"username": username, "password": password}, **meta)


def test_rotating_x_forwarded_for_does_not_escape_the_lockout(api, officer):
    statuses = [
        post_token(api, "t-officer", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)  # the last one locks
    r = post_token(api, "t-officer", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert r.status_code == 429
    assert not ApiToken.objects.exists()
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_rotating_x_forwarded_for_does_not_escape_the_throttle(api, db):
    # A new username each time, so the lockout (per username and address) never applies:
    # only the throttle (20 a minute per address) can refuse the 21st request.
    for i in range(20):
        r = post_token(api, f"nobody-{i}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        assert r.status_code == 400, i
    r = post_token(api, "nobody-20", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert r.status_code == 429
    assert "throttled" in r.json()["detail"]


def test_behind_a_trusted_proxy_the_forwarded_address_is_used(api, officer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.1.2.3"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_token(api, "t-officer", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    locked = post_token(api, "t-officer", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert locked.status_code == 429
    # The same user from another client behind the same proxy is not locked out.
    other = post_token(api, "t-officer", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy)
    assert other.status_code == 200


def test_an_untrusted_sender_is_keyed_by_its_own_address(api, officer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    post_token(
        api, "t-officer", "wrong", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="10.0.0.5"
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.1"]


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        # No proxy configured: the header is ignored.
        ("192.0.2.1", "203.0.113.5", [], "192.0.2.1"),
        ("192.0.2.1", "", [], "192.0.2.1"),
        # Trusted proxy: the right-most untrusted hop, not a forged entry left of it.
        ("10.0.0.1", "203.0.113.5", ["10.0.0.0/8"], "203.0.113.5"),
        ("10.0.0.1", "1.2.3.4, 203.0.113.5", ["10.0.0.0/8"], "203.0.113.5"),
        ("10.0.0.1", "1.2.3.4, 203.0.113.5, 10.0.0.2", ["10.0.0.0/8"], "203.0.113.5"),
        # A single address, not only networks; boundaries of a network.
        ("192.0.2.7", "203.0.113.5", ["192.0.2.7"], "203.0.113.5"),
        ("192.0.2.8", "203.0.113.5", ["192.0.2.7"], "192.0.2.8"),
        ("10.255.255.255", "203.0.113.5", ["10.0.0.0/8"], "203.0.113.5"),
        ("11.0.0.0", "203.0.113.5", ["10.0.0.0/8"], "11.0.0.0"),
        # Proxy without a header, or only proxies in it: the last proxy.
        ("10.0.0.1", "", ["10.0.0.0/8"], "10.0.0.1"),
        ("10.0.0.1", "10.0.0.9", ["10.0.0.0/8"], "10.0.0.9"),
        # A malformed hop: stop at the last address we trust.
        ("10.0.0.1", "203.0.113.5, not-an-ip", ["10.0.0.0/8"], "10.0.0.1"),
        # IPv6.
        ("2001:db8::1", "2001:db8:1::5", ["2001:db8::/64"], "2001:db8:1::5"),
    ],
)
def test_client_ip(remote, forwarded, trusted, expected, settings):
    settings.TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected
