"""Small helpers of the services that write one row."""


def set_changed(obj, fields):
    """Set on `obj` those of `fields` ({name: value}) that differ from what it holds, and
    return them: {} when nothing changed, so that an upsert writes (and audits) nothing."""
    changed = {k: v for k, v in fields.items() if getattr(obj, k) != v}
    for k, v in changed.items():
        setattr(obj, k, v)
    return changed
