"""Shared fixtures. The suite runs on the real PostgreSQL and Redis named by DATABASE_URL and
REDIS_URL (scripts/dev.py starts embedded ones when they are unset)."""

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from entities.choices import Role
from tests.factories import EntityFactory, user_with_role

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_system_package(found, package, why):
    """Skip when a Debian package is missing, naming it; in CI a missing package fails."""
    if found:
        return
    message = f"needs the Debian package '{package}' ({why}): apt-get install {package}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}")
    pytest.skip(message)


def chromium_path():
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Marks of tests that run for tens of seconds each; their modules are started first.
LONG_MARKS = ("browser", "worker", "long")


def pytest_collection_modifyitems(config, items):
    """Modules with long tests first, each module's tests kept together and in order.

    pytest-xdist (`--dist worksteal`, scripts/dev.py) hands each process a share of the tests
    and lets an idle one take half of another's remaining tests: long tests started first
    leave short ones at the end to even out on, not a long one that keeps a core busy while
    the other waits."""
    long_modules = {
        item.module.__name__
        for item in items
        if getattr(item, "module", None) and any(item.get_closest_marker(m) for m in LONG_MARKS)
    }
    items.sort(key=lambda item: getattr(item, "module", None) is None
               or item.module.__name__ not in long_modules)  # fmt: skip


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (throttling counters, heartbeats). Only this
    suite's keys are deleted: a FLUSHDB would also wipe the Celery broker's queues."""
    client = cache._cache.get_client(write=True)
    # COUNT 1000: one round trip for this database's keys (Celery's results included), not
    # one per ten keys, before every test.
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test ends in the default language: a test (or a request it made in this thread)
    that activated another would otherwise leave it to the next test of the same process."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def unops(db):
    return EntityFactory(code="UNOPS", name_en="United Nations Office for Project Services")


@pytest.fixture
def undp(db):
    return EntityFactory(code="UNDP", name_en="United Nations Development Programme")


@pytest.fixture
def officer(unops):
    return user_with_role(Role.PROGRAMME_OFFICER, unops, username="t-officer")


@pytest.fixture
def reviewer(unops):
    return user_with_role(Role.REVIEWER, unops, username="t-reviewer")


@pytest.fixture
def unops_admin(unops):
    return user_with_role(Role.ADMINISTRATOR, unops, username="t-admin-unops")


@pytest.fixture
def officer_undp(undp):
    return user_with_role(Role.PROGRAMME_OFFICER, undp, username="t-officer-undp")


@pytest.fixture
def auditor(db):
    return user_with_role(Role.AUDITOR, None, username="t-auditor")
