"""Writing domain events: the one door. Every service that changes something that matters calls
event_record (one event) or events_record_many (many, in bulk); no other code creates Event
rows. Actions are the declared EventAction values; an undeclared one is refused.

Every write recorded here can change what a page shows, so each also moves the generation of
the shared cache's scope of its target (core.cache: now and again on commit) — the one point
where services, bulk imports and jobs alike invalidate cached lists and pages."""

from django.conf import settings
from django.utils import translation

from core.cache import bump_for_write, scope_of

from .choices import EventAction
from .models import Event


class UndeclaredAction(ValueError):
    """An event action that audit/choices.py does not declare (a programming error)."""


def _check(action):
    if action not in EventAction.values:
        raise UndeclaredAction(
            f"Undeclared audit action {action!r}: add it to audit.choices.EventAction."
        )
    return str(action)


def _actor(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _target_repr(target):
    """The target's name as a fallback, the same whoever writes: in the site's default language,
    never the writer's. Pages name targets at display time (audit.display.describe)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(target)


def _target_data(target):
    """Codes and ids from which the target's model names it later in any language (a model
    that defines audit_target_data()); None for models that need no such record."""
    data = getattr(target, "audit_target_data", None)
    return data() if callable(data) else None


def _event(*, actor, action, target, entity=None, entity_id=None, reason="", payload=None,
           target_repr=None):  # fmt: skip
    return Event(
        actor=_actor(actor),
        action=_check(action),
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=(target_repr if target_repr is not None else _target_repr(target))[:300],
        target_data=_target_data(target),
        entity=entity,
        **({"entity_id": entity_id} if entity is None and entity_id is not None else {}),
        reason=reason,
        payload=payload or {},
    )


def event_record(*, actor, action, target, entity=None, reason="", payload=None):
    """Record that `actor` did `action` to `target` (a model instance), inside the caller's
    transaction, so the event exists exactly when the change does."""
    event = _event(
        actor=actor, action=action, target=target, entity=entity, reason=reason, payload=payload
    )
    event.save()
    bump_for_write(*scope_of(event.target_type))
    return event


def events_record_many(*, actor, events, batch_size=2000):
    """Record many events by one actor in bulk (a workbook of values): `events` is an iterable
    of dicts with the keyword arguments of event_record (action, target, entity or entity_id,
    reason, payload, and optionally target_repr). Every action is checked before anything is
    written. Returns the number of events written."""
    rows = [_event(actor=actor, **event) for event in events]
    Event.objects.bulk_create(rows, batch_size=batch_size)
    scopes = {scope for row in rows for scope in scope_of(row.target_type)}
    if scopes:
        bump_for_write(*sorted(scopes))
    return len(rows)
