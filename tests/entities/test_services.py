import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from entities import permissions, services
from entities.choices import Role
from entities.models import Entity, Membership
from tests.factories import EntityFactory, OrgUnitFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_membership_grant_is_idempotent_and_audited(unops):
    user = UserFactory()
    m1 = services.membership_grant(user=user, entity=unops, role=Role.REVIEWER, actor=None)
    m2 = services.membership_grant(user=user, entity=unops, role=Role.REVIEWER, actor=None)
    assert m1 == m2
    assert Membership.objects.filter(user=user).count() == 1
    assert Event.objects.filter(action="membership.granted").count() == 1


def test_global_membership_is_unique_too():
    user = UserFactory()
    services.membership_grant(user=user, entity=None, role=Role.AUDITOR, actor=None)
    with pytest.raises(ValidationError):
        # Bypass the service's get-or-return to show the database constraint holds for NULL.
        Membership(user=user, entity=None, role=Role.AUDITOR).full_clean()


def test_only_entity_administrators_grant_memberships(unops, officer, unops_admin):
    target = UserFactory()
    with pytest.raises(PermissionDenied):
        services.membership_grant(user=target, entity=unops, role=Role.REVIEWER, actor=officer)
    assert not Membership.objects.filter(user=target).exists()
    services.membership_grant(user=target, entity=unops, role=Role.REVIEWER, actor=unops_admin)
    assert permissions.has_role(target, unops, Role.REVIEWER)


def test_org_unit_must_belong_to_the_entity(unops, undp):
    unit = OrgUnitFactory(entity=undp)
    with pytest.raises(ValidationError) as err:
        services.membership_grant(
            user=UserFactory(), entity=unops, role=Role.PROGRAMME_OFFICER, actor=None, org_unit=unit
        )
    assert "org_unit" in err.value.message_dict
    assert not Membership.objects.filter(org_unit=unit).exists()


def test_revoke_records_event_and_history(unops, unops_admin):
    user = user_with_role(Role.REVIEWER, unops)
    membership = Membership.objects.get(user=user)
    membership_id = membership.pk
    services.membership_revoke(membership=membership, actor=unops_admin, reason="left the team")
    assert not Membership.objects.filter(user=user).exists()
    event = Event.objects.get(action="membership.revoked")
    assert event.reason == "left the team" and event.actor == unops_admin
    labels = list(
        Membership.pgh_event_model.objects.filter(pgh_obj_id=membership_id).values_list(
            "pgh_label", flat=True
        )
    )
    assert labels == ["insert", "delete"]


def test_entity_update_refuses_unknown_fields_and_writes_nothing(unops, unops_admin):
    with pytest.raises(ValidationError) as err:
        services.entity_update(entity=unops, actor=unops_admin, data={"code": "NEW"})
    assert "code" in err.value.message_dict
    assert Entity.objects.filter(code="UNOPS").exists()


def test_entity_upsert_writes_only_changes():
    services.entity_upsert(code="XYZ", actor=None, name_en="X", entity_type="other")
    services.entity_upsert(code="XYZ", actor=None, name_en="X", entity_type="other")
    assert Event.objects.filter(target_repr="XYZ").count() == 1
    services.entity_upsert(code="XYZ", actor=None, name_en="Y")
    assert Event.objects.filter(target_repr="XYZ").count() == 2


ROLE_MATRIX = [
    # role, can_change_entity, can_view_team, can_view_governing_bodies
    (Role.PROGRAMME_OFFICER, False, False, False),
    (Role.REVIEWER, False, True, False),
    (Role.BOARD_SECRETARIAT, False, False, True),
    (Role.AUDITOR, False, False, False),
    (Role.READER, False, False, False),
    (Role.ADMINISTRATOR, True, True, True),
]


@pytest.mark.parametrize(("role", "change", "team", "boards"), ROLE_MATRIX)
def test_permission_matrix(role, change, team, boards):
    entity = EntityFactory()
    other = EntityFactory()
    user = user_with_role(role, entity)
    assert permissions.can_view_entity(user, entity)
    assert not permissions.can_view_entity(user, other)
    assert permissions.can_change_entity(user, entity) is change
    assert permissions.can_change_entity(user, other) is False
    assert permissions.can_view_team(user) is team
    assert permissions.can_view_governing_bodies(user) is boards


def test_global_role_sees_every_entity_but_changes_none():
    entities = EntityFactory.create_batch(3)
    auditor = user_with_role(Role.AUDITOR, None)
    assert set(Entity.objects.visible_to(auditor)) == set(entities)
    assert not any(permissions.can_change_entity(auditor, e) for e in entities)


def test_anonymous_sees_nothing(unops):
    from django.contrib.auth.models import AnonymousUser

    assert not Entity.objects.visible_to(AnonymousUser()).exists()
    assert not permissions.can_view_entity(AnonymousUser(), unops)


def test_memberships_are_read_once_per_user_object(unops, officer, django_assert_num_queries):
    permissions.forget_memberships(officer)
    with django_assert_num_queries(1):
        for _ in range(5):
            permissions.roles_in(officer, unops)
