import json

import pytest

from audit.models import Event
from entities.models import ApiToken, Entity
from tests.factories import api_token

pytestmark = pytest.mark.django_db


def auth(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


def test_token_for_good_credentials_and_me(api, officer, unops):
    r = api.post("/api/v1/auth/token/", {"username": "t-officer", "password": "test-password-123"})
    assert r.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "t-officer"
    assert me["roles"] == ["programme_officer"]
    assert me["entities"] == ["UNOPS"]
    assert me["memberships"] == [{"entity": "UNOPS", "role": "programme_officer", "org_unit": None}]


def test_token_refused_for_wrong_password(api, officer):
    r = api.post("/api/v1/auth/token/", {"username": "t-officer", "password": "nope"})
    assert r.status_code == 400
    assert "Unable to sign in" in r.json()["detail"][0]
    assert not ApiToken.objects.exists()


def test_anonymous_request_is_refused(api, unops):
    r = api.get("/api/v1/entities/")
    assert r.status_code == 401
    assert r.json()["detail"] == "Authentication credentials were not provided."


def test_bad_token_is_refused(api, unops):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    r = api.get("/api/v1/me/")
    assert r.status_code == 401
    assert r.json()["detail"] == "Invalid token."


def test_entity_list_shows_only_own_entities(api, officer_undp, unops, undp):
    r = auth(api, officer_undp).get("/api/v1/entities/")
    assert r.status_code == 200
    assert [e["code"] for e in r.json()["results"]] == ["UNDP"]


def test_auditor_sees_every_entity_and_filters(api, auditor, unops, undp):
    auth(api, auditor)
    assert {e["code"] for e in api.get("/api/v1/entities/").json()["results"]} == {"UNDP", "UNOPS"}
    r = api.get("/api/v1/entities/", {"q": "Project Services"})
    assert [e["code"] for e in r.json()["results"]] == ["UNOPS"]


def test_undp_officer_cannot_read_unops(api, officer_undp, unops):
    r = auth(api, officer_undp).get("/api/v1/entities/UNOPS/")
    assert r.status_code == 404


def test_undp_officer_cannot_change_unops(api, officer_undp, unops):
    r = auth(api, officer_undp).patch(
        "/api/v1/entities/UNOPS/", {"name_en": "Hijacked"}, format="json"
    )
    assert r.status_code == 404
    unops.refresh_from_db()
    assert unops.name_en == "United Nations Office for Project Services"
    assert not Event.objects.filter(action="entity.updated").exists()


def test_programme_officer_cannot_change_own_entity(api, officer, unops):
    r = auth(api, officer).patch("/api/v1/entities/UNOPS/", {"name_en": "Renamed"}, format="json")
    assert r.status_code == 403
    assert r.json()["detail"] == "You may not change this entity."
    unops.refresh_from_db()
    assert unops.name_en == "United Nations Office for Project Services"


def test_administrator_changes_entity_with_event_and_history(api, unops_admin, unops):
    r = auth(api, unops_admin).patch(
        "/api/v1/entities/UNOPS/", {"name_zh": "联合国项目事务署"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["name_zh"] == "联合国项目事务署"
    event = Event.objects.get(action="entity.updated")
    assert event.actor == unops_admin
    assert event.payload["after"] == {"name_zh": "联合国项目事务署"}
    history = unops.events.order_by("pgh_id")
    assert [h.pgh_label for h in history] == ["insert", "update"]
    assert history.last().name_zh == "联合国项目事务署"
    # The row history names the acting user and the request, though the API authenticated by
    # token inside the view.
    context = history.last().pgh_context.metadata
    assert context["user"] == unops_admin.pk
    assert context["url"] == "/api/v1/entities/UNOPS/"


def test_invalid_value_is_refused_and_nothing_written(api, unops_admin, unops):
    r = auth(api, unops_admin).patch(
        "/api/v1/entities/UNOPS/", {"entity_type": "galaxy"}, format="json"
    )
    assert r.status_code == 400
    assert "entity_type" in r.json()
    assert Entity.objects.get(code="UNOPS").entity_type == "fund_programme"


def test_malformed_json_is_refused_and_nothing_written(api, unops_admin, unops):
    r = auth(api, unops_admin).generic(
        "PATCH", "/api/v1/entities/UNOPS/", '{"name_en": "Broken', content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["detail"].startswith("JSON parse error")
    unops.refresh_from_db()
    assert unops.name_en == "United Nations Office for Project Services"


def test_entity_code_cannot_be_changed(api, unops_admin, unops):
    r = auth(api, unops_admin).patch("/api/v1/entities/UNOPS/", {"code": "XXX"}, format="json")
    assert r.status_code == 200
    assert Entity.objects.filter(code="UNOPS").exists()


def test_entity_list_query_count_does_not_grow(api, auditor, django_assert_max_num_queries):
    from tests.factories import EntityFactory, GoverningBodyFactory

    body = GoverningBodyFactory()
    EntityFactory.create_batch(3, governing_body=body)
    auth(api, auditor)
    with django_assert_max_num_queries(6) as few:
        assert api.get("/api/v1/entities/").status_code == 200
    EntityFactory.create_batch(40, governing_body=body)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = api.get("/api/v1/entities/")
    assert r.status_code == 200 and r.json()["count"] == 43


def test_schema_is_served(api, officer):
    r = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    schema = json.loads(r.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/entities/" in schema["paths"]
