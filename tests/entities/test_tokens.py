"""API tokens (django-rest-knox): they expire, their owner and token managers list and revoke
them, and they die with a password change or a deactivation, whichever path made it."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from audit.models import Event
from entities import services
from entities.models import ApiToken
from tests.factories import PASSWORD, UserFactory, api_token

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-pass-2026"


@pytest.fixture
def superuser(db):
    return UserFactory(username="t-super", is_staff=True, is_superuser=True)


def me(api, key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/v1/me/")


def obtain(api, username="t-officer", password=PASSWORD):
    return api.post("/api/v1/auth/token/", {"username": username, "password": password})


def test_a_token_lives_api_token_lifetime_days_and_is_stored_hashed(api, officer, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 2
    r = obtain(api)
    assert r.status_code == 200
    key = r.json()["token"]
    expiry = datetime.datetime.fromisoformat(r.json()["expiry"])
    expected = timezone.now() + datetime.timedelta(days=2)
    assert abs((expiry - expected).total_seconds()) < 60
    row = ApiToken.objects.get()
    assert row.user == officer and row.expiry == expiry
    assert key not in (row.digest, row.token_key) and row.token_key == key[:15]
    assert me(api, key).status_code == 200
    assert Event.objects.filter(action="api_token.created", actor=officer).count() == 1


def test_each_sign_in_gets_its_own_token(api, officer):
    first, second = obtain(api).json()["token"], obtain(api).json()["token"]
    assert first != second and ApiToken.objects.filter(user=officer).count() == 2


def test_expired_token_is_refused_and_deleted(api, officer):
    key = api_token(officer)
    ApiToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    r = me(api, key)
    assert r.status_code == 401
    assert r.json()["detail"] == "Invalid token."
    assert not ApiToken.objects.exists()


def test_token_about_to_expire_still_works(api, officer):
    key = api_token(officer)
    ApiToken.objects.update(expiry=timezone.now() + datetime.timedelta(minutes=1))
    assert me(api, key).status_code == 200


def test_owner_lists_only_own_tokens(api, officer, reviewer):
    key = api_token(officer)
    api_token(officer)
    api_token(reviewer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    r = api.get("/api/v1/auth/tokens/")
    assert r.status_code == 200
    rows = r.json()["results"]
    assert {t["user"] for t in rows} == {"t-officer"} and len(rows) == 2
    assert [t["current"] for t in rows].count(True) == 1
    assert all(set(t) == {"id", "user", "created", "expiry", "current"} for t in rows)
    assert all(t["id"] != key and len(t["id"]) == 15 for t in rows)


def test_owner_revokes_own_token_which_is_then_refused(api, officer):
    key, other = api_token(officer), api_token(officer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    r = api.delete(f"/api/v1/auth/tokens/{other[:15]}/")
    assert r.status_code == 204
    assert me(api, other).status_code == 401
    assert me(api, key).status_code == 200
    event = Event.objects.get(action="api_token.revoked")
    assert event.actor == officer and event.payload["token_key"] == other[:15]
    # Revoking the token in use signs the client out.
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete(f"/api/v1/auth/tokens/{key[:15]}/").status_code == 204
    assert me(api, key).status_code == 401


def test_owner_cannot_see_or_revoke_another_users_token(api, officer, reviewer):
    theirs = api_token(reviewer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(officer)}")
    r = api.delete(f"/api/v1/auth/tokens/{theirs[:15]}/")
    assert r.status_code == 404
    assert ApiToken.objects.filter(user=reviewer).count() == 1
    assert me(api, theirs).status_code == 200
    assert not Event.objects.filter(action="api_token.revoked").exists()


def test_staff_without_the_permission_is_an_owner_like_any_other(api, officer):
    staff = UserFactory(username="t-staff", is_staff=True)
    theirs = api_token(officer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(staff)}")
    assert [t["user"] for t in api.get("/api/v1/auth/tokens/").json()["results"]] == ["t-staff"]
    assert api.delete(f"/api/v1/auth/tokens/{theirs[:15]}/").status_code == 404
    staff.user_permissions.add(Permission.objects.get(codename="delete_apitoken"))
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached on the object
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(staff)}")
    assert api.delete(f"/api/v1/auth/tokens/{theirs[:15]}/").status_code == 204


def test_administrator_lists_and_revokes_anyones_token(api, officer, reviewer, superuser):
    theirs = api_token(officer)
    api_token(reviewer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(superuser)}")
    r = api.get("/api/v1/auth/tokens/")
    assert r.status_code == 200
    assert {t["user"] for t in r.json()["results"]} == {"t-officer", "t-reviewer", "t-super"}
    assert api.delete(f"/api/v1/auth/tokens/{theirs[:15]}/").status_code == 204
    assert me(api, theirs).status_code == 401
    assert Event.objects.get(action="api_token.revoked").actor == superuser


def test_token_list_refuses_anonymous_and_bad_methods(api, officer):
    assert api.get("/api/v1/auth/tokens/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(officer)}")
    assert api.post("/api/v1/auth/tokens/", {}).status_code == 405
    assert api.delete("/api/v1/auth/tokens/nothing-such/").status_code == 404
    assert ApiToken.objects.count() == 1


def test_token_list_query_count_does_not_grow(api, superuser, django_assert_max_num_queries):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(superuser)}")
    with django_assert_max_num_queries(6) as few:
        assert api.get("/api/v1/auth/tokens/").status_code == 200
    for i in range(5):
        api_token(UserFactory(username=f"t-many-{i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = api.get("/api/v1/auth/tokens/")
    assert r.status_code == 200 and r.json()["count"] == 6


def test_password_change_page_revokes_tokens(api, client, officer):
    key = api_token(officer)
    client.force_login(officer)
    r = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert r.status_code == 302
    assert me(api, key).status_code == 401
    assert not ApiToken.objects.exists()
    event = Event.objects.get(action="api_token.revoked_all")
    assert event.reason == "password changed" and event.payload == {"count": 1}
    assert event.target_id == str(officer.pk)


def test_refused_password_change_keeps_tokens(api, client, officer):
    key = api_token(officer)
    client.force_login(officer)
    r = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert r.status_code == 200
    assert me(api, key).status_code == 200


def test_admin_password_change_revokes_tokens(api, client, officer, superuser):
    key = api_token(officer)
    client.force_login(superuser)
    r = client.post(
        f"/admin/auth/user/{officer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert me(api, key).status_code == 401


def test_set_password_then_save_revokes_tokens(api, officer):
    key = api_token(officer)
    officer.set_password(NEW_PASSWORD)
    officer.save()
    assert me(api, key).status_code == 401


def test_other_saves_of_the_user_keep_tokens(api, client, officer):
    key = api_token(officer)
    officer.first_name = "Olga"
    officer.save()
    client.post("/accounts/login/", {"username": "t-officer", "password": PASSWORD})  # last_login
    officer.refresh_from_db()
    assert officer.last_login is not None
    assert me(api, key).status_code == 200
    assert not Event.objects.filter(action="api_token.revoked_all").exists()


def test_deactivation_revokes_tokens(api, officer):
    key = api_token(officer)
    officer.is_active = False
    officer.save()
    assert me(api, key).status_code == 401
    assert not ApiToken.objects.exists()
    assert Event.objects.get(action="api_token.revoked_all").reason == "user deactivated"
    # ... and an inactive user gets no new one.
    assert obtain(api).status_code == 400
    assert not ApiToken.objects.exists()


def test_service_refuses_a_token_for_someone_else(officer, reviewer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.api_token_create(user=reviewer, actor=officer)
    row = ApiToken.objects.create(user=reviewer)[0]
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(token=row, actor=officer)
    assert ApiToken.objects.count() == 1 and not Event.objects.exists()


def test_admin_site_lists_and_revokes_tokens(client, officer, superuser):
    key = api_token(officer)
    client.force_login(superuser)
    page = client.get("/admin/entities/apitoken/")
    assert page.status_code == 200
    assert key[:15] in page.content.decode() and key not in page.content.decode()
    assert client.get("/admin/entities/apitoken/add/").status_code == 403
    selected = [ApiToken.objects.get().pk]
    r = client.post(
        "/admin/entities/apitoken/",
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )
    assert r.status_code == 302
    assert not ApiToken.objects.exists()
    assert Event.objects.get(action="api_token.revoked").actor == superuser


# The account page ------------------------------------------------------------------------


def test_account_page_lists_own_tokens_only(client, officer, reviewer):
    mine, theirs = api_token(officer), api_token(reviewer)
    client.force_login(officer)
    r = client.get("/accounts/tokens/")
    assert r.status_code == 200
    page = r.content.decode()
    assert f'data-token="{mine[:15]}"' in page and theirs[:15] not in page
    assert mine not in page  # the token itself is never shown again
    assert "/accounts/tokens/" in client.get("/accounts/password/change/").content.decode()


def test_account_page_without_tokens_and_for_anonymous(client, officer):
    assert client.get("/accounts/tokens/").status_code == 302
    client.force_login(officer)
    assert 'id="no-api-tokens"' in client.get("/accounts/tokens/").content.decode()


def test_account_page_query_count_does_not_grow(client, officer, django_assert_max_num_queries):
    api_token(officer)
    client.force_login(officer)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/accounts/tokens/").status_code == 200
    for _ in range(10):
        api_token(officer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get("/accounts/tokens/")
    assert r.status_code == 200 and r.content.decode().count("data-token=") == 11


def test_account_page_revokes_own_token(api, client, officer):
    key = api_token(officer)
    client.force_login(officer)
    assert client.get(f"/accounts/tokens/{key[:15]}/revoke/").status_code == 405
    r = client.post(f"/accounts/tokens/{key[:15]}/revoke/", follow=True)
    assert r.status_code == 200 and "The API token was revoked." in r.content.decode()
    assert me(api, key).status_code == 401
    assert Event.objects.get(action="api_token.revoked").reason == "account page"


def test_account_page_cannot_revoke_another_users_token(api, client, officer, superuser):
    theirs = api_token(officer)
    client.force_login(superuser)  # even a token manager: they use the administration
    assert client.post(f"/accounts/tokens/{theirs[:15]}/revoke/").status_code == 404
    assert me(api, theirs).status_code == 200


def test_token_authentication_costs_no_query_once_cached(officer, django_assert_num_queries):
    from entities.api.authentication import ExpiringTokenAuthentication

    key, other = api_token(officer), api_token(officer)
    ApiToken.objects.filter(token_key=other[:15]).update(expiry=timezone.now())
    # The first use reads the token, its user and their memberships (which every request
    # reads anyway); knox's own class also sweeps the user's other tokens.
    with django_assert_num_queries(3):
        user, token = ExpiringTokenAuthentication().authenticate_credentials(key.encode())
    assert user == officer and token.token_key == key[:15]
    with django_assert_num_queries(0):  # the next ones read the cache
        user, token = ExpiringTokenAuthentication().authenticate_credentials(key.encode())
    assert user == officer and token.token_key == key[:15]
    assert [m.role for m in user._rf_memberships] == [m.role for m in officer.memberships.all()]


def test_a_revoked_token_is_refused_at_once_though_cached(api, officer):
    key = api_token(officer)
    assert me(api, key).status_code == 200  # now cached
    services.api_token_revoke(token=ApiToken.objects.get(), actor=officer)
    assert me(api, key).status_code == 401


def test_a_token_deleted_by_any_path_is_refused_at_once(api, officer):
    key = api_token(officer)
    assert me(api, key).status_code == 200
    ApiToken.objects.get().delete()  # e.g. from the admin or a shell
    assert me(api, key).status_code == 401


def test_a_cached_token_is_refused_once_expired(api, officer):
    import time

    _row, key = ApiToken.objects.create(user=officer, expiry=datetime.timedelta(seconds=1))
    assert me(api, key).status_code == 200  # now cached, with its expiry
    time.sleep(1.1)
    assert me(api, key).status_code == 401
    assert not ApiToken.objects.exists()


def test_the_token_of_a_deactivated_user_is_refused_though_cached(api, officer):
    key = api_token(officer)
    assert me(api, key).status_code == 200
    officer.is_active = False
    officer.save()
    assert me(api, key).status_code == 401
