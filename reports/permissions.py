"""Who may do what with reports — the one place that decides.

- create a report, write the narrative, start a run, issue a run: board secretariat and
  administrator of the entity;
- delete a run that is neither issued (the archive keeps those) nor being worked on: board
  secretariat and administrator of the entity;
- see drafts (every run of the entity) and their files: also reviewers;
- see issued runs and their files: every role of the entity (readers and auditors included).
"""

from django.utils.translation import gettext_lazy as _

from entities.choices import Role
from entities.permissions import entity_ids_with_role, has_role

from .choices import RunStatus

MANAGE_ROLES = {Role.BOARD_SECRETARIAT, Role.ADMINISTRATOR}
DRAFT_ROLES = {Role.BOARD_SECRETARIAT, Role.REVIEWER, Role.ADMINISTRATOR}
ISSUED_ROLES = set(Role)  # every role reads what has been issued for its entities
# A run in these states is being worked on by a worker (rendered, or issued).
WORKING = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.ISSUING)


def managed_entity_ids(user):
    """Entities whose reports the user manages; None means all, empty if signed out."""
    if not user or not user.is_authenticated:
        return set()
    return entity_ids_with_role(user, MANAGE_ROLES)


def draft_entity_ids(user):
    if not user or not user.is_authenticated:
        return set()
    return entity_ids_with_role(user, DRAFT_ROLES)


def issued_entity_ids(user):
    if not user or not user.is_authenticated:
        return set()
    return entity_ids_with_role(user, ISSUED_ROLES)


def can_manage_reports(user, entity):
    return has_role(user, entity, *MANAGE_ROLES)


def can_manage_any(user):
    ids = managed_entity_ids(user)
    return ids is None or bool(ids)


def can_view_reports(user):
    """Whether the archive page has anything for the user (every signed-in role may look)."""
    return bool(user and user.is_authenticated)


def can_see_drafts(user, entity):
    return has_role(user, entity, *DRAFT_ROLES)


def can_view_run(user, run):
    if can_see_drafts(user, run.report.entity_id):
        return True
    return run.is_issued and has_role(user, run.report.entity_id, *ISSUED_ROLES)


def why_not_issue(user, run):
    """None if the user may issue the run, else the reason."""
    if not can_manage_reports(user, run.report.entity_id):
        return _("Only the board secretariat issues reports.")
    if run.is_issued:
        return _("This run has already been issued.")
    if run.status == RunStatus.ISSUING:
        return _("This run is being issued.")
    if run.status != RunStatus.SUCCEEDED:
        return _("Only a run that succeeded can be issued.")
    return None


def why_not_delete(user, run):
    """None if the user may delete the run, else the reason."""
    if not can_manage_reports(user, run.report.entity_id):
        return _("Only the board secretariat deletes report runs.")
    if run.is_issued:
        return _("An issued run is kept in the archive: it cannot be deleted.")
    if run.status in WORKING:
        return _("The run is still being rendered.")
    return None
