"""The signed-in shell from the cache: a signed-in request reads its session, its user and the
user's memberships from Redis (entities.backends, SESSION_ENGINE cached_db), and every change
of the user or of their memberships, by whatever path, shows on the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entities import services
from entities.backends import CachedModelBackend, cached_user
from entities.choices import Role
from entities.models import Membership
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHELL_TABLES = ("django_session", "auth_user", "entities_membership")


def shell_queries(client, url="/entities/"):
    with CaptureQueriesContext(connection) as context:
        r = client.get(url)
    assert r.status_code == 200
    return [q["sql"] for q in context if any(f'"{t}"' in q["sql"] for t in SHELL_TABLES)]


def sign_in(client, username):
    r = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert r.status_code == 302


def test_a_signed_in_request_reads_session_user_and_memberships_from_the_cache(client, officer):
    sign_in(client, "t-officer")
    shell_queries(client)  # the first request after sign-in may fill the cache
    assert shell_queries(client) == []


def test_the_cached_user_carries_their_memberships(officer, unops, django_assert_num_queries):
    cached_user(officer.pk)
    with django_assert_num_queries(0):
        user = cached_user(officer.pk)
        roles = {(m.entity.code, m.role) for m in user._rf_memberships}
    assert user == officer and roles == {("UNOPS", Role.PROGRAMME_OFFICER)}


def test_a_new_membership_shows_on_the_next_request(client, officer, unops):
    sign_in(client, "t-officer")
    assert b'href="/indicators/review/"' not in client.get("/entities/").content
    services.membership_grant(user=officer, entity=unops, role=Role.REVIEWER, actor=None)
    assert b'href="/indicators/review/"' in client.get("/entities/").content


def test_a_membership_changed_outside_the_services_shows_on_the_next_request(
    client, officer, unops
):
    sign_in(client, "t-officer")
    client.get("/entities/")
    Membership.objects.create(user=officer, entity=unops, role=Role.REVIEWER)  # e.g. a shell
    assert b'href="/indicators/review/"' in client.get("/entities/").content
    Membership.objects.filter(user=officer, role=Role.REVIEWER).delete()
    assert b'href="/indicators/review/"' not in client.get("/entities/").content


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, officer):
    sign_in(client, "t-officer")
    assert client.get("/entities/").status_code == 200
    officer.is_active = False
    officer.save()
    r = client.get("/entities/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert CachedModelBackend().get_user(officer.pk) is None


def test_a_deleted_user_is_signed_out_on_the_next_request(client, officer):
    sign_in(client, "t-officer")
    assert client.get("/entities/").status_code == 200
    officer.delete()
    r = client.get("/entities/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert cached_user(officer.pk) is None


def test_a_password_change_signs_out_other_sessions(client, officer):
    sign_in(client, "t-officer")
    assert client.get("/entities/").status_code == 200
    officer.set_password("another-long-password-2026")
    officer.save()
    r = client.get("/entities/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_a_deactivated_user_in_the_cache_is_refused_by_the_backend(officer):
    from django.contrib.auth import get_user_model

    assert CachedModelBackend().get_user(officer.pk) == officer  # cached
    # Written without a signal (as a restore or psql would): the cache still holds the active
    # row until something bumps; the row in the cache decides.
    get_user_model().objects.filter(pk=officer.pk).update(is_active=False)
    assert CachedModelBackend().get_user(officer.pk) == officer
    officer.refresh_from_db()
    officer.save()  # any save moves the user's entry on
    assert CachedModelBackend().get_user(officer.pk) is None


# --- the rest of the shell: navigation, unread count, oversight bodies --------------------------


def test_the_shell_of_a_warm_page_costs_no_query(client, officer, django_assert_num_queries):
    """Navigation (which items the user may use), the unread count and the user's oversight
    bodies come from the cache once warm: the shell's queries are gone from a page whose own
    content is one cached list."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, "t-officer")
    client.get("/entities/")
    with CaptureQueriesContext(connection) as warm:
        client.get("/entities/")
    tables = ("notifications_notification", "oversight_oversightbodymember", "indicators_plan")
    assert [q["sql"] for q in warm if any(f'"{t}"' in q["sql"] for t in tables)] == []


def test_the_unread_count_follows_each_new_and_read_notification(client, officer):
    from notifications.models import Notification
    from notifications.services import notifications_mark_read

    sign_in(client, "t-officer")
    assert b'id="unread-count"' not in client.get("/entities/").content
    Notification.objects.create(recipient=officer, kind="value_returned", key="k1")
    assert b'id="unread-count"' in client.get("/entities/").content
    notifications_mark_read(actor=officer)
    assert b'id="unread-count"' not in client.get("/entities/").content
    Notification.objects.create(recipient=officer, kind="value_returned", key="k2")
    assert b'id="unread-count"' in client.get("/entities/").content
    Notification.objects.filter(recipient=officer).delete()
    assert b'id="unread-count"' not in client.get("/entities/").content


def test_an_oversight_body_membership_shows_on_the_next_request(client):
    from oversight.models import OversightBodyMember
    from oversight.permissions import auditor_body_ids
    from tests.factories import UserFactory
    from tests.oversight.factories import OversightBodyFactory

    user = UserFactory(username="t-auditor")  # no role: oversight only through a body
    sign_in(client, "t-auditor")
    assert b'href="/oversight/recommendations/"' not in client.get("/entities/").content
    body = OversightBodyFactory()
    OversightBodyMember.objects.create(body=body, user=user)
    assert b'href="/oversight/recommendations/"' in client.get("/entities/").content
    assert auditor_body_ids(cached_user(user.pk)) == {body.pk}
    OversightBodyMember.objects.filter(user=user).delete()
    assert b'href="/oversight/recommendations/"' not in client.get("/entities/").content
    assert auditor_body_ids(cached_user(user.pk)) == set()
