"""The admin writes through the services: each change leaves its audit event (and resets the
cached memberships), each refusal leaves nothing."""

import pytest

from audit.models import Event
from entities.choices import EntityType, GoverningBodyKind, Role
from entities.models import BoardSession, Entity, GoverningBody, Membership, OrgUnit
from tests.factories import MembershipFactory, OrgUnitFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def staff_unops_admin(unops):
    """Staff with every admin permission, but administrator of UNOPS only."""
    from django.contrib.auth.models import Permission

    user = user_with_role(Role.ADMINISTRATOR, unops, username="staff-unops", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="entities"))
    return user


def test_governing_body_admin_goes_through_the_service(client, superuser):
    client.force_login(superuser)
    r = client.post(
        "/admin/entities/governingbody/add/",
        {"code": "ecosoc", "name_en": "ECOSOC", "name_zh": "经社理事会", "kind": "other"},
    )
    assert r.status_code == 302, r.content
    body = GoverningBody.objects.get(code="ecosoc")
    assert Event.objects.filter(action="governing_body.saved", target_id=str(body.pk)).exists()
    r = client.post(
        f"/admin/entities/governingbody/{body.pk}/change/",
        {"name_en": "Economic and Social Council", "name_zh": "经社理事会", "kind": "other"},
    )
    assert r.status_code == 302
    body.refresh_from_db()
    assert body.name_en == "Economic and Social Council" and body.code == "ecosoc"
    assert Event.objects.filter(action="governing_body.saved").count() == 2
    # Deleting is not offered (no service deletes a governing body).
    assert client.post(f"/admin/entities/governingbody/{body.pk}/delete/").status_code == 403
    assert GoverningBody.objects.filter(pk=body.pk).exists()


def test_board_session_admin_goes_through_the_service(client, superuser):
    body = GoverningBody.objects.create(
        code="eb", name_en="Board", kind=GoverningBodyKind.EXECUTIVE_BOARD
    )
    client.force_login(superuser)
    r = client.post(
        "/admin/entities/boardsession/add/",
        {
            "body": body.pk,
            "kind": "annual",
            "year": 2026,
            "start_date": "2026-06-01",
            "end_date": "2026-06-05",
            "title_en": "Annual session",
            "title_zh": "年度会议",
        },
    )
    assert r.status_code == 302, r.content
    session = BoardSession.objects.get()
    assert Event.objects.filter(action="board_session.saved", target_id=str(session.pk)).exists()


def test_entity_admin_goes_through_the_service(client, superuser, unops):
    client.force_login(superuser)
    r = client.post(
        f"/admin/entities/entity/{unops.pk}/change/",
        {
            "name_en": "UNOPS renamed",
            "name_zh": "项目署",
            "short_name_zh": "项目署",
            "entity_type": EntityType.FUND_PROGRAMME,
            "governing_body": "",
            "is_active": "on",
        },
    )
    assert r.status_code == 302, r.content
    assert Event.objects.filter(action="entity.updated", entity=unops).exists()
    assert Entity.objects.get(pk=unops.pk).name_en == "UNOPS renamed"


def test_entity_admin_refuses_an_entity_administrator(client, staff_unops_admin, unops):
    """Reference data is shared: the administrator of one entity may not change it, even with
    the admin's model permissions."""
    client.force_login(staff_unops_admin)
    r = client.post(
        f"/admin/entities/entity/{unops.pk}/change/",
        {"name_en": "Hijacked", "name_zh": "", "short_name_zh": "", "entity_type": "other"},
    )
    assert r.status_code == 403
    assert Entity.objects.get(pk=unops.pk).name_en != "Hijacked"
    assert not Event.objects.exists()


def test_org_unit_admin_goes_through_the_service(client, superuser, unops):
    client.force_login(superuser)
    r = client.post(
        "/admin/entities/orgunit/add/",
        {"entity": unops.pk, "code": "HQ", "name_en": "Headquarters", "name_zh": "总部"},
    )
    assert r.status_code == 302, r.content
    unit = OrgUnit.objects.get(entity=unops, code="HQ")
    assert Event.objects.filter(action="org_unit.created", target_id=str(unit.pk)).exists()
    r = client.post(
        f"/admin/entities/orgunit/{unit.pk}/change/",
        {"name_en": "Head office", "name_zh": "总部", "parent": ""},
    )
    assert r.status_code == 302, r.content
    assert Event.objects.filter(action="org_unit.updated", target_id=str(unit.pk)).exists()


def test_membership_admin_grants_and_revokes_through_the_services(client, superuser, unops):
    from entities.permissions import memberships

    user = UserFactory(username="newcomer")
    assert memberships(user) == []  # cached on the object
    client.force_login(superuser)
    r = client.post(
        "/admin/entities/membership/add/",
        {"user": user.pk, "entity": unops.pk, "role": Role.REVIEWER, "org_unit": ""},
    )
    assert r.status_code == 302, r.content
    membership = Membership.objects.get(user=user)
    assert Event.objects.filter(action="membership.granted", target_id=str(membership.pk)).exists()
    # Edited in place: refused (a role is revoked and another granted, each audited).
    r = client.post(
        f"/admin/entities/membership/{membership.pk}/change/",
        {"user": user.pk, "entity": unops.pk, "role": Role.ADMINISTRATOR},
    )
    assert r.status_code == 403
    assert Membership.objects.get(pk=membership.pk).role == Role.REVIEWER
    r = client.post(f"/admin/entities/membership/{membership.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Event.objects.filter(action="membership.revoked").count() == 1


def test_membership_admin_bulk_delete_revokes_each(client, superuser, unops):
    members = [MembershipFactory(entity=unops, role=Role.READER) for _ in range(3)]
    client.force_login(superuser)
    r = client.post(
        "/admin/entities/membership/",
        {
            "action": "delete_selected",
            "_selected_action": [m.pk for m in members],
            "post": "yes",
        },
    )
    assert r.status_code == 302
    assert not Membership.objects.exists()
    assert Event.objects.filter(action="membership.revoked").count() == 3


def test_membership_admin_refuses_a_grant_the_service_refuses(client, unops, undp):
    """An administrator of UNOPS (staff, with the admin's permissions) may not grant a role
    in UNDP: the service refuses and nothing is written."""
    from django.contrib.auth.models import Permission

    admin = user_with_role(Role.ADMINISTRATOR, unops, username="unops-admin", is_staff=True)
    admin.user_permissions.set(Permission.objects.filter(codename__endswith="membership"))
    target = UserFactory(username="target")
    client.force_login(admin)
    r = client.post(
        "/admin/entities/membership/add/",
        {"user": target.pk, "entity": undp.pk, "role": Role.REVIEWER, "org_unit": ""},
    )
    assert r.status_code == 403
    assert not Membership.objects.filter(user=target).exists()
    assert not Event.objects.filter(action="membership.granted", entity=undp).exists()
    r = client.post(
        "/admin/entities/membership/add/",
        {"user": target.pk, "entity": unops.pk, "role": Role.REVIEWER, "org_unit": ""},
    )
    assert r.status_code == 302
    assert Event.objects.filter(action="membership.granted", entity=unops).exists()


def test_org_unit_of_another_entity_is_refused_with_a_message(client, superuser, unops, undp):
    unit = OrgUnitFactory(entity=undp)
    user = UserFactory(username="mismatch")
    client.force_login(superuser)
    r = client.post(
        "/admin/entities/membership/add/",
        {"user": user.pk, "entity": unops.pk, "role": Role.REVIEWER, "org_unit": unit.pk},
    )
    assert r.status_code == 200
    assert "The org unit must belong to the membership" in r.content.decode()
    assert not Membership.objects.filter(user=user).exists()
