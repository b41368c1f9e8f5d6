"""Frameworks, levels, results, periods, indicators, baselines and targets."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import event_record, events_record_many
from core.bulk import history_context

from .. import permissions
from ..choices import Status, TargetKind
from ..fields import INDICATOR_FIELDS
from ..formatting import snapshot
from ..models import (
    Baseline,
    Indicator,
    Level,
    Node,
    Plan,
    ReportingPeriod,
    Target,
)
from ..signals import send_values_changed_on_commit
from ._common import (
    _apply_typed,
    _changed,
    _check_maintainer,
    _context,
    _save,
    _write_parts,
    recompute_progress_after_commit,
    recompute_progress_after_commit_many,
)

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
    """Create a level of a framework's tree by depth (an existing level is left as it is)."""
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
    """Create or update a reporting period by (plan, label)."""
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
def periods_upsert_many(*, rows, actor):
    """period_upsert for many periods of many frameworks at once (the demo's entity reports):
    rows [{"plan", "label", **fields}]. New periods are written with one INSERT and one
    audit event each (their dates are checked by the database's constraints); an existing
    period whose fields changed goes through period_upsert; an unchanged one is not written.
    Returns {(plan id, label): period}."""
    plans = {row["plan"].pk: row["plan"] for row in rows}
    for plan in plans.values():
        _check_maintainer(actor, plan)
    found = {(p.plan_id, p.label): p for p in ReportingPeriod.objects.filter(plan__in=plans)}
    result, created = {}, []
    for row in rows:
        fields = dict(row)
        plan, label = fields.pop("plan"), fields.pop("label")
        key = (plan.pk, label)
        period = found.get(key) or result.get(key)
        if period is None:
            period = ReportingPeriod(plan=plan, label=label, **fields)
            period.full_clean(exclude=["plan"], validate_unique=False, validate_constraints=False)
            created.append(period)
        elif _changed(period, fields):
            period = period_upsert(plan=plan, label=label, actor=actor, **fields)
        result[key] = period
    history_context(user=getattr(actor, "pk", None), service=True)
    ReportingPeriod.objects.bulk_create(created, batch_size=2000)
    events_record_many(
        actor=actor,
        events=(
            {"action": "period.created", "target": p, "entity_id": p.plan.entity_id}
            for p in created
        ),
    )
    return result


@transaction.atomic
def period_set_closed(*, period, closed, actor, reason):
    """Close a reporting period (it then takes no entries, approvals or reopenings) or open it
    again, saying why: the reason goes into the audit trail. Reviewers of the framework's
    entity only."""
    period = (
        ReportingPeriod.objects.select_for_update().select_related("plan__entity").get(pk=period.pk)
    )
    if actor is None or not permissions.can_maintain(actor, period.plan):
        raise PermissionDenied(_("Only the entity's reviewers maintain its framework."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    if period.is_closed == closed:
        # Already so (a double click, a retried request): nothing to write or record.
        return period
    period.is_closed = closed
    with _context(actor):
        _save(period, exclude=["plan"])
    event_record(
        actor=actor,
        action="period.closed" if closed else "period.opened",
        target=period,
        entity=period.plan.entity,
        reason=reason,
        payload={"open_values": period.values.exclude(status=Status.APPROVED).count()},
    )
    return period


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
    recompute_progress_after_commit(indicator.pk)
    send_values_changed_on_commit([indicator.pk])
    return indicator


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
    recompute_progress_after_commit(indicator.pk)
    send_values_changed_on_commit([indicator.pk])
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
    recompute_progress_after_commit(indicator.pk)
    send_values_changed_on_commit([indicator.pk])
    return target


@transaction.atomic
def targets_set_many(*, rows, actor):
    """target_set for many targets of many indicators at once (the demo frameworks): rows
    [{"indicator", "year", "data", "target_kind" (a milestone without one)}]. New targets are
    written with one INSERT (their parts with another) and one audit event each, their
    columns checked by the database's constraints; an existing target goes through
    target_set (which writes it only when it changed). Returns the targets, in row order."""
    plans = {row["indicator"].plan_id: row["indicator"].plan for row in rows}
    for plan in plans.values():
        _check_maintainer(actor, plan)
    indicator_ids = {row["indicator"].pk for row in rows}
    found = {
        (t.indicator_id, t.year): t for t in Target.objects.filter(indicator_id__in=indicator_ids)
    }
    ends = {i for (i, _y), t in found.items() if t.target_kind == TargetKind.END}
    result, created = [], []
    for row in rows:
        indicator, year = row["indicator"], row["year"]
        target_kind = row.get("target_kind", TargetKind.MILESTONE)
        if (indicator.pk, year) in found:
            result.append(
                target_set(
                    indicator=indicator,
                    year=year,
                    actor=actor,
                    data=row["data"],
                    target_kind=target_kind,
                )
            )
            continue
        if target_kind == TargetKind.END:
            if indicator.pk in ends:
                raise ValidationError(
                    {"target_kind": _("The indicator already has an end target.")}
                )
            ends.add(indicator.pk)
        target = Target(indicator=indicator, year=year, target_kind=target_kind)
        parts = _apply_typed(target, indicator, row["data"])
        target._prepared_parts = parts
        target.full_clean(exclude=["indicator"], validate_unique=False, validate_constraints=False)
        found[(indicator.pk, year)] = target
        created.append((target, parts))
        result.append(target)
    _write_new_typed(
        Target,
        "target",
        created,
        actor,
        "target.set",
        lambda t: {"year": t.year, "target_kind": t.target_kind},
    )
    return result


@transaction.atomic
def baselines_set_many(*, rows, actor):
    """baseline_set for many indicators at once (the demo frameworks): rows [{"indicator",
    "data"}]. New baselines are written with one INSERT (their parts with another) and one
    audit event each, their columns checked by the database's constraints; an indicator that
    has one goes through baseline_set (which writes it only when it changed). Returns the
    baselines, in row order."""
    plans = {row["indicator"].plan_id: row["indicator"].plan for row in rows}
    for plan in plans.values():
        _check_maintainer(actor, plan)
    ids = [row["indicator"].pk for row in rows]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("An indicator appears twice."))
    has = set(Baseline.objects.filter(indicator_id__in=ids).values_list("indicator", flat=True))
    result, created = [], []
    for row in rows:
        indicator, data = row["indicator"], row["data"]
        if indicator.pk in has:
            result.append(baseline_set(indicator=indicator, actor=actor, data=data))
            continue
        baseline = Baseline(indicator=indicator)
        parts = _apply_typed(baseline, indicator, data)
        baseline.period_start = data.get("period_start")
        baseline.period_end = data.get("period_end")
        baseline._prepared_parts = parts
        baseline.full_clean(
            exclude=["indicator"], validate_unique=False, validate_constraints=False
        )
        created.append((baseline, parts))
        result.append(baseline)
    _write_new_typed(
        Baseline,
        "baseline",
        created,
        actor,
        "baseline.set",
        lambda b: {"period": [str(b.period_start)]},
    )
    return result


def _write_new_typed(model, owner, created, actor, action, payload):
    """The write shared by targets_set_many and baselines_set_many: the new rows (checked,
    with their prepared parts) in one INSERT, their parts in another, one audit event each
    (`payload(row)` adds to old/new), then progress and the values-changed signal once."""
    history_context(user=getattr(actor, "pk", None), service=True)
    model.objects.bulk_create([row for row, _p in created], batch_size=2000)
    _write_parts(owner, [(row, p) for row, p in created if p])
    events_record_many(
        actor=actor,
        events=(
            {
                "action": action,
                "target": row,
                "entity_id": row.indicator.plan.entity_id,
                "payload": {"old": None, "new": snapshot(row, p), **payload(row)},
            }
            for row, p in created
        ),
    )
    changed = sorted({row.indicator_id for row, _p in created})
    recompute_progress_after_commit_many(changed)
    send_values_changed_on_commit(changed)
