"""Step 5, switch: a full run into a new snapshot made current atomically, an incremental
run folded into the current snapshot in place, and pruning.

A full run's writer commits its partition as a plain table; the run attaches it and flips
`is_current` in its own transaction: a reader sees the old snapshot or the new one, never half
of one; a run that dies rolls back, drops the writer's table, is marked failed, and the
previous snapshot stays current (a table left by a crash goes with its snapshot at the next
prune). Pruning drops whole partitions. Running it again is always safe.

An incremental run (after an approval or a reopening, or a change of the indicator, its
baseline or a target) updates the CURRENT snapshot in place, inside one transaction that
holds a row lock on it: it replaces the indicator's rows and recomputes the roll-ups of the
indicator's entity (so every ancestor node, its framework and its entity) from the stored
rows. Copy-on-write of a million rows per approval would cost seconds; in-place under MVCC
already gives readers all-or-nothing.

A full run that was computing while values were approved, or baselines, targets or
indicators edited, folds those indicators in (under the same lock) just before it flips, so
its snapshot never goes back in time.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import event_record
from core import phases
from core.cache import bump_for_write
from core.copy import BINARY_HEADER, BINARY_TRAILER
from core.jobs import job_claim

from ... import permissions
from ...models import (
    NodeRollup,
    ProgressDirty,
    ProgressFrame,
    ProgressResult,
    ProgressSnapshot,
    Value,
)
from ...models.progress import SnapshotScope, SnapshotStatus
from .read import Frame, Inputs, _nodes, _query_frame, request_values
from .rollup import leaf_counts, rollups
from .store import (
    _FRAMES,
    _RESULTS,
    _attach_partition,
    _attach_sql,
    _copy_sql,
    _create_partition,
    _create_sql,
    _ResultsWriter,
    _stream_results,
    drop_partitions,
    write_frames,
    write_rollups,
)

log = logging.getLogger(__name__)

# Snapshots kept after a full run: the current one and the one before it.
KEEP_SNAPSHOTS = 2
# Ranges of indicators a full run reads one after the other: each range's values are read by
# the server while the range before is judged, and stored on the writer's connection after.
READ_RANGES = 8


def _lock_current():
    """The current snapshot, locked until the transaction ends (None if there is none). A
    full run may have flipped meanwhile; then the lock is taken on the new one."""
    for _attempt in range(3):
        current = ProgressSnapshot.objects.filter(is_current=True).values_list("pk", flat=True)
        pk = current.first()
        if pk is None:
            return None
        locked = ProgressSnapshot.objects.select_for_update().filter(pk=pk, is_current=True)
        snapshot = locked.first()
        if snapshot is not None:
            return snapshot
    return None


_STORED = f"""
SELECT r.indicator_id, f.node_id, r.period_year, r.compact_class, r.on_track_status
FROM {_RESULTS} r
JOIN {ProgressFrame._meta.db_table} f
    ON f.snapshot_id = r.snapshot_id AND f.indicator_id = r.indicator_id
JOIN indicators_reportingperiod p ON p.id = r.period_id
WHERE r.snapshot_id = %s
  AND r.plan_id IN (SELECT id FROM indicators_plan WHERE entity_id = ANY(%s))
ORDER BY r.indicator_id, p.start_date, p.id
"""


def _fold_in(snapshot, indicator_ids):
    """Replace the rows of `indicator_ids` in `snapshot` and the roll-ups of their entities."""
    ids = [int(i) for i in indicator_ids]
    owners = _query_frame(
        "SELECT DISTINCT i.plan_id, p.entity_id FROM indicators_indicator i "
        "JOIN indicators_plan p ON p.id = i.plan_id WHERE i.id = ANY(%s)",
        [ids],
    )
    plan_ids = [int(p) for p in owners.get("plan_id", [])]
    entity_ids = sorted({int(e) for e in owners.get("entity_id", [])})
    inputs = Inputs(as_of=snapshot.as_of, indicator_ids=ids)
    with connection.cursor() as cursor:
        # With its plan the key's index finds the rows; a deleted indicator has none left,
        # and its rows are looked for in the whole snapshot.
        in_plans = "AND plan_id = ANY(%s)" if plan_ids else "AND %s::bigint[] IS NOT NULL"
        cursor.execute(
            f"DELETE FROM {_RESULTS} WHERE snapshot_id = %s {in_plans} AND indicator_id = ANY(%s)",
            [snapshot.pk, plan_ids, ids],
        )
        cursor.execute(
            f"DELETE FROM {_FRAMES} WHERE snapshot_id = %s AND indicator_id = ANY(%s)",
            [snapshot.pk, ids],
        )
        if inputs.n:
            with cursor.cursor.copy(_copy_sql(_RESULTS)) as copy:
                copy.write(BINARY_HEADER)
                _stream_results(copy, snapshot, inputs, as_of=snapshot.as_of, tolerance=None)
                copy.write(BINARY_TRAILER)
    write_frames(snapshot, inputs)
    stored = _query_frame(_STORED, [snapshot.pk, entity_ids])
    NodeRollup.objects.filter(snapshot=snapshot, entity_id__in=entity_ids).delete()
    if not stored.empty:
        write_rollups(snapshot, rollups(leaf_counts(stored), _nodes(entity_ids)))
    snapshot.updated_at = timezone.now()
    snapshot.result_count = ProgressResult.objects.filter(snapshot=snapshot).count()
    snapshot.save(update_fields=["updated_at", "result_count"])
    # Not an audited write: pages showing progress read the change at once (core.cache).
    bump_for_write("progress")


# One full run at a time, and none beside an incremental one: a full run holds this advisory
# lock (exclusive) for its whole transaction, from before its first read to its switch; an
# incremental run takes it shared and does not wait — while a full run computes it raises
# FullRunInProgress and its task tries again later. Whatever was marked before the full run's
# switch, the full run folds in (under the lock, so nothing is drained in between); what is
# marked after it, the retried task folds into the new snapshot.
_RUN_LOCK = 0x70726F67  # "prog"


class FullRunInProgress(Exception):
    """An incremental run found a full run computing: try again once it has switched."""


def progress_mark(indicator_ids):
    """Mark indicators to be folded into the current snapshot (ProgressDirty), in the
    caller's transaction: the mark commits with the change or not at all."""
    ids = sorted({int(i) for i in indicator_ids})
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ProgressDirty._meta.db_table} (indicator_id, marked_at) "
            "SELECT unnest(%s::bigint[]), now() "
            "ON CONFLICT (indicator_id) DO UPDATE SET marked_at = EXCLUDED.marked_at",
            [ids],
        )


def _drain():
    """Delete and return the marked indicators (in the caller's transaction: a rollback keeps
    them marked). A mark a transaction is still writing is skipped: once committed, its own
    task (or the next run) drains it."""
    table = ProgressDirty._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE indicator_id IN (SELECT indicator_id FROM {table} "
            "FOR UPDATE SKIP LOCKED) RETURNING indicator_id"
        )
        return {row[0] for row in cursor.fetchall()}


def progress_compute_full(*, actor=None, as_of=None, tolerance=None, snapshot=None):
    """Recompute progress for every active indicator and period into a new snapshot, and make
    it current atomically. `snapshot`: a running one created by progress_run_start() (else
    one is created here); one no longer running (failed by the sweeper, or done) is left
    alone. A failure marks the snapshot failed (its rows roll back) and re-raises; the
    previous snapshot stays current. Safe to run again at any time."""
    if snapshot is None:
        snapshot = ProgressSnapshot.objects.create(
            scope=SnapshotScope.FULL,
            as_of=as_of or timezone.localdate(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    elif snapshot.status != SnapshotStatus.RUNNING:
        return snapshot
    as_of = snapshot.as_of
    job_claim(ProgressSnapshot, snapshot.pk)
    writer = None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RUN_LOCK])
            # Derived data: if the server crashed right after this commit, the snapshot would
            # be lost and the previous one would stay current (the nightly run redoes it), so
            # the commit need not wait for the WAL flush of a million rows. The index of a
            # million rows is sorted in memory rather than on disk.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
            cursor.execute("SET LOCAL work_mem TO '64MB'")
            started = time.perf_counter()
            backend = phases.backend_pid(connection.connection)
            with phases.phase("read indicators, periods, nodes", backend):
                frame = Frame(as_of=as_of)
                nodes = _nodes()
            with phases.phase("open the writer", backend):
                writer = _ResultsWriter(snapshot.pk, _create_sql(cursor, _RESULTS, snapshot.pk))
            leaves, count = [], 0
            # Each range's approved values are asked for before the range before is judged,
            # so that this connection's server process reads them meanwhile.
            ranges = frame.id_ranges(READ_RANGES)
            phases.start("read approved values (server, ahead)", backend, python=False)
            pending = request_values(frame, ranges[0])
            try:
                for i, id_range in enumerate(ranges):
                    with phases.phase("wait for approved values, grid"):
                        values = pending.result()
                        inputs = Inputs(as_of=as_of, frame=frame, id_range=id_range, values=values)
                    pending = request_values(frame, ranges[i + 1]) if i + 1 < len(ranges) else None
                    leaves.append(
                        _stream_results(
                            writer.copy, snapshot, inputs, as_of=as_of, tolerance=tolerance
                        )
                    )
                    count += inputs.n
            finally:
                if pending is not None:
                    pending.close()
            phases.stop("read approved values (server, ahead)")
            written = time.perf_counter()
            # The frames are written and the roll-ups summed while the writer's server
            # process builds the index (the waiting thread lets go of the GIL).
            with ThreadPoolExecutor(max_workers=1) as pool:
                indexing = pool.submit(writer.finish)
                with phases.phase("frames", backend):
                    frames = _create_partition(cursor, _FRAMES, snapshot.pk)
                    write_frames(snapshot, frame, table=frames)
                    _attach_partition(cursor, _FRAMES, snapshot.pk)
                with phases.phase("roll-ups", backend):
                    write_rollups(snapshot, rollups(pd.concat(leaves, ignore_index=True), nodes))
                with phases.phase("wait for the writer"):
                    indexing.result()
            writer.close()
            phases.start("attach, fold in, switch, commit", backend)
            cursor.execute(_attach_sql(_RESULTS, snapshot.pk))
            log.info(
                "progress: %s rows read, judged and written in %.2f s, indexed, framed and "
                "rolled up in %.2f s more",
                count, written - started, time.perf_counter() - written,
            )  # fmt: skip
            _lock_current()
            # What changed while this run computed: every indicator marked (approvals and
            # reopenings, baselines, targets, the indicator itself), and, belt and braces,
            # every value written since the run began.
            changed = _drain() | set(
                Value.objects.filter(updated_at__gte=snapshot.created_at).values_list(
                    "indicator_id", flat=True
                )
            )
            if changed:
                _fold_in(snapshot, sorted(changed))
                count = ProgressResult.objects.filter(snapshot=snapshot).count()
            ProgressSnapshot.objects.filter(is_current=True).update(is_current=False)
            snapshot.status = SnapshotStatus.COMPLETE
            snapshot.is_current = True
            snapshot.result_count = count
            snapshot.finished_at = timezone.now()
            snapshot.save()
            bump_for_write("progress")
        phases.stop("attach, fold in, switch, commit")
    except Exception as exc:
        if writer is not None:
            # Its table may have been committed before the failure: drop it.
            writer.close()
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {writer.table}")
        progress_fail(snapshot, repr(exc))
        log.exception("progress: full computation %s failed", snapshot.pk)
        raise
    return snapshot


def progress_fail(snapshot, reason):
    """Mark a running snapshot failed with the reason (a run that raised, or one whose worker
    the sweeper found gone); a snapshot already done stays as it is."""
    ProgressSnapshot.objects.filter(pk=snapshot.pk, status=SnapshotStatus.RUNNING).update(
        status=SnapshotStatus.FAILED, finished_at=timezone.now(), error=str(reason)[:2000]
    )


def progress_run_start(*, actor, as_of=None):
    """Start a full computation in the background (the API's "run"): a running snapshot is
    created now, the worker computes into it after this transaction commits, and its status
    says how it went. Refused unless the actor may (permissions.can_start_progress)."""
    from ... import tasks

    if not permissions.can_start_progress(actor):
        raise PermissionDenied(_("Only reviewers and administrators start a computation."))
    with transaction.atomic():
        snapshot = ProgressSnapshot.objects.create(
            scope=SnapshotScope.FULL,
            as_of=as_of or timezone.localdate(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        event_record(
            actor=actor,
            action="progress.run_started",
            target=snapshot,
            payload={"as_of": snapshot.as_of.isoformat()},
        )
        tasks.compute_progress_run.delay_on_commit(snapshot.pk)
    return snapshot


def progress_compute_indicator(*, indicator_id=None, actor=None):
    """Fold one indicator's current state — and every other one marked meanwhile — into the
    current snapshot (after an approval or a reopening, or a change of what it is judged
    against): its rows and its entity's roll-ups, in one transaction. Without a current
    snapshot, a full computation. Raises FullRunInProgress, changing nothing, while a full
    run computes (the caller tries again later). Safe to run twice."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s)", [_RUN_LOCK])
            if not cursor.fetchone()[0]:
                raise FullRunInProgress
        snapshot = _lock_current()
        if snapshot is not None:
            ids = _drain() | ({int(indicator_id)} if indicator_id is not None else set())
            if ids:
                _fold_in(snapshot, sorted(ids))
            return snapshot
    return progress_compute_full(actor=actor)


def progress_prune(*, keep=KEEP_SNAPSHOTS):
    """Delete all but the newest `keep` complete snapshots (the current one and pinned ones
    always stay) and every failed or abandoned one: each snapshot's partition is dropped
    whole. Dropping a partition needs a moment's exclusive lock on the results table; a prune
    that cannot get it within a few seconds (long readers) leaves the rest for the next run."""
    current = ProgressSnapshot.objects.filter(is_current=True).values_list("pk", flat=True)
    kept = set(current) | set(
        ProgressSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).values_list(
            "pk", flat=True
        )[:keep]
    )
    running_since = timezone.now() - timedelta(hours=6)
    doomed = list(
        ProgressSnapshot.objects.exclude(pk__in=kept)
        .exclude(pinned=True)
        .exclude(status=SnapshotStatus.RUNNING, created_at__gte=running_since)
        .values_list("pk", flat=True)
    )
    pruned = 0
    for pk in doomed:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout TO '5s'")
                drop_partitions(cursor, pk)
                NodeRollup.objects.filter(snapshot_id=pk)._raw_delete(connection.alias)
                ProgressSnapshot.objects.filter(pk=pk).delete()
        except DatabaseError:
            log.warning("progress: snapshot %s not pruned (results table busy)", pk)
            continue
        pruned += 1
    return pruned
