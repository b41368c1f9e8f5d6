"""entities.permissions.whole_entity_ids: the entities whose every row a user reads — the one
helper behind the indicators and oversight exports' "who else may open a finished export"."""

import pytest
from django.contrib.auth.models import AnonymousUser

from core.exports import get_kind
from entities.choices import Role
from entities.permissions import whole_entity_ids
from indicators.permissions import READ_ROLES
from tests.factories import MembershipFactory, OrgUnitFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_signed_out_superuser_and_every_entity_roles(unops):
    assert whole_entity_ids(AnonymousUser()) == set()
    assert whole_entity_ids(UserFactory(is_superuser=True)) is None
    reader_everywhere = user_with_role(Role.READER)
    assert whole_entity_ids(reader_everywhere) is None
    assert whole_entity_ids(reader_everywhere, {Role.READER}) is None
    # a role held in every entity counts only if it is one of the roles asked for
    assert whole_entity_ids(reader_everywhere, {Role.REVIEWER}) == set()


def test_roles_and_org_units(unops, undp):
    user = user_with_role(Role.PROGRAMME_OFFICER, unops)
    MembershipFactory(
        user=user, entity=undp, role=Role.REVIEWER, org_unit=OrgUnitFactory(entity=undp)
    )
    assert whole_entity_ids(user) == {unops.pk}  # a unit's role does not reach its entity whole
    assert whole_entity_ids(user, units_narrow=False) == {unops.pk, undp.pk}
    assert whole_entity_ids(user, {Role.REVIEWER}, units_narrow=False) == {undp.pk}
    assert whole_entity_ids(user, {Role.AUDITOR}) == set()


def test_the_exports_use_it_with_their_own_reading(unops, undp):
    user = user_with_role(Role.PROGRAMME_OFFICER, unops)
    MembershipFactory(
        user=user, entity=undp, role=Role.REVIEWER, org_unit=OrgUnitFactory(entity=undp)
    )
    import indicators.exporters  # noqa: F401  (registers the kinds)
    import oversight.exporters  # noqa: F401

    assert get_kind("values").whole_entities(user) == {unops.pk}  # indicators: units narrow
    assert get_kind("progress").whole_entities(user) == whole_entity_ids(user, READ_ROLES)
    assert get_kind("recommendations").whole_entities(user) == {unops.pk, undp.pk}
