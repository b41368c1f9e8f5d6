"""The compact page's tables come from the shared cache (core.cache; they are the same for every
reader): a change shows at once, each reader's page keeps its own CSRF token and header."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from entities.choices import Role
from entities.models import Entity
from indicators import services as ind
from indicators.models import Indicator
from tests.compacts.test_views import _grow
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def row(body, code):
    """The table row of the compact indicator `code` (with its footnotes' markers)."""
    match = re.search(rf'<tr id="indicator-{re.escape(code)}".*?</tr>', body, re.S)
    assert match, code
    return match.group(0)


@pytest.fixture
def reader(compact):
    return user_with_role(Role.READER, Entity.objects.get(code="UNOPS"), username="t-reader")


def get(client, compact):
    r = client.get(reverse("compacts:detail", args=[compact.code]))
    assert r.status_code == 200
    return r.content.decode()


def test_an_edited_indicator_shows_at_once(client, compact, reader):
    client.force_login(reader)
    indicator = Indicator.objects.get(plan=compact.plan, code="MS 1.1")
    assert indicator.name_en in get(client, compact)
    ind.indicator_save(
        plan=compact.plan,
        code=indicator.code,
        actor=None,
        data={"name_en": "Renamed while cached"},
        indicator=indicator,
    )
    assert "Renamed while cached" in row(get(client, compact), "ms-11")


def test_reports_approved_and_aggregated_show_at_once(client, compact, reader):
    client.force_login(reader)
    before = row(get(client, compact), "un-61")
    _grow(compact)  # a new entity's report approved, the system-wide values recomputed
    after = row(get(client, compact), "un-61")
    assert after != before


def test_each_reader_keeps_their_own_page_around_the_shared_tables(compact, reader):
    other = user_with_role(Role.AUDITOR, None, username="t-auditor")
    pages = []
    for user in (reader, other):
        client = Client()
        client.force_login(user)
        pages.append(get(client, compact))
    assert row(pages[0], "ms-11") == row(pages[1], "ms-11")
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', p) for p in pages]
    assert all(tokens) and tokens[0].group(1) != tokens[1].group(1)
    assert "t-reader" in pages[0] and "t-reader" not in pages[1]


def test_a_warm_compact_page_asks_nothing_and_an_unknown_code_is_not_found(client, compact, reader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reader)
    get(client, compact)  # cold: the compact's row and its tables into the cache
    with CaptureQueriesContext(connection) as ctx:
        get(client, compact)
    assert len(ctx.captured_queries) == 0, [q["sql"] for q in ctx.captured_queries]
    for _ in range(2):  # the miss is cached too, and still a 404
        assert client.get(reverse("compacts:detail", args=["NO-SUCH"])).status_code == 404
    client.logout()
    r = client.get(reverse("compacts:detail", args=[compact.code]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
