"""Writing domain events. Every service that changes something that matters calls event_record."""

from .models import Event


def event_record(*, actor, action, target, entity=None, reason="", payload=None):
    """Record that `actor` did `action` to `target` (a model instance), inside the caller's
    transaction, so the event exists exactly when the change does."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return Event.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        entity=entity,
        reason=reason,
        payload=payload or {},
    )
