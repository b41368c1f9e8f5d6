import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from entities.choices import Role
from entities.models import Entity, Membership
from tests.factories import EntityFactory, GoverningBodyFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in(client):
    for url in ["/", "/entities/", "/entities/boards/", "/entities/team/", "/audit/"]:
        r = client.get(url)
        assert r.status_code == 302, url
        assert r["Location"].startswith("/accounts/login/?next="), url


def test_sign_in_and_out(client, officer):
    r = client.post("/accounts/login/", {"username": "t-officer", "password": "test-password-123"})
    assert r.status_code == 302 and r["Location"] == "/"
    home = client.get("/")
    assert b"UNOPS" in home.content
    r = client.post("/accounts/logout/")
    assert r.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_shows_a_clear_message(client, officer):
    r = client.post("/accounts/login/", {"username": "t-officer", "password": "wrong"})
    assert r.status_code == 200
    assert "did not match" in r.content.decode()


def test_repeated_failures_lock_the_account(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "t-officer", "password": "wrong"})
    # Even the right password is refused while locked.
    r = client.post("/accounts/login/", {"username": "t-officer", "password": "test-password-123"})
    assert r.status_code == 429
    assert "Too many failed sign-in attempts" in r.content.decode()
    assert client.get("/").status_code == 302


def test_api_token_is_throttled_by_the_same_lockout(api, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": "t-officer", "password": "wrong"})
    r = api.post("/api/v1/auth/token/", {"username": "t-officer", "password": "test-password-123"})
    assert r.status_code == 429
    assert r.json() == {"detail": "Too many failed sign-in attempts. Try again later."}


def test_password_change(client, officer):
    client.force_login(officer)
    r = client.post(
        "/accounts/password/change/",
        {
            "old_password": "test-password-123",
            "new_password1": "a-much-longer-pass-2026",
            "new_password2": "a-much-longer-pass-2026",
        },
    )
    assert r.status_code == 302 and r["Location"] == "/accounts/password/change/done/"
    officer.refresh_from_db()
    assert officer.check_password("a-much-longer-pass-2026")


def test_password_change_refuses_mismatch_and_keeps_old(client, officer):
    client.force_login(officer)
    r = client.post(
        "/accounts/password/change/",
        {
            "old_password": "test-password-123",
            "new_password1": "a-much-longer-pass-2026",
            "new_password2": "something-else-2026",
        },
    )
    assert r.status_code == 200
    assert "didn’t match" in r.content.decode() or "didn't match" in r.content.decode()
    officer.refresh_from_db()
    assert officer.check_password("test-password-123")


def test_entity_pages_respect_visibility(client, officer_undp, unops, undp):
    client.force_login(officer_undp)
    listing = client.get("/entities/").content.decode()
    assert "UNDP" in listing and "UNOPS" not in listing
    assert client.get("/entities/UNOPS/").status_code == 404
    assert client.get("/entities/UNDP/").status_code == 200


def test_role_pages_refuse_other_roles(client, officer, reviewer, auditor):
    client.force_login(officer)
    for url in ["/entities/boards/", "/entities/team/", "/audit/"]:
        assert client.get(url).status_code == 403, url
    client.force_login(reviewer)
    assert client.get("/entities/team/").status_code == 200
    assert client.get("/audit/").status_code == 403
    client.force_login(auditor)
    assert client.get("/audit/").status_code == 200
    assert client.get("/entities/boards/").status_code == 403


def test_team_page_shows_only_reviewed_entities(client, reviewer, unops, undp):
    user_with_role(Role.PROGRAMME_OFFICER, undp, username="someone-at-undp")
    client.force_login(reviewer)
    page = client.get("/entities/team/").content.decode()
    assert "t-reviewer" in page
    assert "someone-at-undp" not in page


def test_chinese_pages(client, officer, unops):
    client.force_login(officer)
    r = client.get("/entities/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    page = r.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "实体" in page and "首页" in page


def test_entity_list_page_queries_do_not_grow(client, auditor, django_assert_max_num_queries):
    body = GoverningBodyFactory()
    EntityFactory.create_batch(2, governing_body=body)
    client.force_login(auditor)
    with django_assert_max_num_queries(20) as few:
        assert client.get("/entities/").status_code == 200
    EntityFactory.create_batch(30, governing_body=body)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get("/entities/")
    assert r.status_code == 200
    assert r.content.decode().count("/entities/ENT") >= 32


def test_htmx_filter_returns_rows_only(client, auditor, unops, undp):
    client.force_login(auditor)
    r = client.get("/entities/", {"q": "Project"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert "<html" not in body
    assert "UNOPS" in body and "UNDP" not in body


@pytest.mark.long  # the whole demo, twice
def test_load_demo_is_idempotent(db):
    call_command("load_demo", verbosity=0)
    counts = (Entity.objects.count(), Membership.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Entity.objects.count(), Membership.objects.count()) == counts
    assert Entity.objects.filter(code="UNOPS", governing_body__code="undp-unfpa-unops").exists()
    assert Entity.objects.get(code="UNOPS").name_zh == "联合国项目事务署"
    # 39 from Table 1 and the Executive Boards, plus the UN Secretariat (UNSEC) that owns the
    # programme plan 2016-2017 and the recommendations of the oversight demo, plus the UNSDG
    # that holds the Funding Compact's system-wide indicators.
    assert counts[0] == 41


def test_api_docs_and_schema_are_public(client):
    assert client.get(reverse("api-docs")).status_code == 200
    assert client.get(reverse("api-schema")).status_code == 200
