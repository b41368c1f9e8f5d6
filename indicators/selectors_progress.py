"""Reads of stored progress for pages, the API and reports: of the snapshot given (a report
pins one), by default the current one, always through visibility (a reader of UNOPS never
reads UNDP's progress)."""

from django.core.cache import cache
from django.db.models import Count, Max, Q

from .choices import Status
from .models import (
    Indicator,
    Node,
    NodeRollup,
    ProgressResult,
    ProgressSnapshot,
    ReportingPeriod,
    Target,
    Value,
)
from .models.progress import OnTrackStatus, RollupScope


def current_snapshot():
    """The snapshot readers use (None before the first computation)."""
    return ProgressSnapshot.objects.filter(is_current=True).first()


def _snapshot_id(snapshot=None):
    """The id of `snapshot` (a ProgressSnapshot or its id); None: the current one, as a
    scalar subquery, so that PostgreSQL compares snapshot_id with one value and can walk the
    (snapshot, indicator, period) index in order instead of joining and sorting."""
    if snapshot is None:
        return ProgressSnapshot.objects.filter(is_current=True).values("pk")[:1]
    return getattr(snapshot, "pk", snapshot)


def results_visible_to(user, snapshot=None):
    """Result rows of `snapshot` (default: the current one) the user may read
    (ProgressResult.visible_to), with indicator, period and frame."""
    rows = ProgressResult.objects.filter(snapshot_id=_snapshot_id(snapshot)).visible_to(user)
    return rows.select_related("indicator", "period", "frame")


def rollups_visible_to(user, snapshot=None):
    """Roll-up rows of `snapshot` (default: the current one) the user may read
    (NodeRollup.visible_to)."""
    return NodeRollup.objects.filter(snapshot_id=_snapshot_id(snapshot)).visible_to(user)


def latest_results(queryset):
    """One row per indicator: its latest period in the snapshot (PostgreSQL DISTINCT ON)."""
    return queryset.order_by("indicator_id", "-period__start_date", "-period_id").distinct(
        "indicator_id"
    )


# Seconds a plan's computed aggregates stay cached. A key names the snapshot and when it last
# changed, so a new snapshot (or one indicator folded into the current one) is read at once.
DASHBOARD_CACHE_SECONDS = 3600


def dashboard_scope(user, plan):
    """What of `plan`'s progress `user` reads, as a cache-key part (querysets.visibility_key
    for the plan's entity): a role over the plan's whole entity (or every entity) reads all;
    a role narrowed to org units reads their indicators (and those no unit owns) and no
    roll-ups."""
    from .querysets import visibility_key

    return visibility_key(user, entity_id=plan.entity_id)


def plan_summary(plan, user, snapshot):
    """The plan's computed aggregates that `user` reads in `snapshot`: the latest year with a
    result and that year's roll-ups. Cached per snapshot (and its last change), plan and
    dashboard_scope(): shared by users who read the same, never by users who read differently."""
    stamp = snapshot.updated_at or snapshot.finished_at or snapshot.created_at
    key = (
        f"progress:plan:{plan.pk}:snapshot:{snapshot.pk}:{stamp.timestamp() if stamp else ''}:"
        f"{dashboard_scope(user, plan)}"
    )
    summary = cache.get(key)
    if summary is None:
        rows = ProgressResult.objects.filter(snapshot=snapshot, plan_id=plan.pk).visible_to(user)
        year = rows.aggregate(year=Max("period_year"))["year"]
        rollups = NodeRollup.objects.filter(
            snapshot=snapshot, plan_id=plan.pk, year=year
        ).visible_to(user)
        summary = {"year": year, "rollups": list(rollups)}
        cache.set(key, summary, DASHBOARD_CACHE_SECONDS)
    return summary


def plan_dashboard(plan, user, snapshot=None, node_ids=None):
    """Everything the plan dashboard shows to `user` of `snapshot` (default: the current one),
    in a fixed number of queries: the nodes in tree order with their roll-up for the latest
    year and how many indicators the user reads under each, the indicators of `node_ids`
    (None: of every node) each with its latest result, the plan's roll-up, and the statuses.
    Only the indicators, results and roll-ups the user may read (their visible_to)."""
    if snapshot is None:
        snapshot = current_snapshot()
    nodes = list(Node.objects.filter(plan=plan).select_related("level"))
    visible = Indicator.objects.visible_to(user).filter(plan=plan, is_active=True)
    counts = dict(visible.values_list("node_id").annotate(n=Count("pk")).order_by())
    if node_ids is not None:
        visible = visible.filter(node_id__in=list(node_ids))
    indicators = list(visible.order_by("order", "code"))
    results, node_rollups, plan_rollup, year = {}, {}, None, None
    if snapshot is not None:
        summary = plan_summary(plan, user, snapshot)
        year = summary["year"]
        for rollup in summary["rollups"]:
            if rollup.scope == RollupScope.NODE:
                node_rollups[rollup.node_id] = rollup
            elif rollup.scope == RollupScope.PLAN:
                plan_rollup = rollup
        rows = ProgressResult.objects.filter(snapshot=snapshot, plan_id=plan.pk).visible_to(user)
        if node_ids is not None:
            rows = rows.filter(indicator_id__in=[i.pk for i in indicators])
        rows = rows.select_related("period", "frame")
        results = {r.indicator_id: r for r in latest_results(rows)}
    by_node = {}
    for indicator in indicators:
        indicator.progress = results.get(indicator.pk)
        by_node.setdefault(indicator.node_id, []).append(indicator)
    for node in nodes:
        node.rollup = node_rollups.get(node.pk)
        node.indicator_list = by_node.get(node.pk, [])
        node.indicator_count = counts.get(node.pk, 0)
    return {
        "snapshot": snapshot,
        "year": year,
        "nodes": nodes,
        "plan_rollup": plan_rollup,
        "statuses": OnTrackStatus.choices,
    }


def indicator_series(indicator, snapshot=None):
    """The time series of one indicator: its baseline, its targets per year, its approved
    values per period (numbers; yes/no as 1/0), and its results in `snapshot` (default: the
    current one)."""
    baseline = getattr(indicator, "baseline", None)
    targets = Target.objects.filter(indicator=indicator).order_by("year")
    values = (
        Value.objects.filter(indicator=indicator, status=Status.APPROVED)
        .select_related("period")
        .order_by("period__start_date")
    )

    def number(obj):
        if obj is None or obj.is_missing:
            return None
        if obj.bool_value is not None:
            return 1.0 if obj.bool_value else 0.0
        return float(obj.numeric_value) if obj.numeric_value is not None else None

    results = list(
        ProgressResult.objects.filter(
            snapshot_id=_snapshot_id(snapshot), plan_id=indicator.plan_id, indicator=indicator
        )
        .select_related("period", "frame")
        .order_by("period__start_date")
    )
    return {
        "baseline": (baseline.period_end.year, number(baseline)) if baseline else None,
        "targets": [(t.year, number(t), t.target_kind) for t in targets],
        "values": [(v.period.end_date.year, number(v), v.period.label) for v in values],
        "results": results,
    }


def entity_review_status(entity, period, user):
    """For reviewers: the entity's indicators in `period` that `user` reaches (an org-unit
    reviewer: that unit's) — counts missing (no value yet), draft, submitted, returned and
    approved, and the rows still needing action."""
    indicators = Indicator.objects.visible_to(user).filter(plan=period.plan, is_active=True)
    counts = Value.objects.filter(period=period, indicator__in=indicators).aggregate(
        **{s: Count("pk", filter=Q(status=s)) for s in Status.values}
    )
    total = indicators.count()
    counts["missing"] = total - sum(counts.values())
    waiting = (
        Value.objects.filter(period=period, indicator__in=indicators)
        .exclude(status=Status.APPROVED)
        .select_related("indicator", "entered_by", "submitted_by")
        .order_by("status", "indicator__order", "indicator__code")
    )
    missing = indicators.exclude(values__period=period).order_by("order", "code")
    approved = (
        Value.objects.filter(period=period, indicator__in=indicators, status=Status.APPROVED)
        .select_related("indicator", "reviewed_by")
        .order_by("-reviewed_at")
    )
    return {
        "entity": entity,
        "period": period,
        "total": total,
        "counts": counts,
        "waiting": waiting,
        "missing": missing,
        "approved": approved,
        # Each list's length, known from the counts: no COUNT query again to page them.
        "sizes": {
            "waiting": total - counts["missing"] - counts[Status.APPROVED],
            "missing": counts["missing"],
            "approved": counts[Status.APPROVED],
        },
    }


def entity_periods(entity):
    """The reporting periods of the entity's frameworks, newest first."""
    return (
        ReportingPeriod.objects.filter(plan__entity=entity)
        .select_related("plan")
        .order_by("-start_date", "plan__code")
    )
