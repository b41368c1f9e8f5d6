"""Events in words, in the reader's language: the action's label, and each changed field by
its verbose name with choice labels ("Review state: Open → Closure proposed"). Typed values
(a number with its unit, a currency amount, yes/no, parts) are put in words by the app that
owns them, which registers a formatter for its target types (indicators/apps.py), so that
audit imports no app above it."""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .choices import action_label, reason_label

# target_type ("app.model") -> resolve(target_ids) -> {target_id: format(snapshot) -> str}
_TYPED = {}

# Payload keys that say nothing to a reader.
_SKIP = {"version", "status_from", "old", "new", "before", "after"}


def register_typed_values(target_type, resolve):
    """`resolve(target_ids)` returns, for the events' targets, a function putting one typed
    snapshot (indicators.formatting.snapshot) in words; it is called once per page of events."""
    _TYPED[target_type] = resolve


def _model(target_type):
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


# What services record in a payload beyond the target's own fields, in words.
PAYLOAD_LABELS = {
    "as_of": _("As of"),
    "body": _("Oversight body"),
    "checked_again": _("File checked again at commit"),
    "comment": _("Comment"),
    "count": _("Count"),
    "digest": _("Content digest"),
    "expiry": _("Expires"),
    "file": _("File"),
    "filters": _("Filters"),
    "formats": _("Formats"),
    "implementation_date": _("Implementation date"),
    "language": _("Language"),
    "list": _("List"),
    "note": _("Note"),
    "open_values": _("Values not yet approved"),
    "period": _("Period"),
    "preferences": _("Preferences"),
    "public": _("Public"),
    "role": _("Role"),
    "rows": _("Rows"),
    "section": _("Section"),
    "size": _("Size (bytes)"),
    "status": _("Status"),
    "target_kind": _("Kind of target"),
    "token_key": _("Token"),
    "total": _("Total"),
    "unchanged": _("Unchanged"),
    "user": _("User"),
    "values_changed": _("Values changed"),
    "year": _("Year"),
}


def field_label(model, name):
    """A field's verbose name (capitalised), else the payload key's declared label, else the
    name made readable."""
    field = _field(model, name)
    label = getattr(field, "verbose_name", None) or PAYLOAD_LABELS.get(name)
    return capfirst(str(label or name.replace("_", " ")))


def value_label(model, name, value):
    """A stored value as a reader sees it: a choice's label, yes/no, or the value itself."""
    if value in (None, "", "None"):
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(value_label(model, name, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_label(None, '', v)}" for k, v in value.items())
    field = _field(model, name)
    choices = dict(getattr(field, "flatchoices", None) or ())
    if value in choices:
        return str(choices[value])
    return str(value)


def _is_typed(data):
    return isinstance(data, dict) and "kind" in data


def changes(event, fmt=None):
    """[(label, old, new)] for one event; `old` is None where there was nothing before."""
    model = _model(event.target_type)
    p = event.payload or {}
    out = []
    if isinstance(p.get("before"), dict) or isinstance(p.get("after"), dict):
        before, after = p.get("before") or {}, p.get("after") or {}
        for name in list(after) or list(before):
            out.append(
                (
                    field_label(model, name),
                    value_label(model, name, before.get(name)),
                    value_label(model, name, after.get(name)),
                )
            )
    if _is_typed(p.get("old")) or _is_typed(p.get("new")):
        show = fmt or (lambda data: value_label(None, "", data))
        out.append(
            (
                str(_("Value")),
                show(p["old"]) if p.get("old") else None,
                show(p["new"]) if p.get("new") else "—",
            )
        )
    if "status_from" in p:
        out.append(
            (
                field_label(model, "status"),
                value_label(model, "status", p["status_from"]),
                value_label(model, "status", p.get("status")),
            )
        )
    for name, value in p.items():
        if name in _SKIP or (name == "status" and "status_from" in p):
            continue
        out.append((field_label(model, name), None, value_label(model, name, value)))
    return out


def _live_targets(model, target_ids):
    """{target_id: object} for the targets that still exist, in one query (with their
    non-null relations, which names often read)."""
    pks = {}
    for target_id in target_ids:
        try:
            pks[model._meta.pk.to_python(target_id)] = target_id
        except (ValidationError, TypeError, ValueError):
            continue
    objects = model._default_manager.select_related().filter(pk__in=list(pks))
    return {pks[obj.pk]: obj for obj in objects if obj.pk in pks}


def name_targets(events):
    """Set `target_kind` and `target_name` on each event, in the active language: the model's
    verbose name, and the target named by its model now: from the codes and ids stored with
    the event (a model with audit_target_label), else from the row as it is, else (a row
    since deleted) by the name stored when the event happened. One query per target type."""
    wanted = {}
    for e in events:
        wanted.setdefault(e.target_type, set()).add(e.target_id)
    models = {target_type: _model(target_type) for target_type in wanted}
    live = {
        target_type: _live_targets(model, wanted[target_type]) if model is not None else {}
        for target_type, model in models.items()
    }
    for e in events:
        model = models[e.target_type]
        label = getattr(model, "audit_target_label", None)
        obj = live[e.target_type].get(e.target_id)
        e.target_kind = capfirst(str(model._meta.verbose_name)) if model else e.target_type
        if label is not None and e.target_data:
            e.target_name = label(e.target_data)
        elif obj is not None:
            e.target_name = str(obj)
        else:
            e.target_name = e.target_repr
    return events


def describe(events):
    """The events (a list) with `action_label`, `target_kind`, `target_name`, `reason_label`
    and `changes` set on each, in the reader's language, for templates; typed values and
    targets are looked up once per target type."""
    events = list(events)
    formatters = {}
    for target_type, resolve in _TYPED.items():
        ids = {e.target_id for e in events if e.target_type == target_type}
        if ids:
            formatters[target_type] = resolve(ids)
    name_targets(events)
    for e in events:
        e.action_label = action_label(e.action)
        e.reason_label = reason_label(e.reason)
        e.changes = changes(e, formatters.get(e.target_type, {}).get(e.target_id))
    return events
