"""Who may do what with plans, indicators and values — the one place that decides.

MATRIX says, for each action on a value, which role may take it in which workflow status.
Three rules sit beside it: a reviewer never approves (or returns) a value they entered or
submitted themselves; a closed reporting period takes no entries; and a role held only for one
org unit reaches only that unit's indicators. Everything here reads the memberships cached on
the user, so checks in a loop add no queries.
"""

from django.utils.translation import gettext_lazy as _

from entities.choices import Role
from entities.permissions import all_roles, memberships

from .choices import Action, Status

ALL_STATUSES = frozenset(Status.values)
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})

# Roles that read every value of the entities where they hold them.
READ_ROLES = frozenset(
    {
        Role.PROGRAMME_OFFICER,
        Role.REVIEWER,
        Role.BOARD_SECRETARIAT,
        Role.AUDITOR,
        Role.READER,
        Role.ADMINISTRATOR,
    }
)

# action -> role -> statuses in which that role may take the action. Absent: never.
MATRIX = {
    Action.VIEW: dict.fromkeys(READ_ROLES, ALL_STATUSES),
    Action.EDIT: {Role.PROGRAMME_OFFICER: EDITABLE},
    Action.SUBMIT: {Role.PROGRAMME_OFFICER: EDITABLE},
    Action.ATTACH: {Role.PROGRAMME_OFFICER: EDITABLE | {Status.SUBMITTED}},
    Action.APPROVE: {Role.REVIEWER: frozenset({Status.SUBMITTED})},
    Action.RETURN: {Role.REVIEWER: frozenset({Status.SUBMITTED})},
    Action.REOPEN: {Role.REVIEWER: frozenset({Status.APPROVED})},
    Action.COMMENT: {Role.PROGRAMME_OFFICER: ALL_STATUSES, Role.REVIEWER: ALL_STATUSES},
    Action.HISTORY: {
        Role.REVIEWER: ALL_STATUSES,
        Role.AUDITOR: ALL_STATUSES,
        Role.ADMINISTRATOR: ALL_STATUSES,
    },
}

# Actions that write a value's content or state; a closed period refuses them (a reviewer
# may still reopen nothing there either: closing a period freezes it).
WRITE_ACTIONS = frozenset(
    {Action.EDIT, Action.SUBMIT, Action.ATTACH, Action.APPROVE, Action.RETURN, Action.REOPEN}
)
# Actions a reviewer may not take on their own entry.
SEPARATION_OF_DUTIES = frozenset({Action.APPROVE, Action.RETURN})

# The entity dashboard (reporting status of every indicator in a period).
DASHBOARD_ROLES = frozenset({Role.REVIEWER, Role.AUDITOR})

# Maintaining the framework (indicators, baselines, targets, periods).
MAINTAIN_ROLES = frozenset({Role.REVIEWER})


def _roles_for(user, entity_id, org_unit_id=None):
    """Roles the user holds for an indicator of `entity_id` (owned by `org_unit_id`). A
    membership narrowed to an org unit counts only for that unit's indicators."""
    if not user or not user.is_authenticated:
        return set()
    return {
        m.role
        for m in memberships(user)
        if m.entity_id in (None, entity_id)
        and (m.org_unit_id is None or org_unit_id is None or m.org_unit_id == org_unit_id)
    }


def _indicator_scope(indicator):
    return indicator.plan.entity_id, indicator.org_unit_id


def decide(user, action, *, indicator, status=Status.DRAFT, value=None, period=None):
    """(allowed, reason). `status` is the value's status (draft for a value not yet entered);
    `period` the reporting period. The reason says why not, in words for the user."""
    entity_id, org_unit_id = _indicator_scope(indicator)
    if action in (Action.VIEW, Action.HISTORY) and user.is_authenticated and user.is_superuser:
        return True, ""
    roles = _roles_for(user, entity_id, org_unit_id)
    allowed_in = MATRIX[action]
    permitted_roles = {role for role in roles if status in allowed_in.get(role, ())}
    if not permitted_roles:
        if not roles:
            return False, _("You have no role in this entity.")
        if any(role in allowed_in for role in roles):
            return False, _("Not possible while the value is %(status)s.") % {
                "status": Status(status).label.lower()
            }
        return False, _("Your role does not allow this.")
    period = period or (value.period if value is not None else None)
    if action in WRITE_ACTIONS and period is not None and period.is_closed:
        return False, _("The reporting period is closed.")
    if action in SEPARATION_OF_DUTIES and value is not None:
        own = {value.entered_by_id, value.submitted_by_id}
        if user.pk in own:
            return False, _("You cannot review a value you entered or submitted yourself.")
    return True, ""


def can(user, action, value=None, *, indicator=None, period=None):
    """True if `user` may take `action` on `value` (or on the not-yet-entered value of
    `indicator` in `period`)."""
    if value is not None:
        return decide(user, action, indicator=value.indicator, status=value.status, value=value)[0]
    return decide(user, action, indicator=indicator, period=period)[0]


def actions_for(user, value):
    """What the user may do next with `value`, and why not: {action: (allowed, reason)}."""
    return {
        action: decide(user, action, indicator=value.indicator, status=value.status, value=value)
        for action in (Action.EDIT, Action.SUBMIT, Action.APPROVE, Action.RETURN, Action.REOPEN)
    }


def can_view_plan(user, plan):
    return bool(_roles_for(user, plan.entity_id) & READ_ROLES) or bool(
        user.is_authenticated and user.is_superuser
    )


def can_view_entity_dashboard(user, entity):
    """An entity's reviewers and auditors (and superusers) see its reporting status; what
    they see in it goes through Indicator/Value.visible_to."""
    if user.is_authenticated and user.is_superuser:
        return True
    return bool(_roles_for(user, entity.pk) & DASHBOARD_ROLES)


def can_maintain(user, plan):
    """Reviewers keep an entity's indicators, baselines, targets and periods."""
    return bool(_roles_for(user, plan.entity_id) & MAINTAIN_ROLES)


def can_enter_for(user, plan):
    """Programme officers of the plan's entity enter values (and upload workbooks)."""
    return Role.PROGRAMME_OFFICER in _roles_for(user, plan.entity_id)


# Starting a progress computation (all entities at once: it replaces the snapshot everyone
# reads): reviewers, who approve the values it folds in, and administrators.
PROGRESS_RUN_ROLES = frozenset({Role.REVIEWER, Role.ADMINISTRATOR})


def can_start_progress(user):
    """Reviewers (of any entity) and administrators start a progress computation."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or bool(all_roles(user) & PROGRESS_RUN_ROLES)


def can_view_evidence(user, value):
    return can(user, Action.VIEW, value)


def can_enter_anywhere(user):
    """Navigation: programme officers see "Data entry"."""
    return Role.PROGRAMME_OFFICER in all_roles(user)


def can_review_anywhere(user):
    """Navigation: reviewers see "Review"."""
    return Role.REVIEWER in all_roles(user)


def can_view_frameworks(user):
    """Navigation: anyone who may see at least one framework (one query, kept on the user for
    the request)."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_rf_sees_plans", None)
    if cached is None:
        from .models import Plan

        cached = Plan.objects.visible_to(user).exists()
        user._rf_sees_plans = cached
    return cached
