"""Values and their workflow: entry (one or many), submit, approve, return, reopen,
comments."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import event_record, events_record_many
from core.bulk import history_context

from .. import permissions, signals
from ..choices import Action, Status, ValueKind
from ..formatting import snapshot
from ..models import (
    Comment,
    ReportingPeriod,
    Value,
)
from ..signals import send_values_changed_on_commit
from ._common import (
    FK_FIELDS,
    TYPED_FIELDS,
    StaleVersion,
    _apply_typed,
    _context,
    _refuse,
    _save,
    _write_parts,
    recompute_progress_after_commit,
    recompute_progress_after_commit_many,
)

# --- values -----------------------------------------------------------------------------------


def value_check(*, indicator, period, existing, data, actor, expected_version=None):
    """Build (without saving) the value `actor` would write: permission, version and every
    rule of its kind. Returns (value, parts); raises PermissionDenied, StaleVersion or
    ValidationError. The importer's preview and values_save share it."""
    if period.plan_id != indicator.plan_id:
        raise ValidationError({"period": _("The period belongs to another framework.")})
    if period.is_closed:
        raise ValidationError({"period": _("The reporting period is closed.")})
    if existing is not None and existing.status == Status.APPROVED:
        raise ValidationError(
            {
                "status": _(
                    "The value for this period is approved and locked; a reviewer must reopen it."
                )
            }
        )
    if existing is not None and existing.status == Status.SUBMITTED:
        raise ValidationError(
            {"status": _("The value is submitted and awaits review; it cannot be changed now.")}
        )
    if actor is not None:
        _refuse(
            permissions.decide(
                actor,
                Action.EDIT,
                indicator=indicator,
                status=existing.status if existing else Status.DRAFT,
                value=existing,
                period=period,
            )
        )
    if expected_version is not None:
        current = existing.version if existing else 0
        if int(expected_version) != current:
            if existing is None:
                raise ValidationError({"version": _("This value does not exist yet.")})
            raise StaleVersion(existing)
    value = existing or Value(indicator=indicator, period=period, status=Status.DRAFT)
    value.indicator, value.period = indicator, period
    parts = _apply_typed(value, indicator, data)
    value.full_clean(exclude=FK_FIELDS, validate_unique=False, validate_constraints=False)
    return value, parts


@transaction.atomic
def values_save(*, period, rows, actor, progress=None):
    """Enter or change the values of many indicators for one period, all or nothing.

    rows: [{"indicator": Indicator, "data": {typed fields, "parts": {...}},
            "expected_version": int or None}]. The data-entry form sends one row, the
    importer all the rows of a workbook; both arrive here. Writes in bulk (one statement per
    batch, history captured by the database triggers) and one audit event per value.
    """
    period = ReportingPeriod.objects.select_related("plan").get(pk=period.pk)
    indicator_ids = [row["indicator"].pk for row in rows]
    if len(set(indicator_ids)) != len(indicator_ids):
        raise ValidationError(_("An indicator appears twice."))
    existing = {
        v.indicator_id: v
        for v in Value.objects.select_for_update(of=("self",))
        .filter(period=period, indicator_id__in=indicator_ids)
        .select_related("period")
        .prefetch_related("parts")
    }
    now = timezone.now()
    creates, updates, parts_by_value, events = [], [], [], []
    for i, row in enumerate(rows):
        indicator = row["indicator"]
        old = existing.get(indicator.pk)
        before = snapshot(old) if old else None
        value, parts = value_check(
            indicator=indicator,
            period=period,
            existing=old,
            data=row["data"],
            actor=actor,
            expected_version=row.get("expected_version"),
        )
        value.entered_by = actor if getattr(actor, "is_authenticated", False) else None
        value.updated_at = now
        after = snapshot(value, parts)
        if old is not None and before == after:
            continue
        if old is None:
            value.version = 1
            value.created_at = now
            creates.append(value)
        else:
            value.version = old.version + 1
            updates.append(value)
        parts_by_value.append((value, parts))
        events.append((value, {"old": before, "new": after, "status": value.status}))
        if progress and i % 1000 == 0:
            progress(i)
    history_context(user=getattr(actor, "pk", None), service="values_save")
    try:
        with transaction.atomic():
            Value.objects.bulk_create(creates, batch_size=2000)
    except IntegrityError:
        # Someone created one of these values between our read and our insert: the same
        # situation as a stale version, so the caller sees the value that won.
        created = Value.objects.filter(
            period=period, indicator_id__in=[v.indicator_id for v in creates]
        ).first()
        if created is None:
            raise
        raise StaleVersion(created) from None
    Value.objects.bulk_update(
        updates,
        [*TYPED_FIELDS, "kind", "entered_by", "version", "updated_at"],
        batch_size=1000,
    )
    if indicator_kinds_have_parts(rows):
        _write_parts("value", parts_by_value)
    entity_id = period.plan.entity_id
    events_record_many(
        actor=actor,
        events=(
            {
                "action": "value.saved",
                "target": v,
                "entity_id": entity_id,
                "payload": p,
                "target_repr": f"{v.indicator.code} {period.label}",
            }
            for v, p in events
        ),
    )
    created = {v.indicator_id: v for v in creates}
    return [existing.get(r["indicator"].pk) or created.get(r["indicator"].pk) for r in rows]


def indicator_kinds_have_parts(rows):
    """Parts are only ever written for indicators of the parts kind (skip the delete query
    for workbooks without any)."""
    return any(row["indicator"].value_kind == ValueKind.PARTS for row in rows)


def value_save(*, indicator, period, data, actor, expected_version=None):
    """Enter or change one value (the data-entry page and the API)."""
    values_save(
        period=period,
        rows=[{"indicator": indicator, "data": data, "expected_version": expected_version}],
        actor=actor,
    )
    return Value.objects.with_related().get(indicator=indicator, period=period)


def _locked_value(value, expected_version):
    current = (
        Value.objects.select_for_update(of=("self",))
        .select_related("indicator__plan__entity", "period")
        .get(pk=value.pk)
    )
    if expected_version is not None and int(expected_version) != current.version:
        raise StaleVersion(current)
    return current


def _transition(
    value, actor, action, *, to_status, event, reason="", expected_version=None, **changes
):
    value = _locked_value(value, expected_version)
    _refuse(
        permissions.decide(
            actor, action, indicator=value.indicator, status=value.status, value=value
        )
    )
    from_status = value.status
    value.status = to_status
    for k, v in changes.items():
        setattr(value, k, v)
    value.version += 1
    with _context(actor):
        value.full_clean(exclude=FK_FIELDS, validate_unique=False, validate_constraints=False)
        value.save()
    event_record(
        actor=actor,
        action=event,
        target=value,
        entity=value.indicator.plan.entity,
        reason=reason,
        payload={
            "status_from": from_status,
            "status": to_status,
            "version": value.version,
            "new": snapshot(value),
            **({"rating": value.rating} if value.rating else {}),
        },
    )
    return value


@transaction.atomic
def value_submit(*, value, actor, expected_version=None):
    """Send a draft (or a returned value, corrected) to the reviewers."""
    return _transition(
        value,
        actor,
        Action.SUBMIT,
        to_status=Status.SUBMITTED,
        event="value.submitted",
        expected_version=expected_version,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )


@transaction.atomic
def value_approve(*, value, actor, rating="", expected_version=None):
    """Approve a submitted value; it is then locked. A qualitative value needs a rating."""
    if value.kind == ValueKind.TEXT and not value.is_missing and not rating:
        raise ValidationError({"rating": _("Rate the qualitative value before approving it.")})
    if rating and value.kind != ValueKind.TEXT:
        raise ValidationError({"rating": _("Only qualitative values carry a rating.")})
    recompute_progress_after_commit(value.indicator_id)
    send_values_changed_on_commit([value.indicator_id])
    return _transition(
        value,
        actor,
        Action.APPROVE,
        to_status=Status.APPROVED,
        event="value.approved",
        expected_version=expected_version,
        rating=rating,
        return_reason="",
        reviewed_by=actor,
        reviewed_at=timezone.now(),
    )


def _require_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    return reason


@transaction.atomic
def value_return(*, value, actor, reason, expected_version=None):
    """Send a submitted value back to its officer, saying why."""
    reason = _require_reason(reason)
    send_values_changed_on_commit([value.indicator_id])
    value = _transition(
        value,
        actor,
        Action.RETURN,
        to_status=Status.RETURNED,
        event="value.returned",
        reason=reason,
        expected_version=expected_version,
        return_reason=reason,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
    )
    signals.value_returned.send(sender=Value, value=value, actor=actor, reason=reason)
    return value


@transaction.atomic
def value_reopen(*, value, actor, reason, expected_version=None):
    """Unlock an approved value so it can be corrected: it goes back to its officer as
    returned, with the reviewer's reason."""
    reason = _require_reason(reason)
    recompute_progress_after_commit(value.indicator_id)
    send_values_changed_on_commit([value.indicator_id])
    value = _transition(
        value,
        actor,
        Action.REOPEN,
        to_status=Status.RETURNED,
        event="value.reopened",
        reason=reason,
        expected_version=expected_version,
        return_reason=reason,
        rating="",
        reviewed_by=actor,
        reviewed_at=timezone.now(),
    )
    signals.value_returned.send(sender=Value, value=value, actor=actor, reason=reason)
    return value


@transaction.atomic
def comment_add(*, value, actor, text):
    """Add a comment to a value (its officers and reviewers, in any status)."""
    _refuse(
        permissions.decide(
            actor, Action.COMMENT, indicator=value.indicator, status=value.status, value=value
        )
    )
    comment = Comment(value=value, author=actor, text=(text or "").strip())
    _save(comment, exclude=["value", "author"])
    event_record(
        actor=actor,
        action="value.commented",
        target=value,
        entity=value.indicator.plan.entity,
        payload={"comment": comment.text},
    )
    return comment


# Evidence: what we accept, recognised by extension and by the file's first bytes.


# --- many values at once ----------------------------------------------------------------------

# The workflow's steps after entry: the status each leads to -> its audit action and the
# permission checked.
_STEPS = {
    Status.SUBMITTED: ("value.submitted", Action.SUBMIT),
    Status.APPROVED: ("value.approved", Action.APPROVE),
    Status.RETURNED: ("value.returned", Action.RETURN),
}


@transaction.atomic
def values_enter_through_workflow(*, rows, officer, reviewer):
    """Enter many new values, in any periods, and bring each through the workflow to the
    status its row names, set-based: what value_save, value_submit and value_approve (or
    value_return) do one value at a time, with the same checks, the same audit events and the
    same row history (one statement per step: insert as draft, update to submitted, update to
    approved or returned), instead of some thirty queries per value.

    rows: [{"indicator", "period", "data", "status" (draft, submitted, approved or returned),
    "rating" (approved qualitative values), "reason" (returned)}]. Every value must be new:
    an existing one (indicator, period) is refused before anything is written, like a stale
    version. Returns the values, in the order of the rows."""
    if not rows:
        return []
    pairs = [(row["indicator"].pk, row["period"].pk) for row in rows]
    if len(set(pairs)) != len(pairs):
        raise ValidationError(_("An indicator appears twice."))
    indicator_ids = {i for i, _p in pairs}
    period_ids = {p for _i, p in pairs}
    existing = Value.objects.filter(indicator_id__in=indicator_ids, period_id__in=period_ids)
    for value in existing.select_related("period"):
        if (value.indicator_id, value.period_id) in set(pairs):
            raise StaleVersion(value)
    now = timezone.now()
    entered_by = officer if getattr(officer, "is_authenticated", False) else None
    values, parts_by_value = [], []
    for row in rows:
        value, parts = value_check(
            indicator=row["indicator"],
            period=row["period"],
            existing=None,
            data=row["data"],
            actor=officer,
        )
        value.entered_by, value.version = entered_by, 1
        value.created_at = value.updated_at = now
        value._prepared_parts = parts
        values.append(value)
        parts_by_value.append((value, parts))
    history_context(user=getattr(officer, "pk", None), service="values_save")
    Value.objects.bulk_create(values, batch_size=2000)
    if indicator_kinds_have_parts(rows):
        _write_parts("value", parts_by_value)
    entity_of = {v.pk: v.indicator.plan.entity_id for v in values}
    events_record_many(
        actor=officer,
        events=(
            {
                "action": "value.saved",
                "target": v,
                "entity_id": entity_of[v.pk],
                "payload": {"old": None, "new": snapshot(v, p), "status": Status.DRAFT},
                "target_repr": f"{v.indicator.code} {v.period.label}",
            }
            for v, p in parts_by_value
        ),
    )
    wanted = {v.pk: row for v, row in zip(values, rows, strict=True)}
    submitting = [v for v in values if wanted[v.pk]["status"] != Status.DRAFT]
    _step(submitting, Status.SUBMITTED, officer, entity_of, submitted_by=officer)
    for status in (Status.APPROVED, Status.RETURNED):
        deciding = [v for v in submitting if wanted[v.pk]["status"] == status]
        if status == Status.APPROVED:
            for v in deciding:
                rating = wanted[v.pk].get("rating", "")
                if v.kind == ValueKind.TEXT and not v.is_missing and not rating:
                    raise ValidationError(
                        {"rating": _("Rate the qualitative value before approving it.")}
                    )
                if rating and v.kind != ValueKind.TEXT:
                    raise ValidationError({"rating": _("Only qualitative values carry a rating.")})
                v.rating, v.return_reason = rating, ""
        else:
            for v in deciding:
                v.return_reason = _require_reason(wanted[v.pk].get("reason"))
        _step(deciding, status, reviewer, entity_of, reviewed_by=reviewer)
    recompute_progress_after_commit_many(
        v.indicator_id for v in values if v.status == Status.APPROVED
    )
    decided = [v.indicator_id for v in values if v.status in (Status.APPROVED, Status.RETURNED)]
    if decided:
        send_values_changed_on_commit(decided)
    for v in values:
        if v.status == Status.RETURNED:
            signals.value_returned.send(
                sender=Value, value=v, actor=reviewer, reason=v.return_reason
            )
    return values


def _step(values, to_status, actor, entity_of, **who):
    """One workflow step for many values: permission and rules checked for each, then one
    UPDATE and one audit event per value (see values_enter_through_workflow)."""
    if not values:
        return
    event, action = _STEPS[to_status]
    now = timezone.now()
    stamp = "submitted_at" if to_status == Status.SUBMITTED else "reviewed_at"
    from_status = {}
    for v in values:
        _refuse(permissions.decide(actor, action, indicator=v.indicator, status=v.status, value=v))
        from_status[v.pk] = v.status
        v.status, v.version, v.updated_at = to_status, v.version + 1, now
        for field, user in who.items():
            setattr(v, field, user)
        setattr(v, stamp, now)
        v.full_clean(exclude=FK_FIELDS, validate_unique=False, validate_constraints=False)
    fields = ["status", "version", "updated_at", stamp, *who]
    if to_status != Status.SUBMITTED:
        fields += ["rating", "return_reason"]
    history_context(user=getattr(actor, "pk", None), service=True)
    Value.objects.bulk_update(values, fields, batch_size=1000)
    events_record_many(
        actor=actor,
        events=(
            {
                "action": event,
                "target": v,
                "entity_id": entity_of[v.pk],
                "reason": v.return_reason if to_status == Status.RETURNED else "",
                "payload": {
                    "status_from": from_status[v.pk],
                    "status": to_status,
                    "version": v.version,
                    "new": snapshot(v),
                    **({"rating": v.rating} if v.rating else {}),
                },
            }
            for v in values
        ),
    )


BULK_LIMIT = 500


BULK_SERVICES = {"submit": value_submit, "approve": value_approve, "return": value_return}


def values_bulk_transition(*, action, items, actor, reason="", period=None):
    """Submit, approve or return many values at once, each one through its own service.

    items: [(value_id, expected_version)]. Every value is looked up among those the actor may
    see, then permission-, version- and rule-checked, written and audited one by one, each in
    its own transaction: one refusal does not undo the others. Returns one result per item, in
    order: {"id", "ok", "status", "version", "error", "value"} (value None when not found).
    A return needs one reason, given once for all (refused before anything is written).
    With `period`, values of other periods are answered like values the actor cannot see.
    """
    if action not in BULK_SERVICES:
        raise ValidationError({"action": _("Choose submit, approve or return.")})
    if not items:
        raise ValidationError({"values": _("Select at least one value.")})
    if len(items) > BULK_LIMIT:
        raise ValidationError(
            {"values": _("Select at most %(n)s values at once.") % {"n": BULK_LIMIT}}
        )
    ids = [int(pk) for pk, _version in items]
    if len(set(ids)) != len(ids):
        raise ValidationError({"values": _("A value appears twice.")})
    kwargs = {}
    if action == "return":
        kwargs["reason"] = _require_reason(reason)
    candidates = Value.objects.visible_to(actor).filter(pk__in=ids)
    if period is not None:
        candidates = candidates.filter(period=period)
    found = {v.pk: v for v in candidates.select_related("indicator__plan__entity", "period")}
    results = []
    for pk, version in items:
        value = found.get(int(pk))
        result = {"id": int(pk), "ok": False, "status": "", "version": None, "error": ""}
        if value is None:
            result.update(error=_("No such value."), value=None)
            results.append(result)
            continue
        try:
            value = BULK_SERVICES[action](
                value=value, actor=actor, expected_version=version, **kwargs
            )
            result["ok"] = True
        except StaleVersion as exc:
            value = exc.value
            result["error"] = str(exc)
        except PermissionDenied as exc:
            result["error"] = str(exc)
        except ValidationError as exc:
            result["error"] = " ".join(exc.messages)
        result.update(status=value.status, version=value.version, value=value)
        results.append(result)
    return results
