"""The recommendations page and API read their rows from the shared cache (core.cache): a
change shows at once, readers of different entities never share an entry, a warm hit costs a
few queries, each reader's form keeps its own CSRF token."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from oversight import services
from tests.oversight.conftest import auth

pytestmark = pytest.mark.django_db
PAGE = "/oversight/recommendations/"
API = "/api/v1/oversight/recommendations/"


def api_rows(api):
    r = api.get(API)
    assert r.status_code == 200
    return {row["reference"]: row for row in r.json()["results"]}


def page(client):
    r = client.get(PAGE)
    assert r.status_code == 200
    return r.content.decode()


def test_an_updated_recommendation_shows_at_once(api, client, rec, oios_auditor, reviewer):
    auth(api, reviewer)
    client.force_login(reviewer)
    assert rec.text_en not in ("", None) and rec.text_en in page(client)
    assert api_rows(api)[rec.reference]["text_en"] == rec.text_en
    services.recommendation_update(
        recommendation=rec, actor=oios_auditor, data={"text_en": "Rewritten by the body"}
    )
    assert "Rewritten by the body" in page(client)
    assert api_rows(api)[rec.reference]["text_en"] == "Rewritten by the body"


def test_a_new_recommendation_shows_at_once(api, client, rec, oios_auditor, reviewer):
    auth(api, reviewer)
    client.force_login(reviewer)
    assert set(api_rows(api)) == {rec.reference}
    assert "AR2021/001/02" not in page(client)
    services.recommendation_create(
        actor=oios_auditor,
        body=rec.body,
        report=rec.report,
        entity=rec.entity,
        reference="AR2021/001/02",
        text_en="A second recommendation",
        issued_on=rec.issued_on,
    )
    assert set(api_rows(api)) == {rec.reference, "AR2021/001/02"}
    assert "AR2021/001/02" in page(client)


def test_readers_of_different_entities_never_share_rows(
    api, client, rec, undp_rec, reviewer, officer_undp, oios_auditor, auditor
):
    readers = [
        ("UNOPS reviewer", reviewer, {rec.reference}),
        ("UNDP officer", officer_undp, {undp_rec.reference}),
        ("OIOS auditor", oios_auditor, {rec.reference, undp_rec.reference}),
        ("auditor of every entity", auditor, {rec.reference, undp_rec.reference}),
    ]
    for _round in range(2):  # the second time, every entry exists
        for label, user, references in readers:
            assert set(api_rows(auth(api, user))) == references, label
            client.force_login(user)
            shown = set(re.findall(r">(AR2021/\d+/\d+)</a>", page(client)))
            assert shown == references, label


def test_a_warm_hit_costs_fewer_queries_and_keeps_each_readers_csrf_token(api, rec, reviewer):
    tokens = []
    counts = []
    for client in (Client(), Client()):
        client.force_login(reviewer)
        with CaptureQueriesContext(connection) as ctx:
            body = page(client)
        counts.append(len(ctx.captured_queries))
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1))
    assert counts[1] < counts[0]
    assert tokens[0] != tokens[1]
    auth(api, reviewer)
    api_rows(api)
    with CaptureQueriesContext(connection) as ctx:
        api_rows(api)
    assert len(ctx.captured_queries) <= 4


def test_a_refused_filter_shows_its_error_from_the_cache_too(client, rec, reviewer):
    client.force_login(reviewer)
    for _time in range(2):  # built, then read from the cache
        r = client.get(PAGE, {"year": "abc", "critical": "x"})
        assert r.status_code == 200
        body = r.content.decode()
        assert 'class="errorlist"' in body and "year:" in body
        assert 'id="rec-filter"' in body


def test_a_warm_recommendations_page_builds_no_filterset_and_costs_no_query(
    client, rec, reviewer, monkeypatch, django_assert_num_queries
):
    from oversight.filters import RecommendationFilter

    client.force_login(reviewer)
    first = page(client)
    built = []
    real_init = RecommendationFilter.__init__

    def counting_init(self, *args, **kwargs):
        built.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(RecommendationFilter, "__init__", counting_init)
    with django_assert_num_queries(0):
        again = page(client)
    assert built == []
    link = f"/oversight/recommendations/{rec.pk}/"
    assert link in first and link in again
    assert 'id="rec-filter"' in again
