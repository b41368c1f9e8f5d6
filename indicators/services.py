"""Every write to frameworks, indicators and values: keyword-only, atomic, validated, audited.

Pages, the API, the Excel importer, tasks and the demo loader all come through here. A service
called with actor=None is the system itself (the demo loader, a migration); any signed-in or
anonymous user is checked against permissions.py.
"""

from contextlib import nullcontext
from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Event
from audit.services import event_record

from . import permissions
from .choices import Action, ImportStatus, Status, TargetKind, ValueKind
from .formatting import snapshot
from .models import (
    Baseline,
    Comment,
    Evidence,
    ImportJob,
    Indicator,
    Level,
    Node,
    Part,
    Plan,
    ReportingPeriod,
    Target,
    Value,
)

TYPED_FIELDS = (
    "numeric_value",
    "currency",
    "bool_value",
    "text_value",
    "is_missing",
    "footnote",
    "source",
)
# Foreign keys are checked by the database; validating them in Python costs a query per row.
FK_FIELDS = ["indicator", "period", "entered_by", "submitted_by", "reviewed_by"]
BULK_WITHOUT_CONTEXT = 500


class StaleVersion(Exception):
    """A write made on an older version of a value than the one stored. Carries the current
    value, so the caller can show it (the API answers HTTP 409)."""

    def __init__(self, value):
        self.value = value
        super().__init__(
            _("This value was changed by someone else meanwhile (now version %(v)s).")
            % {"v": value.version}
        )


def _context(actor):
    """pghistory context: the row-history triggers record who acted, also outside requests."""
    return pghistory.context(user=getattr(actor, "pk", None), service=True)


def _refuse(allowed_reason):
    allowed, reason = allowed_reason
    if not allowed:
        raise PermissionDenied(str(reason))


def _check_maintainer(actor, plan):
    if actor is not None and not permissions.can_maintain(actor, plan):
        raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))


def _save(obj, **kwargs):
    obj.full_clean(**kwargs)
    obj.save()
    return obj


def _changed(obj, fields):
    return {k: v for k, v in fields.items() if getattr(obj, k) != v}


# --- the framework ----------------------------------------------------------------------------


@transaction.atomic
def plan_upsert(*, entity, code, actor, **fields):
    """Create or update a framework by (entity, code); unchanged rows are not written again."""
    plan = Plan.objects.filter(entity=entity, code=code).first()
    if plan is None:
        if actor is not None:
            _check_maintainer(actor, Plan(entity=entity))
        with _context(actor):
            plan = _save(Plan(entity=entity, code=code, **fields))
        event_record(actor=actor, action="plan.created", target=plan, entity=entity)
        return plan
    _check_maintainer(actor, plan)
    changed = _changed(plan, fields)
    if changed:
        for k, v in changed.items():
            setattr(plan, k, v)
        with _context(actor):
            _save(plan)
        event_record(
            actor=actor,
            action="plan.updated",
            target=plan,
            entity=entity,
            payload={k: str(v) for k, v in changed.items()},
        )
    return plan


@transaction.atomic
def level_upsert(*, plan, depth, code, actor, **fields):
    _check_maintainer(actor, plan)
    level = Level.objects.filter(plan=plan, depth=depth).first()
    if level is None:
        with _context(actor):
            level = _save(Level(plan=plan, depth=depth, code=code, **fields))
        event_record(actor=actor, action="level.created", target=level, entity=plan.entity)
    return level


@transaction.atomic
def node_upsert(*, plan, code, actor, **fields):
    """Create or update a result node by (plan, code)."""
    _check_maintainer(actor, plan)
    node = Node.objects.filter(plan=plan, code=code).first()
    if node is None:
        with _context(actor):
            node = _save(Node(plan=plan, code=code, **fields))
        event_record(actor=actor, action="node.created", target=node, entity=plan.entity)
        return node
    changed = _changed(node, fields)
    if changed:
        for k, v in changed.items():
            setattr(node, k, v)
        with _context(actor):
            _save(node)
        event_record(
            actor=actor,
            action="node.updated",
            target=node,
            entity=plan.entity,
            payload={k: str(v) for k, v in changed.items()},
        )
    return node


@transaction.atomic
def period_upsert(*, plan, label, actor, **fields):
    _check_maintainer(actor, plan)
    period = ReportingPeriod.objects.filter(plan=plan, label=label).first()
    if period is None:
        with _context(actor):
            period = _save(ReportingPeriod(plan=plan, label=label, **fields))
        event_record(actor=actor, action="period.created", target=period, entity=plan.entity)
        return period
    changed = _changed(period, fields)
    if changed:
        for k, v in changed.items():
            setattr(period, k, v)
        with _context(actor):
            _save(period)
        event_record(
            actor=actor,
            action="period.closed" if period.is_closed else "period.updated",
            target=period,
            entity=plan.entity,
            payload={k: str(v) for k, v in changed.items()},
        )
    return period


@transaction.atomic
def period_set_closed(*, period, closed, actor):
    """Close a reporting period (it then takes no entries, approvals or reopenings) or open it
    again. Reviewers of the framework's entity only."""
    period = (
        ReportingPeriod.objects.select_for_update().select_related("plan__entity").get(pk=period.pk)
    )
    if actor is None or not permissions.can_maintain(actor, period.plan):
        raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))
    if period.is_closed == closed:
        return period
    period.is_closed = closed
    with _context(actor):
        _save(period, exclude=["plan"])
    event_record(
        actor=actor,
        action="period.closed" if closed else "period.opened",
        target=period,
        entity=period.plan.entity,
    )
    return period


INDICATOR_FIELDS = (
    "node",
    "name_en",
    "name_zh",
    "definition",
    "data_source",
    "frequency",
    "responsible_entity",
    "org_unit",
    "value_kind",
    "unit",
    "currency",
    "decimals",
    "direction",
    "method_in_development",
    "disaggregation_en",
    "disaggregation_zh",
    "part_labels",
    "is_illustrative",
    "is_active",
    "order",
)


@transaction.atomic
def indicator_save(*, plan, code, actor, data, indicator=None):
    """Create an indicator (or change one, when `indicator` is given). Its value kind cannot
    change once values exist: they would no longer match their columns."""
    _check_maintainer(actor, plan)
    unknown = set(data) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed.") for f in sorted(unknown)})
    if indicator is None:
        indicator = Indicator.objects.filter(plan=plan, code=code).first()
    if indicator is None:
        with _context(actor):
            indicator = _save(Indicator(plan=plan, code=code, **data))
        event_record(actor=actor, action="indicator.created", target=indicator, entity=plan.entity)
        return indicator
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    changed = _changed(indicator, data)
    if code != indicator.code:
        changed["code"] = code
    if not changed:
        return indicator
    if "value_kind" in changed and (
        indicator.values.exists() or Baseline.objects.filter(indicator=indicator).exists()
    ):
        raise ValidationError(
            {"value_kind": _("The value kind cannot change once values have been entered.")}
        )
    before = {k: str(getattr(indicator, k)) for k in changed}
    for k, v in changed.items():
        setattr(indicator, k, v)
    with _context(actor):
        _save(indicator)
    event_record(
        actor=actor,
        action="indicator.updated",
        target=indicator,
        entity=plan.entity,
        payload={"before": before, "after": {k: str(v) for k, v in changed.items()}},
    )
    return indicator


def _apply_typed(obj, indicator, data):
    for field in TYPED_FIELDS:
        default = False if field == "is_missing" else (None if field.endswith("value") else "")
        if field == "text_value":
            default = ""
        setattr(obj, field, data.get(field, default))
    if obj.text_value is None:
        obj.text_value = ""
    obj.kind = indicator.value_kind
    return _check_parts(indicator, data.get("parts"), obj.is_missing)


def _check_parts(indicator, parts, is_missing):
    """Parts as {code: Decimal}: every part of the indicator, each a number; none otherwise."""
    parts = dict(parts or {})
    if indicator.value_kind != ValueKind.PARTS or is_missing:
        if parts:
            raise ValidationError({"parts": _("This value has no parts.")})
        return {}
    codes = [p["code"] for p in indicator.part_labels]
    unknown = [c for c in parts if c not in codes]
    if unknown:
        raise ValidationError(
            {"parts": _("Unknown part: %(parts)s.") % {"parts": ", ".join(unknown)}}
        )
    missing = [indicator.part_label(c) for c in codes if parts.get(c) is None]
    if missing:
        raise ValidationError(
            {"parts": _("Enter a number for: %(parts)s.") % {"parts": ", ".join(missing)}}
        )
    for code in codes:
        value = parts[code]
        if not isinstance(value, Decimal):
            raise ValidationError({"parts": _("Each part must be a number.")})
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > indicator.decimals:
            raise ValidationError(
                {
                    "parts": _("Use at most %(decimals)s decimal places for this indicator.")
                    % {"decimals": indicator.decimals}
                }
            )
    return {code: parts[code] for code in codes}


def _write_parts(owner_field, owners_parts):
    """Replace the parts of each owner: [(owner, {code: Decimal})]."""
    owners = [owner for owner, _parts in owners_parts]
    if not owners:
        return
    Part.objects.filter(**{f"{owner_field}__in": owners}).delete()
    Part.objects.bulk_create(
        [
            Part(**{owner_field: owner}, code=code, numeric_value=num, order=i)
            for owner, parts in owners_parts
            for i, (code, num) in enumerate(parts.items())
        ],
        batch_size=2000,
    )


@transaction.atomic
def baseline_set(*, indicator, actor, data):
    """Set an indicator's baseline: typed value (see TYPED_FIELDS, plus "parts") and period
    (period_start, period_end)."""
    _check_maintainer(actor, indicator.plan)
    baseline = Baseline.objects.select_for_update().filter(indicator=indicator).first()
    created = baseline is None
    baseline = baseline or Baseline(indicator=indicator)
    before = None if created else snapshot(baseline)
    old_period = None if created else (baseline.period_start, baseline.period_end)
    parts = _apply_typed(baseline, indicator, data)
    baseline.period_start = data.get("period_start")
    baseline.period_end = data.get("period_end")
    baseline._prepared_parts = parts
    after = snapshot(baseline, parts)
    if after == before and old_period == (baseline.period_start, baseline.period_end):
        return baseline
    with _context(actor):
        _save(baseline, exclude=["indicator"])
        _write_parts("baseline", [(baseline, parts)])
    event_record(
        actor=actor,
        action="baseline.set",
        target=baseline,
        entity=indicator.plan.entity,
        payload={"old": before, "new": after, "period": [str(baseline.period_start)]},
    )
    return baseline


@transaction.atomic
def target_set(*, indicator, year, actor, data, target_kind=TargetKind.MILESTONE):
    """Set the target of one year (a milestone, or the end target)."""
    _check_maintainer(actor, indicator.plan)
    target = Target.objects.select_for_update().filter(indicator=indicator, year=year).first()
    created = target is None
    target = target or Target(indicator=indicator, year=year)
    before = None if created else snapshot(target)
    parts = _apply_typed(target, indicator, data)
    kind_changed = target.target_kind != target_kind
    target.target_kind = target_kind
    target._prepared_parts = parts
    after = snapshot(target, parts)
    if not created and after == before and not kind_changed:
        return target
    if target_kind == TargetKind.END:
        other = Target.objects.filter(indicator=indicator, target_kind=TargetKind.END)
        if other.exclude(pk=target.pk).exists():
            raise ValidationError({"target_kind": _("The indicator already has an end target.")})
    with _context(actor):
        _save(target, exclude=["indicator"])
        _write_parts("target", [(target, parts)])
    event_record(
        actor=actor,
        action="target.set",
        target=target,
        entity=indicator.plan.entity,
        payload={"old": before, "new": after, "year": year, "target_kind": target_kind},
    )
    return target


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


def _event(actor, action, value, entity_id, reason="", payload=None):
    """An audit Event for bulk_create; event_record() writes the same fields one at a time."""
    return Event(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=Value._meta.label_lower,
        target_id=str(value.pk),
        target_repr=f"{value.indicator.code} {value.period.label}"[:300],
        entity_id=entity_id,
        reason=reason,
        payload=payload or {},
    )


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
    # pghistory attaches its context (the acting user) by rewriting every statement on the
    # client, which costs more than the insert itself for a 50,000-row workbook. Large imports
    # therefore rely on the audit events below (one per value, naming the actor) and on the
    # import job for who did it; the triggers still record every row change.
    context = _context(actor) if len(rows) <= BULK_WITHOUT_CONTEXT else nullcontext()
    with context:
        Value.objects.bulk_create(creates, batch_size=2000)
        Value.objects.bulk_update(
            updates,
            [*TYPED_FIELDS, "kind", "entered_by", "version", "updated_at"],
            batch_size=1000,
        )
        if indicator_kinds_have_parts(rows):
            _write_parts("value", parts_by_value)
    entity_id = period.plan.entity_id
    Event.objects.bulk_create(
        [_event(actor, "value.saved", v, entity_id, payload=p) for v, p in events],
        batch_size=2000,
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
    return _transition(
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


@transaction.atomic
def value_reopen(*, value, actor, reason, expected_version=None):
    """Unlock an approved value so it can be corrected: it goes back to its officer as
    returned, with the reviewer's reason."""
    reason = _require_reason(reason)
    return _transition(
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


@transaction.atomic
def comment_add(*, value, actor, text):
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
EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".png": ("image/png", (b"\x89PNG",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".csv": ("text/csv", ()),
    ".txt": ("text/plain", ()),
}


def evidence_max_bytes():
    return getattr(settings, "INDICATORS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)


def _check_upload(upload):
    import os

    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in EVIDENCE_TYPES:
        raise ValidationError(
            {
                "file": _("Files of this type are not accepted. Use one of: %(types)s.")
                % {"types": ", ".join(sorted(EVIDENCE_TYPES))}
            }
        )
    limit = evidence_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                "file": _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)}
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    content_type, magics = EVIDENCE_TYPES[ext]
    head = upload.read(8)
    upload.seek(0)
    if magics and not any(head.startswith(m) for m in magics):
        raise ValidationError({"file": _("The file's content does not match its extension.")})
    if not magics and b"\x00" in upload.read(4096):
        raise ValidationError({"file": _("The file's content does not match its extension.")})
    upload.seek(0)
    return name, content_type


@transaction.atomic
def evidence_attach(*, value, actor, upload):
    """Attach an evidence file to a value (stored privately; streamed after a check)."""
    _refuse(
        permissions.decide(
            actor, Action.ATTACH, indicator=value.indicator, status=value.status, value=value
        )
    )
    name, content_type = _check_upload(upload)
    evidence = Evidence(
        value=value,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    evidence.full_clean(exclude=["value", "uploaded_by", "file"])
    # The file is written before the row commits; a rollback after this point leaves an
    # unreferenced file in private storage, never a row pointing at a missing file.
    evidence.file.save(name, upload, save=False)
    with _context(actor):
        evidence.save()
    event_record(
        actor=actor,
        action="value.evidence_attached",
        target=value,
        entity=value.indicator.plan.entity,
        payload={"file": evidence.original_name, "size": evidence.size},
    )
    return evidence


# --- imports ----------------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, period, upload, actor):
    """Store an uploaded workbook and start reading it (inline if small, in a job if large)."""
    from . import importers, tasks

    if not upload.name.lower().endswith(".xlsx"):
        raise ValidationError({"file": _("Upload the Excel template (.xlsx).")})
    max_bytes = getattr(settings, "INDICATORS_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
    if upload.size > max_bytes:
        raise ValidationError(
            {
                "file": _("The file is too large; the limit is %(limit)s MB.")
                % {"limit": max_bytes // 1048576}
            }
        )
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise ValidationError({"file": _("This is not an Excel workbook (.xlsx).")})
    if period.is_closed:
        raise ValidationError({"period": _("The reporting period is closed.")})
    if not permissions.can_enter_for(actor, period.plan):  # before reading the file further
        raise PermissionDenied(_("Only the entity's programme officers upload values."))
    job = ImportJob(period=period, original_name=upload.name[:255], created_by=actor)
    job.file.save(upload.name, upload, save=False)
    _save(job, exclude=["period", "created_by"])
    event_record(
        actor=actor,
        action="import.uploaded",
        target=job,
        entity=period.plan.entity,
        payload={"file": job.original_name},
    )
    inline_max = getattr(settings, "INDICATORS_IMPORT_INLINE_MAX_BYTES", 256 * 1024)
    if upload.size <= inline_max:
        importers.import_preview(job_id=job.pk)
        job.refresh_from_db()
    else:
        tasks.import_preview.delay_on_commit(job.pk)
    return job


def import_commit(*, job, actor):
    """Write every row of a clean, previewed workbook in one transaction, through
    values_save (the service the form uses). Refused unless the preview found no problem."""
    from . import importers

    if job.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person who uploaded the file may commit it."))
    if job.status == ImportStatus.COMMITTED:
        return job
    if job.status != ImportStatus.READY:
        raise ValidationError(
            {"status": _("Only a workbook whose preview found no problem can be committed.")}
        )
    inline_rows = getattr(settings, "INDICATORS_IMPORT_INLINE_ROWS", 2000)
    if job.total_rows > inline_rows:
        from . import tasks

        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING)
        transaction.on_commit(lambda: tasks.import_commit.delay(job.pk))
        job.refresh_from_db()
        return job
    return importers.import_commit(job_id=job.pk)
