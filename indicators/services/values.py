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
