"""Reads that shape data for pages, the API and exports."""

from audit.choices import action_label
from audit.models import Event
from entities.choices import Role

from .choices import Status
from .formatting import display


def value_history(value):
    """Every change of a value — who, when, old, new, reason, status — oldest first, from the
    audit events its services wrote (row snapshots are also kept by pghistory)."""
    events = (
        Event.objects.for_target(value)
        .filter(action__startswith="value.")
        .select_related("actor")
        .order_by("created_at", "id")
    )
    indicator = value.indicator
    rows = []
    for e in events:
        p = e.payload or {}
        rows.append(
            {
                "id": e.pk,
                "time": e.created_at,
                "actor": e.actor.get_username() if e.actor else "",
                "action": e.action.removeprefix("value."),
                "action_label": action_label(e.action),
                "status": p.get("status", ""),
                "status_label": Status(p["status"]).label
                if p.get("status") in Status.values
                else "",
                "old": display(indicator, p.get("old")) if p.get("old") else "",
                "new": display(indicator, p.get("new")) if p.get("new") else "",
                "old_data": p.get("old"),
                "new_data": p.get("new"),
                "reason": e.reason,
                "comment": p.get("comment", ""),
                "file": p.get("file", ""),
            }
        )
    return rows


def object_history(obj):
    """Audit events about a framework object (indicator, baseline, target), newest first."""
    return Event.objects.for_target(obj).select_related("actor").order_by("-created_at", "-id")


def latest_approved(indicator):
    """The last approved value among those prefetched by IndicatorQuerySet.for_entry()."""
    values = getattr(indicator, "approved_values", None)
    return values[0] if values else None


def current_value(indicator):
    """This period's value among those prefetched by IndicatorQuerySet.for_entry()."""
    values = getattr(indicator, "current_values", None)
    return values[0] if values else None


def target_for_year(indicator, year):
    """The target of `year`, else the next one after it (prefetched targets)."""
    targets = sorted(indicator.targets.all(), key=lambda t: t.year)
    for target in targets:
        if target.year >= year:
            return target
    return None


# --- the review queue (the review page and its Excel export) --------------------------------

REVIEW_ROLES = frozenset({Role.REVIEWER})


def review_values(user):
    """The values of the review page: those of the indicators the user reviews (a reviewer of
    one org unit reviews that unit's), before the page's filters."""
    from .models import Value

    return Value.objects.for_entity_roles(user, REVIEW_ROLES)


def review_query(querydict):
    """The review page's filters from a request's query: submitted values unless a status is
    asked for (an empty status: every status)."""
    data = querydict.copy()
    data.setdefault("status", Status.SUBMITTED)
    return data
