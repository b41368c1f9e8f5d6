"""Who may read the audit trail — the one place that decides."""

from entities.choices import Role
from entities.permissions import all_roles


def can_view_events(user):
    """Auditors and administrators read the trail (of the entities they may see)."""
    if not user.is_authenticated:
        return False
    return bool(all_roles(user) & {Role.AUDITOR, Role.ADMINISTRATOR})
