"""Who may do what with oversight recommendations — the one place that decides.

A user stands in one or more *relations* to a recommendation:

- ``body_auditor``: an auditor tied to the recommendation's oversight body (OversightBodyMember);
- ``focal_point``: a reviewer or programme officer of the recommendation's entity;
- ``viewer``: anyone who may see it (see Recommendation.objects.visible_to).

MATRIX names, for every action, the relations that allow it; STATE_RULES then narrow actions
to the review states in which they make sense. An auditor of OIOS is not an auditor of the
Board of Auditors: closing is tied to the body, not to the auditor role. Superusers see
everything but hold no relation by default: the workflow keeps its separation of duties.
"""

from django.utils.translation import gettext_lazy as _

from entities.choices import Role
from entities.permissions import all_roles, has_global_role, is_system_admin, memberships, roles_in

from .choices import ReviewState

_BODY_CACHE_ATTR = "_rf_oversight_bodies"

BODY_AUDITOR = "body_auditor"
FOCAL_POINT = "focal_point"
VIEWER = "viewer"

FOCAL_POINT_ROLES = {Role.REVIEWER, Role.PROGRAMME_OFFICER}

VIEW = "view"
COMMENT = "comment"
RECORD_PROGRESS = "record_progress"
UPLOAD_EVIDENCE = "upload_evidence"
PROPOSE_CLOSURE = "propose_closure"
ACCEPT_CLOSURE = "accept_closure"
RETURN_CLOSURE = "return_closure"
EDIT = "edit"

MATRIX = {
    VIEW: {VIEWER, FOCAL_POINT, BODY_AUDITOR},
    COMMENT: {FOCAL_POINT, BODY_AUDITOR},
    RECORD_PROGRESS: {FOCAL_POINT},
    UPLOAD_EVIDENCE: {FOCAL_POINT},
    PROPOSE_CLOSURE: {FOCAL_POINT},
    ACCEPT_CLOSURE: {BODY_AUDITOR},
    RETURN_CLOSURE: {BODY_AUDITOR},
    EDIT: {BODY_AUDITOR},
}

# Review states in which each action is possible (None: any state).
STATE_RULES = {
    VIEW: None,
    COMMENT: None,
    RECORD_PROGRESS: {ReviewState.OPEN},
    UPLOAD_EVIDENCE: {ReviewState.OPEN},
    PROPOSE_CLOSURE: {ReviewState.OPEN},
    ACCEPT_CLOSURE: {ReviewState.CLOSURE_PROPOSED},
    RETURN_CLOSURE: {ReviewState.CLOSURE_PROPOSED},
    EDIT: None,
}

WHY_NOT = {
    VIEW: _("You may not see this recommendation."),
    COMMENT: _("Only the entity's focal points and the body's auditors may comment."),
    RECORD_PROGRESS: _("Only a focal point of the recommendation's entity may record progress."),
    UPLOAD_EVIDENCE: _("Only a focal point of the recommendation's entity may add evidence."),
    PROPOSE_CLOSURE: _("Only a focal point of the recommendation's entity may propose closure."),
    ACCEPT_CLOSURE: _("Only an auditor of the recommendation's oversight body may accept closure."),
    RETURN_CLOSURE: _("Only an auditor of the recommendation's oversight body may send it back."),
    EDIT: _("Only an auditor of the recommendation's oversight body may change it."),
}

WRONG_STATE = {
    RECORD_PROGRESS: _("Progress can be recorded only while the recommendation is open."),
    UPLOAD_EVIDENCE: _("Evidence can be added only while the recommendation is open."),
    PROPOSE_CLOSURE: _("Closure can be proposed only while the recommendation is open."),
    ACCEPT_CLOSURE: _("No closure has been proposed for this recommendation."),
    RETURN_CLOSURE: _("No closure has been proposed for this recommendation."),
}


def auditor_body_ids(user):
    """Ids of the oversight bodies the user audits: from the shared cache (the user's own
    scope, bumped when one of their body memberships changes: oversight.apps), then kept on
    the user for this request."""
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, _BODY_CACHE_ATTR, None)
    if cached is None:
        from core.cache import cached as shared
        from core.cache import user_scope

        from .models import OversightBodyMember

        cached = shared(
            "auditor-bodies",
            lambda: set(
                OversightBodyMember.objects.filter(user=user).values_list("body_id", flat=True)
            ),
            scopes=(user_scope(user.pk), "oversight"),
            params=(user.pk,),
            language=False,
        )
        setattr(user, _BODY_CACHE_ATTR, cached)
    return cached


def forget_bodies(user):
    if hasattr(user, _BODY_CACHE_ATTR):
        delattr(user, _BODY_CACHE_ATTR)


def is_body_auditor(user, body):
    return getattr(body, "pk", body) in auditor_body_ids(user)


def is_focal_point(user, entity):
    if not user or not user.is_authenticated:
        return False
    return bool(roles_in(user, entity) & FOCAL_POINT_ROLES)


def _can_view(user, rec):
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser or has_global_role(user):
        return True
    entity_ids = {m.entity_id for m in memberships(user)}
    return rec.entity_id in entity_ids or rec.body_id in auditor_body_ids(user)


def relations(user, rec):
    """The relations `user` stands in to recommendation `rec`."""
    result = set()
    if _can_view(user, rec):
        result.add(VIEWER)
    if is_body_auditor(user, rec.body_id):
        result.add(BODY_AUDITOR)
    if is_focal_point(user, rec.entity_id):
        result.add(FOCAL_POINT)
    return result


def allowed_by_role(user, rec, action):
    return bool(relations(user, rec) & MATRIX[action])


def why_not(user, rec, action):
    """None if `user` may do `action` on `rec` now; otherwise the reason, for the page and API."""
    if not allowed_by_role(user, rec, action):
        return WHY_NOT[action]
    states = STATE_RULES[action]
    if states is not None and rec.review_state not in states:
        return WRONG_STATE[action]
    return None


def can(user, rec, action):
    return why_not(user, rec, action) is None


def available_actions(user, rec):
    """Every action with whether it is allowed now and, if not, why — shown on the page."""
    return {action: why_not(user, rec, action) for action in MATRIX}


def can_create_in_body(user, body):
    """New recommendations (form, import, API) come from the body's own auditors."""
    return is_body_auditor(user, body)


def can_view_oversight(user):
    """The oversight pages: anyone with a role (the lists are scoped by visible_to)."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or bool(all_roles(user)) or bool(auditor_body_ids(user))


def can_import(user):
    return bool(user and user.is_authenticated and auditor_body_ids(user))


def can_view_statistics(user):
    """Statistics are published figures: anyone who may see the oversight pages."""
    return can_view_oversight(user)


# Who keeps the records of governing-body mandates (Annex I resolutions, Annex II action
# plans): they are shared by every entity, so no entity's staff may change another body's.
MANDATE_ROLES = frozenset({Role.BOARD_SECRETARIAT, Role.ADMINISTRATOR})


def can_edit_system_mandates(user):
    """Records of the whole system — resolutions of a body no entity of the user answers to
    (the General Assembly, ECOSOC), the Secretariat's action plans — are kept by superusers
    and by the board secretariat or administrators of every entity."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or has_global_role(user, MANDATE_ROLES)


def can_edit_resolution(user, resolution=None, *, governing_body=None):
    """A tracked resolution is kept by those of can_edit_system_mandates, and by the board
    secretariat and administrators of an entity the resolution's governing body governs
    (UNOPS's secretariat keeps the decisions of the UNDP/UNFPA/UNOPS Executive Board, never
    a General Assembly resolution)."""
    if can_edit_system_mandates(user):
        return True
    body_id = getattr(governing_body, "pk", governing_body) or resolution.governing_body_id
    return any(
        m.entity_id
        and m.role in MANDATE_ROLES
        and m.entity.governing_body_id is not None
        and m.entity.governing_body_id == body_id
        for m in memberships(user)
    )


def can_edit_action_plans(user):
    """Action plans (Annex II) are the Secretariat's, shared by every entity."""
    return can_edit_system_mandates(user)


def can_maintain_bodies(user):
    """Oversight bodies, their auditors and statistics periods: system administrators."""
    return is_system_admin(user)


def can_view_mandates(user):
    return can_view_oversight(user)
