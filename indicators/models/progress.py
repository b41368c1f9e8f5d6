"""Stored progress: one snapshot per computation, its result rows and its roll-ups.

Readers always read the current snapshot (exactly one, enforced by a partial unique index).
A full computation writes a new snapshot and flips `is_current` in the transaction that
commits its rows, so nobody sees half of it; a run that dies leaves the previous one current.

Result and roll-up rows point at their snapshot, indicators, periods, nodes, plans and
entities without database foreign keys or single-column indexes (db_constraint=False,
db_index=False): they are derived data, deleted with their snapshot by progress_prune(), and
a million per-row foreign-key checks and index entries would cost more than the computation.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.jobs import Job

from ..querysets import NodeRollupQuerySet, ProgressResultQuerySet


class SnapshotStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETE = "complete", _("Complete")
    FAILED = "failed", _("Failed")


class SnapshotScope(models.TextChoices):
    FULL = "full", _("Everything")
    INDICATOR = "indicator", _("One indicator")


class CompactClass(models.TextChoices):
    PROGRESS = "progress", _("Progress")
    NO_PROGRESS = "no_progress", _("No progress")
    OTHER = "other", _("Other / no data")


class OnTrackStatus(models.TextChoices):
    ACHIEVED = "achieved", _("Achieved")
    ON_TRACK = "on_track", _("On track")
    OFF_TRACK = "off_track", _("Off track")
    NOT_STARTED = "not_started", _("Not started / no data")


class Trend(models.TextChoices):
    IMPROVING = "improving", _("Improving")
    STABLE = "stable", _("Stable")
    WORSENING = "worsening", _("Worsening")


class RollupScope(models.TextChoices):
    NODE = "node", _("Result")
    PLAN = "plan", _("Framework")
    ENTITY = "entity", _("Entity")


class ProgressSnapshot(Job):
    """One computation of progress (full, or one indicator folded into the current one)."""

    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Set by every incremental update folded into this snapshot.
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SnapshotStatus, default=SnapshotStatus.RUNNING
    )
    scope = models.CharField(
        _("scope"), max_length=10, choices=SnapshotScope, default=SnapshotScope.FULL
    )
    is_current = models.BooleanField(_("current"), default=False)
    as_of = models.DateField(_("as of"))
    result_count = models.PositiveIntegerField(_("results"), default=0)
    error = models.TextField(_("error"), blank=True)
    # Set when something outside this app (a report run) has read its rows and points at it:
    # progress_prune() never removes a pinned snapshot.
    pinned = models.BooleanField(_("pinned"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="progress_one_current"
            ),
            models.CheckConstraint(
                condition=~Q(is_current=True) | Q(status=SnapshotStatus.COMPLETE),
                name="progress_current_is_complete",
            ),
        ]

    def __str__(self):
        return f"progress {self.pk} {self.status}"


def _ref(model, related_name="+"):
    # No index of its own: every read goes through the snapshot's composite indexes, and
    # each index costs seconds when a million rows are written.
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name=related_name,
    )


class ProgressDirty(models.Model):
    """An indicator changed (a value approved or reopened, its baseline, a target or the
    indicator itself edited) and not yet folded into the current snapshot.

    Marked in the transaction of the change, so it cannot be lost whatever happens to the
    task enqueued after the commit; deleted in the transaction that folds the indicator into
    the current snapshot (an incremental run, or a full run just before its switch). Whatever
    is left — a dropped enqueue, a worker that died — the next run drains."""

    indicator_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("indicator to recompute")
        verbose_name_plural = _("indicators to recompute")

    def __str__(self):
        return f"indicator {self.indicator_id} to recompute"


class ProgressFrame(models.Model):
    """An indicator in a snapshot: where it sat (result node, framework, entity) and what its
    rows were judged against (baseline and end target, with their years) — stored once per
    indicator, not once per period, so that a million result rows stay narrow."""

    pk = models.CompositePrimaryKey("snapshot_id", "indicator_id")
    snapshot = models.ForeignKey(
        ProgressSnapshot,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # the primary key starts with it
        related_name="+",
    )
    indicator = _ref("indicators.Indicator")
    node_id = models.BigIntegerField()
    plan_id = models.BigIntegerField()
    entity_id = models.BigIntegerField()
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(null=True, blank=True)
    target = models.FloatField(_("target"), null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("indicator in a progress snapshot")
        verbose_name_plural = _("indicators in progress snapshots")

    def __str__(self):
        return f"{self.indicator_id} in progress {self.snapshot_id}"


class ProgressResult(models.Model):
    """Progress of one indicator as of one reporting period (latest approved value up to it).

    The table is partitioned by snapshot (LIST on snapshot_id, migration 0003): a full run
    loads its snapshot's partition without an index, indexes it in one sort and attaches
    it; pruning drops partitions whole. The primary key (snapshot, plan, indicator, period)
    is each partition's one unique index, on (plan, indicator, period) since its snapshot is
    a constant there: it serves a plan's rows, an indicator's rows (with its plan) and the
    API's pages in order; each extra index would cost a second per million rows. What is the
    same for every period of an indicator (node, entity, baseline, target) is in its `frame`.
    """

    pk = models.CompositePrimaryKey("snapshot_id", "plan_id", "indicator_id", "period_id")
    # No database constraint: a million deferred foreign-key checks cost more at commit than
    # computing the rows. Rows are written only by services/progress/ for a snapshot it
    # has just created, and progress_prune() drops them with their snapshot.
    snapshot = models.ForeignKey(
        ProgressSnapshot,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # the primary key starts with it
        related_name="+",
    )
    indicator = _ref("indicators.Indicator")
    period = _ref("indicators.ReportingPeriod")
    # A join on (snapshot, indicator) — Django has no composite foreign key; ForeignObject
    # is how its documentation relates a model to one with a composite primary key.
    frame = models.ForeignObject(
        ProgressFrame,
        on_delete=models.DO_NOTHING,
        from_fields=["snapshot", "indicator"],
        to_fields=["snapshot", "indicator"],
        related_name="+",
    )
    plan_id = models.BigIntegerField()
    period_year = models.PositiveSmallIntegerField(_("year"))
    value_id = models.BigIntegerField(null=True, blank=True)
    previous_value_id = models.BigIntegerField(null=True, blank=True)
    actual = models.FloatField(_("actual"), null=True, blank=True)
    previous = models.FloatField(_("previous"), null=True, blank=True)
    percent_of_way = models.FloatField(_("percent of the way"), null=True, blank=True)
    achieved = models.BooleanField(_("achieved"))
    compact_class = models.CharField(_("classification"), max_length=12, choices=CompactClass)
    on_track_status = models.CharField(_("status"), max_length=12, choices=OnTrackStatus)
    trend = models.CharField(_("trend"), max_length=10, choices=Trend, blank=True)

    objects = ProgressResultQuerySet.as_manager()

    class Meta:
        ordering = ["plan_id", "indicator_id", "period_id"]
        verbose_name = _("progress result")
        verbose_name_plural = _("progress results")

    def __str__(self):
        return f"{self.indicator_id}@{self.period_id}: {self.compact_class}"

    # What every period of the indicator shares, read through the frame (select_related it).
    node_id = property(lambda self: self.frame.node_id)
    entity_id = property(lambda self: self.frame.entity_id)
    baseline = property(lambda self: self.frame.baseline)
    baseline_year = property(lambda self: self.frame.baseline_year)
    target = property(lambda self: self.frame.target)
    target_year = property(lambda self: self.frame.target_year)


class NodeRollup(models.Model):
    """Counts per class and status for a result (with everything under it), a framework or an
    entity, at the end of one year."""

    # No database constraint: a million deferred foreign-key checks cost more at commit than
    # computing the rows. Rows are written only by services/progress/ for a snapshot it
    # has just created, and progress_prune() deletes them with their snapshot.
    snapshot = models.ForeignKey(
        ProgressSnapshot,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # the composite indexes below start with it
        related_name="+",
    )
    scope = models.CharField(_("scope"), max_length=10, choices=RollupScope)
    node = models.ForeignKey(
        "indicators.Node",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    plan_id = models.BigIntegerField(null=True, blank=True)
    entity_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField(_("year"))
    n = models.PositiveIntegerField(_("indicators"))
    progress = models.PositiveIntegerField(_("progress"))
    no_progress = models.PositiveIntegerField(_("no progress"))
    other = models.PositiveIntegerField(_("other / no data"))
    assessable = models.PositiveIntegerField(_("assessable"))
    achieved = models.PositiveIntegerField(_("achieved"))
    on_track = models.PositiveIntegerField(_("on track"))
    off_track = models.PositiveIntegerField(_("off track"))
    not_started = models.PositiveIntegerField(_("not started"))
    share_progress_all = models.FloatField(_("share progressing (all)"), null=True, blank=True)
    share_progress_assessable = models.FloatField(
        _("share progressing (assessable)"), null=True, blank=True
    )

    objects = NodeRollupQuerySet.as_manager()

    class Meta:
        ordering = ["scope", "entity_id", "plan_id", "node_id", "year"]
        verbose_name = _("progress roll-up")
        verbose_name_plural = _("progress roll-ups")
        indexes = [
            models.Index(fields=["snapshot", "scope", "entity_id"], name="progress_rollup_entity")
        ]

    def __str__(self):
        return f"{self.scope} {self.node_id or self.plan_id or self.entity_id} {self.year}"
