"""The notification list, mark read, the preferences page, the header count and the API."""

import pytest

from notifications.choices import Kind
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def _note(user, key, kind=Kind.VALUE_RETURNED, **params):
    params = params or {"indicator": "M1", "period": "2026", "reason": "Check the source"}
    return Notification.objects.create(
        recipient=user, kind=kind, key=key, params=params, url="/indicators/"
    )


def test_list_shows_only_my_notifications_and_the_header_counts_unread(client, officer, reviewer):
    _note(officer, "a")
    _note(officer, "b").__class__.objects.filter(key="b").update(read_at="2026-01-01T00:00Z")
    _note(reviewer, "secret", reason="For the reviewer only")
    client.force_login(officer)
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("Value returned: M1, 2026") == 2
    assert "For the reviewer only" not in html
    assert 'id="unread-count"' in html and ">1</span>" in html


def test_in_app_off_rows_are_not_listed(client, officer):
    Notification.objects.create(
        recipient=officer, kind=Kind.VALUE_RETURNED, key="x", in_app=False, params={}
    )
    client.force_login(officer)
    html = client.get("/notifications/").content.decode()
    assert "You have no notifications." in html
    assert 'id="unread-count"' not in html


def test_mark_one_and_all_read(client, officer, reviewer):
    a, b = _note(officer, "a"), _note(officer, "b")
    theirs = _note(reviewer, "c")
    client.force_login(officer)
    assert client.post("/notifications/read/", {"id": a.pk}).status_code == 302
    a.refresh_from_db(), b.refresh_from_db()
    assert a.read_at and not b.read_at
    client.post("/notifications/read/", {"id": theirs.pk})
    client.post("/notifications/read/", {"id": "nonsense"})
    theirs.refresh_from_db(), b.refresh_from_db()
    assert theirs.read_at is None and b.read_at is None
    response = client.post("/notifications/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"
    b.refresh_from_db()
    assert b.read_at is not None


def test_mark_read_needs_post_and_sign_in(client, officer):
    assert client.post("/notifications/read/").status_code == 302  # to sign in
    client.force_login(officer)
    assert client.get("/notifications/read/").status_code == 405


def test_list_query_count_does_not_grow(client, officer, django_assert_max_num_queries):
    _note(officer, "first")
    client.force_login(officer)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/notifications/").status_code == 200
    for i in range(30):
        _note(officer, f"more-{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/notifications/").status_code == 200


def test_preferences_page_saves_the_choices(client, officer):
    client.force_login(officer)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    assert "Weekly digest of recommendations due soon or overdue" in page.content.decode()
    data = {f"{kind}__in_app": "on" for kind in Kind.values}
    data[f"{Kind.PERIOD_CLOSING}__email"] = "on"
    response = client.post("/notifications/preferences/", data)
    assert response.status_code == 302
    prefs = {p.kind: (p.in_app, p.email) for p in NotificationPreference.objects.all()}
    assert prefs[Kind.PERIOD_CLOSING] == (True, True)
    assert prefs[Kind.VALUE_RETURNED] == (True, False)
    assert set(prefs) == set(Kind.values)


def test_the_settings_page_and_the_language_switcher_remember_the_email_language(client, officer):
    from entities.models import Profile
    from entities.selectors import language_chosen, language_for

    client.force_login(officer)
    assert language_for(officer) == "en"  # no choice yet: the site's language
    page = client.get("/notifications/preferences/")
    assert 'name="language"' in page.content.decode()
    data = {f"{kind}__in_app": "on" for kind in Kind.values}
    # Saving the other choices with the language as shown stores no language.
    assert client.post("/notifications/preferences/", {**data, "language": "en"}).status_code == 302
    assert not language_chosen(officer)
    assert (
        client.post("/notifications/preferences/", {**data, "language": "zh-hans"}).status_code
        == 302
    )
    assert language_for(officer) == "zh-hans"
    # An unknown language is refused on the page, and nothing changes.
    refused = client.post("/notifications/preferences/", {**data, "language": "fr"})
    assert refused.status_code == 200 and refused.context["form"].errors["language"]
    assert language_for(officer) == "zh-hans"
    # The switcher in the header sets the cookie as Django does, and remembers the choice.
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302 and switched.cookies["django_language"].value == "en"
    assert language_for(officer) == "en"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})  # ignored, as Django does
    assert language_for(officer) == "en"
    # Signed out, the switcher only sets the cookie.
    client.logout()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert Profile.objects.get(user=officer).language == "en"


def test_pages_need_sign_in(client):
    for url in ("/notifications/", "/notifications/preferences/"):
        assert client.get(url).status_code == 302


# --- API --------------------------------------------------------------------------------------


def test_api_lists_my_notifications_rendered(api, officer, reviewer):
    _note(officer, "a")
    _note(reviewer, "theirs")
    api.force_authenticate(officer)
    response = api.get("/api/v1/notifications/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["subject"] == "Value returned: M1, 2026"
    assert row["body"] == "Reason: Check the source"
    assert row["read_at"] is None


def test_api_unread_filter_and_mark_read(api, officer, reviewer):
    a, b = _note(officer, "a"), _note(officer, "b")
    theirs = _note(reviewer, "c")
    api.force_authenticate(officer)
    response = api.post("/api/v1/notifications/read/", {"ids": [a.pk, theirs.pk]}, format="json")
    assert response.status_code == 200 and response.json() == {"marked": 1}
    unread = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["id"] for n in unread] == [b.pk]
    assert api.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_mark_read_refuses_bad_ids(api, officer):
    note = _note(officer, "a")
    api.force_authenticate(officer)
    response = api.post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json")
    assert response.status_code == 400
    assert "ids" in response.json()
    note.refresh_from_db()
    assert note.read_at is None


def test_api_preferences_get_and_put(api, officer):
    api.force_authenticate(officer)
    rows = api.get("/api/v1/notifications/preferences/").json()
    assert {r["kind"] for r in rows} == set(Kind.values)
    assert all(r["in_app"] and r["email"] for r in rows)
    response = api.put(
        "/api/v1/notifications/preferences/",
        [{"kind": "closure_proposed", "in_app": True, "email": False}],
        format="json",
    )
    assert response.status_code == 200
    saved = {r["kind"]: r for r in response.json()}
    assert saved["closure_proposed"]["email"] is False
    assert saved["value_returned"]["email"] is True


@pytest.mark.parametrize(
    "payload",
    [
        [{"kind": "nonsense", "in_app": True, "email": True}],
        [{"kind": "value_returned", "in_app": True}],
        [
            {"kind": "period_closing", "in_app": False, "email": False},
            {"kind": "value_returned", "in_app": "maybe", "email": True},
        ],
        {"kind": "value_returned", "in_app": True, "email": True},
    ],
)
def test_api_preferences_refuse_bad_rows_and_write_nothing(api, officer, payload):
    api.force_authenticate(officer)
    response = api.put("/api/v1/notifications/preferences/", payload, format="json")
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_api_needs_authentication(api):
    assert api.get("/api/v1/notifications/").status_code in (401, 403)
    assert api.get("/api/v1/notifications/preferences/").status_code in (401, 403)
    assert api.post("/api/v1/notifications/read/", {}, format="json").status_code in (401, 403)


def test_api_list_query_count_does_not_grow(api, officer, django_assert_max_num_queries):
    _note(officer, "first")
    api.force_authenticate(officer)
    with django_assert_max_num_queries(6) as few:
        assert api.get("/api/v1/notifications/").status_code == 200
    for i in range(30):
        _note(officer, f"more-{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/api/v1/notifications/").status_code == 200
