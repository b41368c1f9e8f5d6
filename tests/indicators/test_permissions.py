"""The permission matrix, cell by cell: every action × role × status, plus the rules beside it."""

import pytest

from entities.choices import Role
from indicators import permissions
from indicators.choices import Action, Status
from indicators.models import Value
from tests.factories import OrgUnitFactory, user_with_role

pytestmark = pytest.mark.django_db

# The expected matrix, written out independently of permissions.MATRIX.
PO, R, S, A, RD, AD = (
    Role.PROGRAMME_OFFICER,
    Role.REVIEWER,
    Role.BOARD_SECRETARIAT,
    Role.AUDITOR,
    Role.READER,
    Role.ADMINISTRATOR,
)
D, SU, RE, AP = Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.APPROVED
EXPECTED = {
    Action.VIEW: {(role, st) for role in (PO, R, S, A, RD, AD) for st in (D, SU, RE, AP)},
    Action.EDIT: {(PO, D), (PO, RE)},
    Action.SUBMIT: {(PO, D), (PO, RE)},
    Action.ATTACH: {(PO, D), (PO, RE), (PO, SU)},
    Action.APPROVE: {(R, SU)},
    Action.RETURN: {(R, SU)},
    Action.REOPEN: {(R, AP)},
    Action.COMMENT: {(role, st) for role in (PO, R) for st in (D, SU, RE, AP)},
    Action.HISTORY: {(role, st) for role in (R, A, AD) for st in (D, SU, RE, AP)},
}
CELLS = [
    (action, role, st) for action in Action.values for role in Role.values for st in Status.values
]


@pytest.mark.parametrize("action,role,status", CELLS)
def test_matrix_cell(action, role, status, unops, indicator, period):
    # Entity roles for officer/reviewer/secretariat/reader/admin; auditors hold theirs globally.
    entity = None if role == Role.AUDITOR else unops
    user = user_with_role(role, entity, username=f"u-{role}")
    value = Value(indicator=indicator, period=period, status=status, kind="number")
    allowed, reason = permissions.decide(
        user, action, indicator=indicator, status=status, value=value
    )
    assert allowed == ((role, status) in EXPECTED[action]), reason
    if not allowed:
        assert reason


@pytest.mark.parametrize("role", Role.values)
def test_no_role_in_entity_means_nothing(role, undp, indicator, period):
    user = user_with_role(role, undp, username=f"undp-{role}")
    for action in Action.values:
        allowed, reason = permissions.decide(user, action, indicator=indicator, status=D)
        assert not allowed and reason == "You have no role in this entity."


def test_reviewer_cannot_review_own_entry(unops, indicator, period):
    user = user_with_role(Role.REVIEWER, unops, username="rev-own")
    value = Value(
        indicator=indicator,
        period=period,
        status=SU,
        kind="number",
        entered_by=user,
        submitted_by=user,
    )
    for action in (Action.APPROVE, Action.RETURN):
        allowed, reason = permissions.decide(
            user, action, indicator=indicator, status=SU, value=value
        )
        assert not allowed
        assert reason == "You cannot review a value you entered or submitted yourself."


def test_closed_period_refuses_every_write(unops, indicator, period):
    period.is_closed = True
    officer = user_with_role(Role.PROGRAMME_OFFICER, unops, username="o-closed")
    reviewer = user_with_role(Role.REVIEWER, unops, username="r-closed")
    for user, action, status in (
        (officer, Action.EDIT, D),
        (officer, Action.SUBMIT, D),
        (reviewer, Action.APPROVE, SU),
        (reviewer, Action.REOPEN, AP),
    ):
        allowed, reason = permissions.decide(
            user, action, indicator=indicator, status=status, period=period
        )
        assert not allowed and reason == "The reporting period is closed."


def test_org_unit_membership_reaches_only_its_unit(unops, indicator, period):
    from tests.factories import MembershipFactory, UserFactory

    unit, other = OrgUnitFactory(entity=unops), OrgUnitFactory(entity=unops)
    user = UserFactory(username="unit-officer")
    MembershipFactory(user=user, entity=unops, role=Role.PROGRAMME_OFFICER, org_unit=unit)
    indicator.org_unit = other
    assert not permissions.decide(user, Action.EDIT, indicator=indicator)[0]
    indicator.org_unit = unit
    assert permissions.decide(user, Action.EDIT, indicator=indicator)[0]
