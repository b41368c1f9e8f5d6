"""Every write to entities, boards and memberships: keyword-only, atomic, validated, audited."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import event_record
from core.rows import set_changed

from . import permissions
from .models import (
    ApiToken,
    BoardSession,
    Entity,
    GoverningBody,
    Membership,
    OrgUnit,
    Profile,
)

ENTITY_EDITABLE_FIELDS = ("name_en", "name_zh", "short_name_zh", "entity_type", "is_active")


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _require_reference_admin(actor):
    """Loaders pass actor=None; a person must be a system administrator (reference data is
    shared by every entity)."""
    if actor is not None and not permissions.can_maintain_reference_data(actor):
        raise PermissionDenied(_("Only an administrator may change reference data."))


@transaction.atomic
def governing_body_upsert(*, code, actor, **fields):
    """Create or update a governing body by code (idempotent, for loaders)."""
    _require_reference_admin(actor)
    body, created = GoverningBody.objects.get_or_create(code=code, defaults=fields)
    if not created:
        changed = set_changed(body, fields)
        if not changed:
            return body
    _save(body)
    event_record(actor=actor, action="governing_body.saved", target=body, payload=fields)
    return body


@transaction.atomic
def board_session_upsert(*, body, kind, year, actor, **fields):
    _require_reference_admin(actor)
    session, created = BoardSession.objects.get_or_create(
        body=body, kind=kind, year=year, defaults=fields
    )
    if not created:
        changed = set_changed(session, fields)
        if not changed:
            return session
    _save(session)
    event_record(actor=actor, action="board_session.saved", target=session)
    return session


@transaction.atomic
def entity_upsert(*, code, actor, **fields):
    """Create or update an entity by code; unchanged rows are not written again."""
    _require_reference_admin(actor)
    entity = Entity.objects.filter(code=code).first()
    if entity is None:
        entity = _save(Entity(code=code, **fields))
        event_record(actor=actor, action="entity.created", target=entity, entity=entity)
        return entity
    changed = set_changed(entity, fields)
    if changed:
        _save(entity)
        event_record(
            actor=actor,
            action="entity.updated",
            target=entity,
            entity=entity,
            payload={k: str(v) for k, v in changed.items()},
        )
    return entity


@transaction.atomic
def entity_update(*, entity, actor, data):
    """Change an entity's reference data. Only its administrators may; the fields are checked
    by the model, and nothing is written if any is invalid."""
    if not permissions.can_change_entity(actor, entity):
        raise PermissionDenied(_("You may not change this entity."))
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    unknown = set(data) - set(ENTITY_EDITABLE_FIELDS)
    if unknown:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {field: _("This field cannot be changed.") for field in sorted(unknown)}
        )
    before = {k: getattr(entity, k) for k in data}
    for k, v in data.items():
        setattr(entity, k, v)
    _save(entity)
    event_record(
        actor=actor,
        action="entity.updated",
        target=entity,
        entity=entity,
        payload={"before": {k: str(v) for k, v in before.items()}, "after": data},
    )
    return entity


@transaction.atomic
def org_unit_upsert(*, entity, code, actor, **fields):
    """Create or update an org unit by (entity, code); unchanged rows are not written again."""
    _require_reference_admin(actor)
    unit = OrgUnit.objects.filter(entity=entity, code=code).first()
    if unit is None:
        unit = _save(OrgUnit(entity=entity, code=code, **fields))
        event_record(actor=actor, action="org_unit.created", target=unit, entity=entity)
        return unit
    changed = set_changed(unit, fields)
    if changed:
        _save(unit)
        event_record(
            actor=actor,
            action="org_unit.updated",
            target=unit,
            entity=entity,
            payload={"after": {k: str(v) for k, v in changed.items()}},
        )
    return unit


@transaction.atomic
def membership_grant(*, user, entity, role, actor, org_unit=None):
    """Give `user` the `role` in `entity` (None: every entity). Granting twice changes nothing."""
    if actor is not None and not (
        getattr(actor, "is_superuser", False)
        or (entity is not None and permissions.can_manage_memberships(actor, entity))
    ):
        raise PermissionDenied(_("You may not manage memberships of this entity."))
    existing = Membership.objects.filter(user=user, entity=entity, role=role).first()
    if existing:
        return existing
    membership = _save(Membership(user=user, entity=entity, role=role, org_unit=org_unit))
    permissions.forget_memberships(user)
    event_record(
        actor=actor,
        action="membership.granted",
        target=membership,
        entity=entity,
        payload={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def membership_revoke(*, membership, actor, reason=""):
    if not (
        getattr(actor, "is_superuser", False)
        or (
            membership.entity is not None
            and permissions.can_manage_memberships(actor, membership.entity)
        )
    ):
        raise PermissionDenied(_("You may not manage memberships of this entity."))
    event_record(
        actor=actor,
        action="membership.revoked",
        target=membership,
        entity=membership.entity,
        reason=reason,
        payload={"user": membership.user.username, "role": membership.role},
    )
    permissions.forget_memberships(membership.user)
    membership.delete()


@transaction.atomic
def api_token_create(*, user, actor):
    """A new API token for `user`, valid for API_TOKEN_LIFETIME_DAYS. Returns the token row and
    the token itself, which is shown once: only its hash is stored."""
    if actor is not None and actor != user and not permissions.can_manage_all_tokens(actor):
        raise PermissionDenied(_("You may not create API tokens for another user."))
    if not user.is_active:
        raise PermissionDenied(_("An inactive user cannot have API tokens."))
    row, key = ApiToken.objects.create(
        user=user, expiry=timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    )
    # The event's target is the owner: a token's primary key is its hash, kept out of the trail.
    event_record(
        actor=actor,
        action="api_token.created",
        target=user,
        payload={"token_key": row.token_key, "expiry": row.expiry.isoformat()},
    )
    return row, key


@transaction.atomic
def api_token_revoke(*, token, actor, reason=""):
    """Revoke one API token: its owner or someone who may manage every token."""
    if actor is not None and actor != token.user and not permissions.can_manage_all_tokens(actor):
        raise PermissionDenied(_("You may not revoke another user's API token."))
    event_record(
        actor=actor,
        action="api_token.revoked",
        target=token.user,
        reason=reason,
        payload={"token_key": token.token_key},
    )
    token.delete()


@transaction.atomic
def api_tokens_revoke_for_user(*, user, actor, reason):
    """Revoke every API token of `user` (password changed, account deactivated). Returns how
    many there were."""
    count, _deleted = ApiToken.objects.filter(user=user).delete()
    if count:
        event_record(
            actor=actor,
            action="api_token.revoked_all",
            target=user,
            reason=reason,
            payload={"count": count},
        )
    return count


@transaction.atomic
def profile_language_set(*, user, language, actor):
    """Remember the language `user` reads the site and their e-mail in (one of LANGUAGES).
    Only the user themself (or a superuser); nothing is written when it is already so."""
    from django.core.exceptions import ValidationError

    if not actor or not actor.is_authenticated or (actor.pk != user.pk and not actor.is_superuser):
        raise PermissionDenied(_("You may change only your own language."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose English or Simplified Chinese.")})
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    if profile.language == language:
        return profile
    before = profile.language
    profile.language = language
    _save(profile)
    event_record(
        actor=actor,
        action="profile.language_set",
        target=user,
        payload={"before": before, "after": language},
    )
    return profile
