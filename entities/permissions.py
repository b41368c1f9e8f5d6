"""Who may do what with entities and memberships — the one place that decides.

A user's memberships are read once per request and kept on the user object, so permission checks
in a loop never add queries (the signed-in user arrives with them from the cache:
entities.backends).
"""

from .choices import Role

MEMBERSHIPS_ATTR = "_rf_memberships"
_CACHE_ATTR = MEMBERSHIPS_ATTR

# Roles that may read every entity's results data, when held without an entity.
READ_ACROSS_ROLES = {Role.AUDITOR, Role.READER, Role.ADMINISTRATOR, Role.BOARD_SECRETARIAT}


def memberships(user):
    """The user's memberships as a list, cached on the user object for this request."""
    if not user or not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from .models import Membership

        cached = list(Membership.objects.for_user(user))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user):
    """Drop the cached memberships (after a membership of this user changed)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_global_role(user, roles=None):
    """True if the user holds one of `roles` (any role if None) in every entity."""
    return any(
        m.entity_id is None and (roles is None or m.role in roles) for m in memberships(user)
    )


def member_entity_ids(user):
    return {m.entity_id for m in memberships(user) if m.entity_id is not None}


def entity_ids_with_role(user, roles):
    """Ids of entities where the user holds one of `roles`; None means every entity."""
    if user.is_superuser or has_global_role(user, roles):
        return None
    return {m.entity_id for m in memberships(user) if m.entity_id and m.role in roles}


def whole_entity_ids(user, roles=None, *, units_narrow=True):
    """Ids of the entities whose every row the user reads through a membership holding one
    of `roles` (any role if None); None means every entity, an empty set none. With
    `units_narrow` (indicators: a role held for one org unit reaches that unit's rows only)
    such a membership does not count for its whole entity; without it (oversight, reports:
    read per entity) it does. Export jobs use it to say who else may open a finished export
    (core.exports.ExportKind.whole_entities)."""
    if not user or not user.is_authenticated:
        return set()
    if user.is_superuser or has_global_role(user, roles):
        return None
    return {
        m.entity_id
        for m in memberships(user)
        if m.entity_id
        and (roles is None or m.role in roles)
        and not (units_narrow and m.org_unit_id)
    }


def roles_in(user, entity):
    """The set of roles the user holds in `entity` (all-entity roles included)."""
    entity_id = getattr(entity, "pk", entity)
    return {m.role for m in memberships(user) if m.entity_id in (None, entity_id)}


def all_roles(user):
    """Every role the user holds anywhere; a superuser counts as administrator."""
    roles = {m.role for m in memberships(user)}
    if user.is_authenticated and user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    return roles


def has_role(user, entity, *roles):
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(roles_in(user, entity) & set(roles))


def can_view_entity(user, entity):
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser or has_global_role(user):
        return True
    return entity.pk in member_entity_ids(user)


def can_change_entity(user, entity):
    """Only an entity's administrators (or a superuser) change its reference data."""
    return has_role(user, entity, Role.ADMINISTRATOR)


# System-wide reference data (governing bodies, oversight bodies, entities themselves) is kept
# by administrators of every entity: no single entity's staff may change what all share.
SYSTEM_ADMIN_ROLES = {Role.ADMINISTRATOR}


def is_system_admin(user):
    """A superuser, or an administrator of every entity."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or has_global_role(user, SYSTEM_ADMIN_ROLES)


def can_maintain_reference_data(user):
    """Governing bodies, their sessions, entities and their org units: system administrators."""
    return is_system_admin(user)


def can_manage_memberships(user, entity):
    return has_role(user, entity, Role.ADMINISTRATOR)


def can_view_governing_bodies(user):
    roles = all_roles(user)
    return bool(roles & {Role.BOARD_SECRETARIAT, Role.ADMINISTRATOR})


def can_view_team(user):
    roles = all_roles(user)
    return bool(roles & {Role.REVIEWER, Role.ADMINISTRATOR})


def can_use_admin_site(user):
    return user.is_authenticated and user.is_staff


def can_manage_all_tokens(user):
    """Who may list and revoke every user's API tokens: superusers, and staff granted the
    "delete API token" permission (the same people who may do it in the admin site)."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("entities.delete_apitoken")
    )
