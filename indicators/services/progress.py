"""Computing and storing progress: a full recomputation and one indicator after an approval.

Both paths run the same three steps, so their answers agree by construction:
  1. read  — whole columns with a few SQL statements (the million approved values through
             COPY TO STDOUT, parsed by pandas' C reader), never object by object;
  2. rules — indicators.progress.evaluate() on those columns (the one implementation);
  3. write — COPY FROM STDIN into the snapshot's tables, then roll-ups per result node (with
             everything under it), framework and entity.

A full run writes a NEW snapshot and flips `is_current` in the same transaction that commits
its rows: a reader sees the old snapshot or the new one, never half of one; a run that dies
rolls back its rows, is marked failed, and the previous snapshot stays current. Running it
again is always safe.

An incremental run (after an approval or a reopening) updates the CURRENT snapshot in place,
inside one transaction that holds a row lock on it: it replaces the indicator's rows and
recomputes the roll-ups of the indicator's entity (so every ancestor node, its framework and
its entity) from the stored rows. Copy-on-write of a million rows per approval would cost
seconds; in-place under MVCC already gives readers all-or-nothing.

A full run that was computing while values were approved folds those indicators in (under
the same lock) just before it flips, so its snapshot never goes back in time. Changes of
baselines and targets are picked up by the nightly full run.

"As of a period" means: the latest approved value of the indicator in that period or an
earlier one (the rules' "latest approved value"), compared with its baseline and its end
target (the target marked "end", else the last year's); trend compares it with the approved
value before it. Periods that have not started by the snapshot's as-of date are left out.
"""

import io
import logging
import time
from datetime import timedelta

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from .. import progress
from ..choices import Rating, Status, ValueKind
from ..models import NodeRollup, ProgressResult, ProgressSnapshot, Value
from ..models.progress import RollupScope, SnapshotScope, SnapshotStatus
from ._copy import copy_in, copy_in_binary

log = logging.getLogger(__name__)

# Snapshots kept after a full run: the current one and the one before it.
KEEP_SNAPSHOTS = 2


# --- the one mapping from our choices to the rules' inputs -----------------------------------


def rating_status(rating, period_year, target_year):
    """The on-track status a reviewer's rating of a qualitative value stands for.

    The ratings are the rules' own statuses (indicators.choices.Rating): achieved, off_track
    and not_started stand as given; on_track holds while the target year has not passed and
    becomes off_track once the period is past it (the plan ended without the result).
    No rating → None (evaluate() then says not_started).
    """
    rating = pd.Series(rating, dtype=object).to_numpy()
    period_year = np.asarray(period_year, dtype=float)
    target_year = np.asarray(target_year, dtype=float)
    late = period_year > target_year  # NaN compares False: not known to be late
    on_track = np.where(late, "off_track", "on_track")
    return np.select(
        [
            rating == Rating.ACHIEVED,
            rating == Rating.ON_TRACK,
            rating == Rating.OFF_TRACK,
            rating == Rating.NOT_STARTED,
        ],
        ["achieved", on_track, "off_track", "not_started"],
        default=None,
    ).astype(object)


# --- step 1: read ---------------------------------------------------------------------------

_NUMBER = """CASE WHEN {t}.is_missing THEN NULL
    WHEN {t}.kind = 'yes_no' THEN {t}.bool_value::int::float8
    ELSE {t}.numeric_value::float8 END"""

_INDICATORS = f"""
SELECT i.id AS indicator_id, i.node_id, i.plan_id, pl.entity_id, i.value_kind AS kind,
       i.direction, i.method_in_development,
       b.id AS baseline_id, {_NUMBER.format(t="b")} AS baseline,
       EXTRACT(YEAR FROM b.period_end)::int AS baseline_year,
       t.id AS target_id, t.target, t.year AS target_year
FROM indicators_indicator i
JOIN indicators_plan pl ON pl.id = i.plan_id
LEFT JOIN indicators_baseline b ON b.indicator_id = i.id
LEFT JOIN LATERAL (
    SELECT tt.id, tt.year, {_NUMBER.format(t="tt")} AS target
    FROM indicators_target tt WHERE tt.indicator_id = i.id
    ORDER BY (tt.target_kind = 'end') DESC, tt.year DESC LIMIT 1
) t ON true
WHERE i.is_active {{where}}
ORDER BY i.id
"""

_PERIODS = """
SELECT id AS period_id, plan_id, start_date, EXTRACT(YEAR FROM end_date)::int AS period_year
FROM indicators_reportingperiod WHERE start_date <= '{as_of}' {where}
ORDER BY plan_id, start_date, id
"""

_VALUES = f"""
COPY (SELECT v.indicator_id, v.period_id, v.id AS value_id, v.is_missing,
             {_NUMBER.format(t="v")} AS actual, v.rating
      FROM indicators_value v JOIN indicators_indicator i ON i.id = v.indicator_id
      WHERE v.status = '{Status.APPROVED}' AND i.is_active {{where}})
TO STDOUT WITH (FORMAT csv, HEADER true)
"""

_PARTS = """
SELECT COALESCE(p.baseline_id, p.target_id, p.value_id) AS owner_id,
       CASE WHEN p.baseline_id IS NOT NULL THEN 'b' WHEN p.target_id IS NOT NULL THEN 't'
            ELSE 'v' END AS owner, p.code, p.numeric_value::float8 AS number
FROM indicators_part p
LEFT JOIN indicators_baseline b ON b.id = p.baseline_id
LEFT JOIN indicators_target t ON t.id = p.target_id
LEFT JOIN indicators_value v ON v.id = p.value_id
WHERE COALESCE(b.indicator_id, t.indicator_id, v.indicator_id) = ANY(%s)
"""


def _ids_sql(column, ids):
    if ids is None:
        return ""
    ids = [int(i) for i in ids] or [0]
    return f"AND {column} IN ({','.join(map(str, ids))})"


def _query_frame(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def _copy_frame(sql, dtypes):
    """COPY (query) TO STDOUT as CSV, parsed by pandas' C reader: whole columns, no row
    objects (about three times faster than fetching a million tuples)."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=dtypes, keep_default_na=False, na_values=[""])


def read_inputs(*, as_of, indicator_ids=None):
    """The columns the rules need, one row per (active indicator, started period)."""
    indicators = _query_frame(_INDICATORS.format(where=_ids_sql("i.id", indicator_ids)))
    plans = indicators["plan_id"].unique().tolist() if indicator_ids is not None else None
    periods = _query_frame(
        _PERIODS.format(as_of=as_of.isoformat(), where=_ids_sql("plan_id", plans))
    )
    values = _copy_frame(
        _VALUES.format(where=_ids_sql("v.indicator_id", indicator_ids)),
        {
            "indicator_id": "int64",
            "period_id": "int64",
            "value_id": "int64",
            "is_missing": str,
            "actual": "float64",
            "rating": object,
        },
    )
    if indicators.empty or periods.empty:
        return None
    rows = indicators.merge(periods, on="plan_id", how="inner")
    rows = rows.sort_values(["indicator_id", "start_date", "period_id"], kind="stable")
    rows = rows.reset_index(drop=True)
    rows = rows.merge(values, on=["indicator_id", "period_id"], how="left")
    return _carry_forward(rows), indicators


def _carry_forward(rows):
    """Each row takes the latest approved value at or before its period (and the approved
    value before that one as `previous`), within its indicator. Positions, not values, are
    carried, so a missing or qualitative value (no number) is carried as itself."""
    n = len(rows)
    indicator = rows["indicator_id"].to_numpy()
    has = rows["value_id"].notna().to_numpy()
    positions = np.arange(n)
    last = np.maximum.accumulate(np.where(has, positions, -1))
    same = (last >= 0) & (indicator[np.maximum(last, 0)] == indicator)
    last = np.where(same, last, -1)
    approved = np.flatnonzero(has)
    before = np.full(n, -1)
    if len(approved) > 1:
        earlier = approved[:-1]
        keep = indicator[earlier] == indicator[approved[1:]]
        before[approved[1:]] = np.where(keep, earlier, -1)
    prev = np.where(last >= 0, before[np.maximum(last, 0)], -1)

    def pick(column, where, fill):
        source = rows[column].to_numpy()
        taken = source[np.maximum(where, 0)]
        return np.where(where >= 0, taken, fill)

    out = rows.drop(columns=["value_id", "actual", "is_missing", "rating"])
    out["value_id"] = pd.array(pick("value_id", last, np.nan), dtype="Int64")
    out["actual"] = pick("actual", last, np.nan).astype(float)
    out["is_missing"] = pick("is_missing", last, "f") == "t"
    out["rating"] = pick("rating", last, None)
    out["previous_value_id"] = pd.array(pick("value_id", prev, np.nan), dtype="Int64")
    out["previous"] = pick("actual", prev, np.nan).astype(float)
    return out


# --- step 2: the rules ----------------------------------------------------------------------


def evaluate_rows(rows, indicators, *, as_of, tolerance=None):
    """evaluate() over the rows (values in parts per part, then the whole), as stored."""
    kind = rows["kind"].to_numpy(dtype=object).copy()
    kind[rows["is_missing"].to_numpy()] = "missing"
    target_year = rows["target_year"].to_numpy(dtype=float)
    period_year = rows["period_year"].to_numpy(dtype=float)
    inputs = pd.DataFrame(
        {
            "kind": kind,
            "direction": rows["direction"].to_numpy(dtype=object),
            "baseline": rows["baseline"].to_numpy(dtype=float),
            "target": rows["target"].to_numpy(dtype=float),
            "actual": rows["actual"].to_numpy(dtype=float),
            "previous": rows["previous"].to_numpy(dtype=float),
            "baseline_year": rows["baseline_year"].to_numpy(dtype=float),
            "target_year": target_year,
            "period_year": period_year,
            "as_of_year": float(as_of.year),
            "method_in_development": rows["method_in_development"].to_numpy(dtype=bool),
            "completion_date_in_future": target_year > as_of.year,
            "rating": rating_status(rows["rating"], period_year, target_year),
        }
    )
    result = progress.evaluate(inputs, tolerance=tolerance)
    out = rows[
        [
            "indicator_id", "period_id", "node_id", "plan_id", "entity_id", "period_year",
            "value_id", "previous_value_id", "baseline", "baseline_year", "target",
            "target_year", "actual", "previous",
        ]
    ].copy()  # fmt: skip
    for column in ("percent_of_way", "achieved", "compact_class", "on_track_status", "trend"):
        out[column] = result[column].to_numpy()
    parts = np.flatnonzero(kind == ValueKind.PARTS)
    if len(parts):
        _apply_parts(out, rows, parts, as_of=as_of, tolerance=tolerance)
    out["compact_class"] = out["compact_class"].astype(object)
    out["on_track_status"] = out["on_track_status"].astype(object)
    out["trend"] = out["trend"].astype(object).where(out["trend"].notna(), "")
    return out


_STATUS_RANK = {"not_started": 0, "achieved": 1, "on_track": 2, "off_track": 3}
_TREND_RANK = {"improving": 1, "stable": 2, "worsening": 3}


def _apply_parts(out, rows, positions, *, as_of, tolerance):
    """A value in parts: each part is classified like a number; the whole takes the worst
    class (and status, and trend) among parts with data, percent of the way of its laggard
    part, achieved only when every part is. Its baseline/target/actual numbers stay empty."""
    sub = rows.iloc[positions].assign(row=positions)
    owners = sub[["baseline_id", "target_id", "value_id", "previous_value_id"]]
    ids = sub["indicator_id"].unique().tolist()
    parts = _query_frame(_PARTS, [ids])
    if parts.empty:
        return
    pieces = {}
    for column, owner in (
        ("baseline_id", "b"), ("target_id", "t"), ("value_id", "v"), ("previous_value_id", "v"),
    ):  # fmt: skip
        mine = parts[parts["owner"] == owner][["owner_id", "code", "number"]]
        keyed = sub[["row"]].assign(owner_id=owners[column].astype("Int64").to_numpy())
        pieces[column] = keyed.merge(mine.astype({"owner_id": "Int64"}), on="owner_id")
    codes = pd.concat([p[["row", "code"]] for p in pieces.values()]).drop_duplicates()
    for column, name in (
        ("baseline_id", "baseline"), ("target_id", "target"), ("value_id", "actual"),
        ("previous_value_id", "previous"),
    ):  # fmt: skip
        codes = codes.merge(
            pieces[column][["row", "code", "number"]].rename(columns={"number": name}),
            on=["row", "code"],
            how="left",
        )
    per_part = sub.drop(columns=["baseline", "target", "actual", "previous"]).merge(codes, on="row")
    per_part["kind"] = "number"
    per_part["rating"] = None
    judged = evaluate_rows(per_part, None, as_of=as_of, tolerance=tolerance)
    judged["row"] = per_part["row"].to_numpy()
    whole_class = progress.parts_class(judged["row"], judged["compact_class"])
    grouped = judged.assign(
        status_rank=judged["on_track_status"].map(_STATUS_RANK),
        trend_rank=judged["trend"].map(_TREND_RANK),
    ).groupby("row")
    status = grouped["status_rank"].max().map({v: k for k, v in _STATUS_RANK.items()})
    trend = grouped["trend_rank"].max().map({v: k for k, v in _TREND_RANK.items()})
    index = whole_class.index.to_numpy()
    for column, series in (
        ("compact_class", whole_class),
        ("on_track_status", status),
        ("trend", trend),
        ("percent_of_way", grouped["percent_of_way"].min()),
        ("achieved", grouped["achieved"].all()),
    ):
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
        out.loc[index, column] = series.loc[index].to_numpy()
    for column in ("baseline", "target", "actual", "previous"):
        out.loc[index, column] = np.nan


# --- step 3: write --------------------------------------------------------------------------

RESULT_COLUMNS = [
    "snapshot_id", "indicator_id", "period_id", "node_id", "plan_id", "entity_id",
    "period_year", "value_id", "previous_value_id", "baseline", "baseline_year", "target",
    "target_year", "actual", "previous", "percent_of_way", "achieved", "compact_class",
    "on_track_status", "trend",
]  # fmt: skip
ROLLUP_COLUMNS = [
    "snapshot_id", "scope", "node_id", "plan_id", "entity_id", "year", "n", "progress",
    "no_progress", "other", "assessable", "achieved", "on_track", "off_track", "not_started",
    "share_progress_all", "share_progress_assessable",
]  # fmt: skip


# PostgreSQL binary COPY: the column types of ProgressResult, in RESULT_COLUMNS order.
RESULT_TYPES = {
    "snapshot_id": "int8", "indicator_id": "int8", "period_id": "int8", "node_id": "int8",
    "plan_id": "int8", "entity_id": "int8", "period_year": "int2", "value_id": "int8",
    "previous_value_id": "int8", "baseline": "float8", "baseline_year": "int2",
    "target": "float8", "target_year": "int2", "actual": "float8", "previous": "float8",
    "percent_of_way": "float8", "achieved": "bool", "compact_class": "text",
    "on_track_status": "text", "trend": "text",
}  # fmt: skip


def write_results(snapshot, results):
    if results.empty:
        return 0
    frame = results.assign(snapshot_id=snapshot.pk)
    frame["achieved"] = frame["achieved"].astype(bool)
    return copy_in_binary(ProgressResult._meta.db_table, frame, RESULT_TYPES)


def _nodes(entity_ids=None):
    where = _ids_sql("p.entity_id", entity_ids)
    return _query_frame(
        "SELECT n.id AS node_id, n.parent_id, n.plan_id, p.entity_id FROM indicators_node n "
        f"JOIN indicators_plan p ON p.id = n.plan_id WHERE true {where}"
    )


def _with_shares(table):
    table["assessable"] = table["progress"] + table["no_progress"]
    n, assessable = table["n"].to_numpy(), table["assessable"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share_progress_all"] = np.where(n > 0, table["progress"] / np.maximum(n, 1), None)
        table["share_progress_assessable"] = np.where(
            assessable > 0, table["progress"] / np.maximum(assessable, 1), None
        )
    return table


COUNTS = [
    "n", "progress", "no_progress", "other", "achieved", "on_track", "off_track", "not_started",
]  # fmt: skip


def rollups(results, nodes):
    """Roll-up rows for every node (its indicators and its descendants'), framework and
    entity, per year. An indicator counts once a year, with its status at the year's last
    period. `results` must be ordered by indicator, then period start.

    progress.rollup() counts once per (node, year) — a few thousand rows whatever the
    number of values — and those counts are summed up the tree (each node into itself and
    its ancestors), into frameworks and into entities."""
    latest = results.drop_duplicates(["indicator_id", "period_year"], keep="last")
    if latest.empty:
        return pd.DataFrame(columns=ROLLUP_COLUMNS)
    leaf = progress.rollup(latest, ["node_id", "period_year"]).reset_index()
    leaf = leaf.join(nodes.set_index("node_id")[["plan_id", "entity_id"]], on="node_id")
    parent = dict(zip(nodes["node_id"], nodes["parent_id"], strict=True))
    pairs = []
    for node in leaf["node_id"].unique():
        ancestor = node
        while ancestor is not None and not pd.isna(ancestor):
            pairs.append((node, int(ancestor)))
            ancestor = parent.get(ancestor)
    ancestry = pd.DataFrame(pairs, columns=["node_id", "ancestor_id"])
    up = leaf.merge(ancestry, on="node_id")
    by_node = up.groupby(["ancestor_id", "period_year", "plan_id", "entity_id"])[COUNTS].sum()
    by_node = by_node.reset_index().rename(columns={"ancestor_id": "node_id"})
    by_plan = leaf.groupby(["plan_id", "period_year", "entity_id"])[COUNTS].sum().reset_index()
    by_entity = leaf.groupby(["entity_id", "period_year"])[COUNTS].sum().reset_index()
    table = pd.concat(
        [
            by_node.assign(scope=RollupScope.NODE),
            by_plan.assign(scope=RollupScope.PLAN, node_id=None),
            by_entity.assign(scope=RollupScope.ENTITY, node_id=None, plan_id=None),
        ],
        ignore_index=True,
    ).rename(columns={"period_year": "year"})
    for column in ("node_id", "plan_id"):
        table[column] = table[column].astype("Int64")
    return _with_shares(table)


def write_rollups(snapshot, table):
    if table.empty:
        return 0
    return copy_in(NodeRollup._meta.db_table, ROLLUP_COLUMNS, table.assign(snapshot_id=snapshot.pk))


# --- the services ---------------------------------------------------------------------------


def compute(*, as_of, indicator_ids=None, tolerance=None):
    """Read and judge (no writing): the result rows, ordered by indicator and period."""
    read = read_inputs(as_of=as_of, indicator_ids=indicator_ids)
    if read is None:
        return pd.DataFrame(columns=[c for c in RESULT_COLUMNS if c != "snapshot_id"])
    rows, indicators = read
    return evaluate_rows(rows, indicators, as_of=as_of, tolerance=tolerance)


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


def _fold_in(snapshot, indicator_ids):
    """Replace the rows of `indicator_ids` in `snapshot` and the roll-ups of their entities."""
    entity_ids = list(
        _query_frame(
            "SELECT DISTINCT p.entity_id FROM indicators_indicator i "
            "JOIN indicators_plan p ON p.id = i.plan_id WHERE i.id = ANY(%s)",
            [list(indicator_ids)],
        ).get("entity_id", pd.Series(dtype="int64"))
    )
    results = compute(as_of=snapshot.as_of, indicator_ids=indicator_ids)
    ProgressResult.objects.filter(snapshot=snapshot, indicator_id__in=indicator_ids).delete()
    write_results(snapshot, results)
    stored = _query_frame(
        "SELECT r.indicator_id, r.node_id, r.plan_id, r.entity_id, r.period_year, "
        "r.compact_class, r.on_track_status FROM progress_stored r "
        "JOIN indicators_reportingperiod p ON p.id = r.period_id "
        "WHERE r.snapshot_id = %s AND r.entity_id = ANY(%s) "
        "ORDER BY r.indicator_id, p.start_date, p.id".replace(
            "progress_stored", ProgressResult._meta.db_table
        ),
        [snapshot.pk, entity_ids],
    )
    NodeRollup.objects.filter(snapshot=snapshot, entity_id__in=entity_ids).delete()
    if not stored.empty:
        write_rollups(snapshot, rollups(stored, _nodes(entity_ids)))
    snapshot.updated_at = timezone.now()
    snapshot.result_count = ProgressResult.objects.filter(snapshot=snapshot).count()
    snapshot.save(update_fields=["updated_at", "result_count"])


def progress_compute_full(*, actor=None, as_of=None, tolerance=None):
    """Recompute progress for every active indicator and period into a new snapshot, and make
    it current atomically. A failure marks the snapshot failed (its rows roll back) and
    re-raises; the previous snapshot stays current. Safe to run again at any time."""
    as_of = as_of or timezone.localdate()
    snapshot = ProgressSnapshot.objects.create(
        scope=SnapshotScope.FULL,
        as_of=as_of,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            # Derived data: if the server crashed right after this commit, the snapshot would
            # be lost and the previous one would stay current (the nightly run redoes it), so
            # the commit need not wait for the WAL flush of a million rows.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            started = time.perf_counter()
            results = compute(as_of=as_of, tolerance=tolerance)
            computed = time.perf_counter()
            count = write_results(snapshot, results)
            written = time.perf_counter()
            write_rollups(snapshot, rollups(results, _nodes()))
            log.info(
                "progress: %s results read and judged in %.2f s, written in %.2f s, "
                "rolled up in %.2f s",
                len(results), computed - started, written - computed,
                time.perf_counter() - written,
            )  # fmt: skip
            _lock_current()
            changed = set(
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
    except Exception as exc:
        ProgressSnapshot.objects.filter(pk=snapshot.pk).update(
            status=SnapshotStatus.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
        )
        log.exception("progress: full computation %s failed", snapshot.pk)
        raise
    return snapshot


def progress_compute_indicator(*, indicator_id, actor=None):
    """Fold one indicator's current state into the current snapshot (after an approval or a
    reopening): its rows and its entity's roll-ups, in one transaction. Without a current
    snapshot, a full computation. Safe to run twice."""
    with transaction.atomic():
        snapshot = _lock_current()
        if snapshot is not None:
            _fold_in(snapshot, [indicator_id])
            return snapshot
    return progress_compute_full(actor=actor)


def progress_prune(*, keep=KEEP_SNAPSHOTS):
    """Delete all but the newest `keep` complete snapshots (the current one always stays) and
    every failed or abandoned one. Rows go with one DELETE per table, not object by object."""
    current = ProgressSnapshot.objects.filter(is_current=True).values_list("pk", flat=True)
    kept = set(current) | set(
        ProgressSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).values_list(
            "pk", flat=True
        )[:keep]
    )
    running_since = timezone.now() - timedelta(hours=6)
    doomed = list(
        ProgressSnapshot.objects.exclude(pk__in=kept)
        .exclude(status=SnapshotStatus.RUNNING, created_at__gte=running_since)
        .values_list("pk", flat=True)
    )
    if doomed:
        with transaction.atomic():
            ProgressResult.objects.filter(snapshot_id__in=doomed)._raw_delete(connection.alias)
            NodeRollup.objects.filter(snapshot_id__in=doomed)._raw_delete(connection.alias)
            ProgressSnapshot.objects.filter(pk__in=doomed).delete()
    return len(doomed)
