"""Reads that shape data for pages, the API and exports."""

from django.utils.translation import gettext as _

from audit.choices import action_label
from audit.models import Event
from entities.choices import Role

from .choices import Status
from .formatting import display, snapshot


def value_history(value):
    """Every change of a value — who, when, old, new, reason, status — oldest first: the audit
    events its services wrote, and the values its imports wrote (an import records one
    ``import.committed`` event, not one per value: its changes are read from the value's row
    history, which names the acting user and the import, see _imported)."""
    events = list(
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
                "status_label": _status_label(p.get("status")),
                "old": display(indicator, p.get("old")) if p.get("old") else "",
                "new": display(indicator, p.get("new")) if p.get("new") else "",
                "old_data": p.get("old"),
                "new_data": p.get("new"),
                "reason": e.reason,
                "comment": p.get("comment", ""),
                "file": p.get("file", ""),
                "import_id": None,
            }
        )
    rows += _imported(value, events)
    # An import's entry is timed by its event (after the merge), so it sorts after the value's
    # earlier events and before later ones.
    rows.sort(key=lambda r: (r["time"], r["id"] or 0))
    return rows


def _status_label(status):
    return Status(status).label if status in Status.values else ""


def _imported(value, events):
    """The history entries of the imports that wrote `value`: one per history row written under
    an import's context (core.bulk.history_context: user, service "import", import id), old and
    new from that row and the one before it, parts from the parts' history rows of the same
    context, and the file and time from the import's one ``import.committed`` event. Three
    queries, four when the value was imported."""
    from django.contrib.auth import get_user_model

    from .models import ImportJob, Part

    history = list(
        value.pgh_event_model.objects.filter(pgh_obj_id=value.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    imported = []  # (row, the row before it or None, import id, user id)
    for before, row in zip([None, *history], history, strict=False):
        metadata = row.pgh_context.metadata if row.pgh_context else None
        if (
            isinstance(metadata, dict)
            and metadata.get("service") == "import"
            and row.pgh_label in ("insert", "update")
        ):
            imported.append((row, before, metadata.get("import"), metadata.get("user")))
    if not imported:
        return []
    contexts = {row.pgh_context_id for row, *_rest in imported}
    parts = {}  # (context id, label) -> {code: number}
    for context, label, code, number in (
        Part.pgh_event_model.objects.filter(value_id=value.pk, pgh_context_id__in=contexts)
        .order_by("order", "code")
        .values_list("pgh_context_id", "pgh_label", "code", "numeric_value")
    ):
        parts.setdefault((context, label), {})[code] = number
    committed = {
        e.target_id: e
        for e in Event.objects.filter(
            action="import.committed",
            target_type=ImportJob._meta.label_lower,
            target_id__in=[str(i) for _r, _b, i, _u in imported if i is not None],
        ).select_related("actor")
    }
    users = get_user_model().objects.in_bulk([u for *_rest, u in imported if u is not None])
    indicator = value.indicator
    entries = []
    for row, before, import_id, user_id in imported:
        event = committed.get(str(import_id))
        new = snapshot(row, parts.get((row.pgh_context_id, "insert"), {}))
        shown = display(indicator, new)
        if event and _recorded_per_value(events, row, event, shown, indicator):
            continue
        user = users.get(user_id) or (event.actor if event else None)
        file = (event.payload or {}).get("file", "") if event else ""
        old = None
        if before is not None and row.pgh_label != "insert":
            old = snapshot(before, parts.get((row.pgh_context_id, "delete"), {}))
        entries.append(
            {
                "id": event.pk if event else None,
                "time": event.created_at if event else row.pgh_created_at,
                "actor": user.get_username() if user else "",
                "action": "imported",
                "action_label": _("Imported from %(file)s") % {"file": file}
                if file
                else _("Imported from a workbook"),
                "status": row.status,
                "status_label": _status_label(row.status),
                "old": display(indicator, old) if old else "",
                "new": shown,
                "old_data": old,
                "new_data": new,
                "reason": "",
                "comment": "",
                "file": file,
                "import_id": import_id,
            }
        )
    return entries


def _recorded_per_value(events, row, committed, shown, indicator):
    """Whether the import's change of the value already has its own ``value.saved`` event (an
    import committed before imports stopped writing one per value): one by the same user,
    written in the import's transaction (between its start and its ``import.committed``
    event) and showing the same new value."""
    return any(
        e.action == "value.saved"
        and e.actor_id == committed.actor_id
        and row.pgh_created_at <= e.created_at <= committed.created_at
        and display(indicator, (e.payload or {}).get("new")) == shown
        for e in events
    )


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
