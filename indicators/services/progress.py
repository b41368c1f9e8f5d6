"""Computing and storing progress: a full recomputation and one indicator after an approval.

Both paths run the same three steps, so their answers agree by construction:
  1. read  — whole columns with binary COPY statements (indicators, their baselines and
             targets, periods, approved values), parsed by numpy in one step each; the
             indicator × period grid and the "latest approved value" are index arithmetic on
             those columns, never object by object and without joins in pandas;
  2. rules — indicators.progress.evaluate() on those columns (the one implementation);
  3. write — binary COPY into the snapshot's rows (and, once per indicator, its frame:
             node, entity, baseline and target), then roll-ups per result node (with
             everything under it), framework and entity.

Result rows live in a table partitioned by snapshot (migration 0003). A full run works on two
connections, so that PostgreSQL works on both cores: its own reads the approved values range
of indicators after range, and judges each range in batches, while a writer connection
(_ResultsWriter) stores the rows of the range before into a plain table of the snapshot's, with
no index; the writer then builds the one index in a single sort (while the run writes the
frames and sums the roll-ups) and commits the table, which no reader can see: the results
table does not have it. The run attaches it and flips `is_current` in its own transaction: a
reader sees the old snapshot or the new one, never half of one; a run that dies rolls back,
drops the writer's table, is marked failed, and the previous snapshot stays current (a table
left by a crash goes with its snapshot at the next prune). Pruning drops whole partitions.
Running it again is always safe.

An incremental run (after an approval or a reopening, or a change of the indicator, its
baseline or a target) updates the CURRENT snapshot in place,
inside one transaction that holds a row lock on it: it replaces the indicator's rows and
recomputes the roll-ups of the indicator's entity (so every ancestor node, its framework and
its entity) from the stored rows. Copy-on-write of a million rows per approval would cost
seconds; in-place under MVCC already gives readers all-or-nothing.

A full run that was computing while values were approved folds those indicators in (under
the same lock) just before it flips, so its snapshot never goes back in time.

"As of a period" means: the latest approved value of the indicator in that period or an
earlier one (the rules' "latest approved value"), compared with its baseline and its end
target (the target marked "end", else the last year's); trend compares it with the approved
value before it. Periods that have not started by the snapshot's as-of date are left out.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np
import pandas as pd
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from .. import progress
from ..choices import Rating, Status, TargetKind
from ..models import NodeRollup, ProgressFrame, ProgressResult, ProgressSnapshot, Value
from ..models.progress import RollupScope, SnapshotScope, SnapshotStatus
from ._copy import (
    BINARY_HEADER,
    BINARY_TRAILER,
    binary_rows,
    copy_in_binary,
    copy_out_fixed,
)

log = logging.getLogger(__name__)

# Snapshots kept after a full run: the current one and the one before it.
KEEP_SNAPSHOTS = 2
# Rows judged and sent per batch of a full run (PostgreSQL stores one while the next is judged).
BATCH_ROWS = 100_000
# Ranges of indicators a full run reads one after the other (each read overlaps the storing of
# the range before, on the writer's connection).
READ_RANGES = 4

_KIND = {k: i for i, k in enumerate(progress.KINDS)}
_STATUS = {s: i for i, s in enumerate(progress.STATUSES)}
_RATINGS = list(Rating.values)  # stored rating -> its code in this list (-1: none)


# --- the one mapping from our choices to the rules' inputs -----------------------------------


def _rating_status_codes(rating, period_year, target_year):
    """rating_status() on codes (indices into _RATINGS in, into progress.STATUSES out)."""
    rating = np.asarray(rating)
    late = np.asarray(period_year, dtype=float) > np.asarray(target_year, dtype=float)
    as_status = np.array([_STATUS[r] for r in _RATINGS] + [-1], dtype=np.int8)[rating]
    on_track = rating == _RATINGS.index(Rating.ON_TRACK)
    return np.where(on_track & late, _STATUS["off_track"], as_status).astype(np.int8)


def rating_status(rating, period_year, target_year):
    """The on-track status a reviewer's rating of a qualitative value stands for.

    The ratings are the rules' own statuses (indicators.choices.Rating): achieved, off_track
    and not_started stand as given; on_track holds while the target year has not passed and
    becomes off_track once the period is past it (the plan ended without the result).
    No rating → None (evaluate() then says not_started). NaN years: not known to be late.
    """
    labels = pd.Series(rating, dtype=object).fillna("").to_numpy()
    codes = pd.Index(_RATINGS).get_indexer(labels)
    status = _rating_status_codes(codes, period_year, target_year)
    return np.array([*progress.STATUSES, None], dtype=object)[status]


# --- step 1: read ---------------------------------------------------------------------------

_NUMBER = """CASE WHEN {t}.is_missing THEN NULL
    WHEN {t}.kind = 'yes_no' THEN {t}.bool_value::int::float8
    ELSE {t}.numeric_value::float8 END"""


def _code_sql(column, labels, missing):
    """The position of `column` in `labels` (our own constants), `missing` when not there."""
    array = ", ".join(f"'{label}'" for label in labels)
    return f"COALESCE(array_position(ARRAY[{array}]::text[], {column}::text) - 1, {missing})::int2"


# The indicators, their baselines and their targets are read as three plain scans and
# matched in numpy (a join with a DISTINCT ON over the targets costs PostgreSQL twice as much).
_INDICATORS = f"""
SELECT i.id, i.node_id, i.plan_id,
       {_code_sql("i.value_kind", progress.KINDS, -1)},
       {_code_sql("i.direction", progress.DIRECTIONS, -1)},
       i.method_in_development
FROM indicators_indicator i WHERE i.is_active {{where}}
"""
_INDICATOR_COLUMNS = [
    ("indicator_id", "int8"), ("node_id", "int8"), ("plan_id", "int8"), ("kind", "int2"),
    ("direction", "int2"), ("method_in_development", "bool"),
]  # fmt: skip
_PLANS = "SELECT id, entity_id FROM indicators_plan"
_PLAN_COLUMNS = [("plan_id", "int8"), ("entity_id", "int8")]
_BASELINES = f"""
SELECT b.indicator_id, b.id, COALESCE({_NUMBER.format(t="b")}, 'NaN'),
       EXTRACT(YEAR FROM b.period_end)::int4
FROM indicators_baseline b WHERE true {{where}}
"""
_BASELINE_COLUMNS = [
    ("indicator_id", "int8"), ("baseline_id", "int8"), ("baseline", "float8"),
    ("baseline_year", "int4"),
]  # fmt: skip
_TARGETS = f"""
SELECT t.indicator_id, t.id, COALESCE({_NUMBER.format(t="t")}, 'NaN'), t.year::int4,
       t.target_kind = '{TargetKind.END}'
FROM indicators_target t WHERE true {{where}}
"""
_TARGET_COLUMNS = [
    ("indicator_id", "int8"), ("target_id", "int8"), ("target", "float8"),
    ("target_year", "int4"), ("is_end", "bool"),
]  # fmt: skip


def _read_indicators(indicator_ids):
    """Active indicators ordered by id, each with its entity, its baseline (id 0,
    NaN and year -1 when it has none) and its end target — the target marked "end", else
    the last year's (same fill when it has none)."""
    ind = copy_out_fixed(
        _INDICATORS.format(where=_ids_sql("i.id", indicator_ids)), _INDICATOR_COLUMNS
    )
    for name, labels in (("kind", progress.KINDS), ("direction", progress.DIRECTIONS)):
        if (ind[name] < 0).any():
            raise ValueError(f"an indicator has a {name} the rules do not know ({labels})")
    order = np.argsort(ind["indicator_id"], kind="stable")
    ind = {k: v[order] for k, v in ind.items()}
    plans = copy_out_fixed(_PLANS, _PLAN_COLUMNS)
    at, _found = _lookup(plans["plan_id"], ind["plan_id"])  # every indicator has its plan
    ind["entity_id"] = plans["entity_id"][at]
    baselines = copy_out_fixed(
        _BASELINES.format(where=_ids_sql("b.indicator_id", indicator_ids)), _BASELINE_COLUMNS
    )
    targets = copy_out_fixed(
        _TARGETS.format(where=_ids_sql("t.indicator_id", indicator_ids)), _TARGET_COLUMNS
    )
    # One target per indicator: sorted by indicator, then end last, then year.
    order = np.lexsort((targets["target_year"], targets["is_end"], targets["indicator_id"]))
    owner = targets["indicator_id"][order]
    chosen = order[np.r_[owner[1:] != owner[:-1], True]] if len(owner) else order
    targets = {k: v[chosen] for k, v in targets.items()}
    for found_in, fills in (
        (baselines, {"baseline_id": 0, "baseline": np.nan, "baseline_year": -1}),
        (targets, {"target_id": 0, "target": np.nan, "target_year": -1}),
    ):
        at, found = _lookup(found_in["indicator_id"], ind["indicator_id"])
        for name, fill in fills.items():
            column = found_in[name]
            ind[name] = (
                np.where(found, column[at], fill)
                if len(column)
                else np.full(len(found), fill, dtype=column.dtype)
            )
    return ind


_VALUES = f"""
SELECT v.indicator_id, v.period_id, v.id, v.is_missing,
       COALESCE({_NUMBER.format(t="v")}, 'NaN'),
       {_code_sql("NULLIF(v.rating, '')", _RATINGS, -1)}
FROM indicators_value v
WHERE v.status = '{Status.APPROVED}' {{where}}
"""
_VALUE_COLUMNS = [
    ("indicator_id", "int8"), ("period_id", "int8"), ("value_id", "int8"),
    ("is_missing", "bool"), ("actual", "float8"), ("rating", "int2"),
]  # fmt: skip

_PERIODS = """
SELECT id, plan_id, EXTRACT(YEAR FROM end_date)::int4
FROM indicators_reportingperiod WHERE start_date <= %s {where}
ORDER BY plan_id, start_date, id
"""
_PERIOD_COLUMNS = [("period_id", "int8"), ("plan_id", "int8"), ("period_year", "int4")]

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


def _lookup(keys, wanted):
    """Positions of `wanted` in `keys` (any order) and whether each was found."""
    order = np.argsort(keys, kind="stable")
    at = np.searchsorted(keys[order], wanted)
    at = np.minimum(at, max(len(keys) - 1, 0))
    if not len(keys):
        return at, np.zeros(len(wanted), dtype=bool)
    return order[at], keys[order[at]] == wanted


class Frame:
    """What the rows of a run share: the active indicators (by id, with baseline and end
    target) and the started periods of their plans (by plan and start)."""

    def __init__(self, *, as_of, indicator_ids=None):
        self.indicator_ids = indicator_ids
        self.indicators = ind = _read_indicators(indicator_ids)
        plans = np.unique(ind["plan_id"]).tolist() if indicator_ids is not None else None
        self.periods = per = copy_out_fixed(
            _PERIODS.format(where=_ids_sql("plan_id", plans)), _PERIOD_COLUMNS, [as_of]
        )
        self.first = np.searchsorted(per["plan_id"], ind["plan_id"], "left")
        self.counts = np.searchsorted(per["plan_id"], ind["plan_id"], "right") - self.first

    def id_ranges(self, parts):
        """About `parts` ranges of indicator ids (lo, hi inclusive) with about as many rows
        each, together covering every indicator (one empty range when there is none, so that
        a run without indicators still goes through the same steps)."""
        ids = self.indicators["indicator_id"]
        if not len(ids):
            return [(0, 0)]
        ends = np.cumsum(self.counts)
        cuts = np.searchsorted(ends, np.linspace(0, ends[-1], parts + 1)[1:-1], "right")
        cuts = np.unique(np.r_[0, cuts[cuts < len(ids)], len(ids)])
        return [(int(ids[a]), int(ids[b - 1])) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]

    def select(self, id_range=None):
        """The indicators with ids in `id_range` (lo, hi inclusive; None: all of them), and
        their period positions."""
        keep = slice(None)
        if id_range is not None:
            lo, hi = id_range
            keep = slice(*np.searchsorted(self.indicators["indicator_id"], [lo, hi + 1]))
        return (
            {k: v[keep] for k, v in self.indicators.items()},
            self.first[keep],
            self.counts[keep],
        )


class Inputs:
    """The columns the rules need, one row per (active indicator, started period), ordered by
    indicator and period start; each row carries the latest approved value at or before its
    period and the approved value before that one. `frame` and `id_range` (lo, hi) read the
    rows of one range of indicator ids of a frame read before (a full run reads range after
    range while PostgreSQL stores the previous one)."""

    def __init__(self, *, as_of, indicator_ids=None, frame=None, id_range=None):
        if frame is None:
            frame = Frame(as_of=as_of, indicator_ids=indicator_ids)
        where = _ids_sql("v.indicator_id", frame.indicator_ids)
        if id_range is not None:
            where += f" AND v.indicator_id BETWEEN {int(id_range[0])} AND {int(id_range[1])}"
        ind, first, counts = frame.select(id_range)
        self.indicators = ind
        per = frame.periods
        values = copy_out_fixed(_VALUES.format(where=where), _VALUE_COLUMNS)
        # The grid: each indicator repeated over its plan's started periods (in start order).
        self.n = n = int(counts.sum())
        which = np.repeat(np.arange(len(counts)), counts)  # indicator position of each row
        starts = np.cumsum(counts) - counts
        period_pos = first[which] + (np.arange(n) - starts[which])
        # Each approved value in its row (values of periods not started, or of inactive
        # indicators, have none and are left out).
        ipos, found = _lookup(ind["indicator_id"], values["indicator_id"])
        ppos, pfound = _lookup(per["period_id"], values["period_id"])
        ok = found & pfound
        ok[ok] = per["plan_id"][ppos[ok]] == ind["plan_id"][ipos[ok]]
        value_at = np.full(n, -1)
        value_at[starts[ipos[ok]] + (ppos[ok] - first[ipos[ok]])] = np.flatnonzero(ok)
        last, previous = _carry_forward(which, value_at >= 0)
        self.which, self.period_pos, self.periods, self.values = which, period_pos, per, values
        self.latest = np.where(last >= 0, value_at[np.maximum(last, 0)], -1)
        self.before = np.where(previous >= 0, value_at[np.maximum(previous, 0)], -1)
        self.indicator_starts = starts[counts > 0]
        # Parts of every indicator in parts (a superset of the rows that need them: a missing
        # value has none), read before the results are written.
        in_parts = ind["indicator_id"][ind["kind"] == _KIND["parts"]]
        self.parts = _query_frame(_PARTS, [in_parts.tolist()]) if len(in_parts) else None

    def batches(self, size):
        """(start, stop) row ranges of about `size` rows, cut between indicators."""
        if not self.n:
            return []
        starts = self.indicator_starts
        cuts = np.unique(np.r_[starts[np.searchsorted(starts, range(0, self.n, size))], self.n])
        return list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True))

    def batch(self, start, stop):
        """The row columns of rows [start, stop), built on demand (a full run builds each
        batch while PostgreSQL stores the previous one)."""
        ind, per, values = self.indicators, self.periods, self.values
        which = self.which[start:stop]
        period_pos = self.period_pos[start:stop]
        latest, before = self.latest[start:stop], self.before[start:stop]

        def pick(column, at, fill):
            if not len(values[column]):  # no approved value at all
                return np.full(len(at), fill, dtype=values[column].dtype)
            return np.where(at >= 0, values[column][np.maximum(at, 0)], fill)

        def years(column):
            raw = column[which]
            return np.where(raw < 0, np.nan, raw).astype(float)

        is_missing = pick("is_missing", latest, False).astype(bool)
        return {
            "indicator_id": ind["indicator_id"][which],
            "period_id": per["period_id"][period_pos],
            "node_id": ind["node_id"][which],
            "plan_id": ind["plan_id"][which],
            "entity_id": ind["entity_id"][which],
            "period_year": per["period_year"][period_pos],
            "kind": np.where(is_missing, _KIND["missing"], ind["kind"][which]).astype(np.int8),
            "direction": ind["direction"][which],
            "method_in_development": ind["method_in_development"][which],
            "baseline_id": ind["baseline_id"][which],
            "baseline": ind["baseline"][which],
            "baseline_year": years(ind["baseline_year"]),
            "target_id": ind["target_id"][which],
            "target": ind["target"][which],
            "target_year": years(ind["target_year"]),
            "value_id": pick("value_id", latest, 0),
            "actual": pick("actual", latest, np.nan),
            "rating": pick("rating", latest, -1),
            "previous_value_id": pick("value_id", before, 0),
            "previous": pick("actual", before, np.nan),
        }


def _carry_forward(which, has):
    """Row positions of the latest approved value at or before each row, and of the approved
    value before that one, within each indicator (-1: none). Positions, not values, are
    carried, so a missing or qualitative value (no number) is carried as itself."""
    n = len(which)
    positions = np.arange(n)
    last = np.maximum.accumulate(np.where(has, positions, -1)) if n else positions
    same = (last >= 0) & (which[np.maximum(last, 0)] == which)
    last = np.where(same, last, -1)
    approved = np.flatnonzero(has)
    before = np.full(n, -1)
    if len(approved) > 1:
        earlier = approved[:-1]
        keep = which[earlier] == which[approved[1:]]
        before[approved[1:]] = np.where(keep, earlier, -1)
    return last, np.where(last >= 0, before[np.maximum(last, 0)], -1)


# --- step 2: the rules ----------------------------------------------------------------------


def _judge(rows, *, as_of, tolerance):
    """evaluate() over row columns: percent, achieved and the codes of class, status, trend."""
    target_year, period_year = rows["target_year"], rows["period_year"]
    result = progress.evaluate(
        {
            "kind": pd.Categorical.from_codes(rows["kind"], progress.KINDS),
            "direction": pd.Categorical.from_codes(rows["direction"], progress.DIRECTIONS),
            "baseline": rows["baseline"],
            "target": rows["target"],
            "actual": rows["actual"],
            "previous": rows["previous"],
            "baseline_year": rows["baseline_year"],
            "target_year": target_year,
            "period_year": period_year.astype(float),
            "as_of_year": float(as_of.year),
            "method_in_development": rows["method_in_development"],
            "completion_date_in_future": target_year > as_of.year,
            "rating": pd.Categorical.from_codes(
                _rating_status_codes(rows["rating"], period_year, target_year), progress.STATUSES
            ),
        },
        tolerance=tolerance,
    )
    return {
        "percent_of_way": result["percent_of_way"].to_numpy(),
        "achieved": result["achieved"].to_numpy(),
        "compact_class": result["compact_class"].cat.codes.to_numpy(),
        "on_track_status": result["on_track_status"].cat.codes.to_numpy(),
        "trend": result["trend"].cat.codes.to_numpy(),
    }


_CLASS_RANK = np.array([1, 2, 0])  # per class code: other 0 < progress 1 < no_progress 2
_STATUS_RANK = np.array([1, 2, 3, 0])  # achieved, on_track, off_track, not_started


def _judge_parts(rows, judged, positions, parts, *, as_of, tolerance):
    """A value in parts: each part is classified like a number; the whole takes the worst
    class (and status, and trend) among parts with data, percent of the way of its laggard
    part, achieved only when every part is. Its baseline/target/actual numbers stay empty."""
    if parts is None or parts.empty:
        return
    sub = pd.DataFrame(
        {
            "row": positions,
            **{
                name: rows[name][positions]
                for name in ("baseline_id", "target_id", "value_id", "previous_value_id")
            },
        }
    )
    numbers = None
    for column, owner, name in (
        ("baseline_id", "b", "baseline"), ("target_id", "t", "target"),
        ("value_id", "v", "actual"), ("previous_value_id", "v", "previous"),
    ):  # fmt: skip
        mine = parts[parts["owner"] == owner][["owner_id", "code", "number"]]
        piece = sub[["row", column]].merge(mine, left_on=column, right_on="owner_id")
        piece = piece[["row", "code", "number"]].rename(columns={"number": name})
        numbers = (
            piece if numbers is None else numbers.merge(piece, on=["row", "code"], how="outer")
        )
    if numbers is None or numbers.empty:
        return
    for name in ("baseline", "target", "actual", "previous"):
        if name not in numbers:
            numbers[name] = np.nan
    at = numbers["row"].to_numpy()
    per_part = {name: column[at] for name, column in rows.items()}
    per_part.update({n: numbers[n].to_numpy(dtype=float) for n in ("baseline", "target")})
    per_part.update({n: numbers[n].to_numpy(dtype=float) for n in ("actual", "previous")})
    per_part["kind"] = np.full(len(at), _KIND["number"], dtype=np.int8)
    per_part["rating"] = np.full(len(at), -1)
    part = _judge(per_part, as_of=as_of, tolerance=tolerance)
    grouped = pd.DataFrame(
        {
            "row": at,
            "class_rank": _CLASS_RANK[part["compact_class"]],
            "status_rank": _STATUS_RANK[part["on_track_status"]],
            "trend": np.where(part["trend"] < 0, -1, part["trend"]),
            "percent_of_way": part["percent_of_way"],
            "achieved": part["achieved"],
        }
    ).groupby("row")
    worst = grouped.agg(
        class_rank=("class_rank", "max"),
        status_rank=("status_rank", "max"),
        trend=("trend", "max"),
        percent_of_way=("percent_of_way", "min"),
        achieved=("achieved", "all"),
    )
    index = worst.index.to_numpy()
    judged["compact_class"][index] = np.argsort(_CLASS_RANK)[worst["class_rank"].to_numpy()]
    judged["on_track_status"][index] = np.argsort(_STATUS_RANK)[worst["status_rank"].to_numpy()]
    judged["trend"][index] = worst["trend"].to_numpy()
    judged["percent_of_way"][index] = worst["percent_of_way"].to_numpy()
    judged["achieved"][index] = worst["achieved"].to_numpy()
    for name in ("baseline", "target", "actual", "previous"):
        rows[name] = rows[name].copy()
        rows[name][index] = np.nan


def judge_batch(inputs, start, stop, *, as_of, tolerance=None):
    """Rows [start, stop) of `inputs`, judged: the row columns plus the rules' answers."""
    rows = inputs.batch(start, stop)
    judged = _judge(rows, as_of=as_of, tolerance=tolerance)
    parts = np.flatnonzero(rows["kind"] == _KIND["parts"])
    if len(parts):
        judged = {k: v.copy() for k, v in judged.items()}
        _judge_parts(rows, judged, parts, inputs.parts, as_of=as_of, tolerance=tolerance)
    return rows, judged


# --- step 3: write --------------------------------------------------------------------------

# PostgreSQL binary COPY: the column types of NodeRollup.
ROLLUP_TYPES = {
    "snapshot_id": "int8", "scope": "text", "node_id": "int8", "plan_id": "int8",
    "entity_id": "int8", "year": "int2", "n": "int4", "progress": "int4", "no_progress": "int4",
    "other": "int4", "assessable": "int4", "achieved": "int4", "on_track": "int4",
    "off_track": "int4", "not_started": "int4", "share_progress_all": "float8",
    "share_progress_assessable": "float8",
}  # fmt: skip
ROLLUP_COLUMNS = list(ROLLUP_TYPES)

# PostgreSQL binary COPY: the column types of ProgressResult.
RESULT_TYPES = {
    "snapshot_id": "int8", "plan_id": "int8", "indicator_id": "int8", "period_id": "int8",
    "period_year": "int2", "value_id": "int8", "previous_value_id": "int8", "actual": "float8",
    "previous": "float8", "percent_of_way": "float8", "achieved": "bool",
    "compact_class": "text", "on_track_status": "text", "trend": "text",
}  # fmt: skip
# ... and of ProgressFrame (one row per indicator).
FRAME_TYPES = {
    "snapshot_id": "int8", "indicator_id": "int8", "node_id": "int8", "plan_id": "int8",
    "entity_id": "int8", "baseline": "float8", "baseline_year": "int2", "target": "float8",
    "target_year": "int2",
}  # fmt: skip


def _result_columns(snapshot_id, rows, judged):
    """One batch in the shape binary_rows() writes (value ids 0 are NULL)."""
    return {
        "snapshot_id": np.full(len(rows["indicator_id"]), snapshot_id, dtype=np.int64),
        **{k: rows[k] for k in ("plan_id", "indicator_id", "period_id", "period_year")},
        "value_id": (rows["value_id"], rows["value_id"] == 0),
        "previous_value_id": (rows["previous_value_id"], rows["previous_value_id"] == 0),
        "actual": rows["actual"],
        "previous": rows["previous"],
        "percent_of_way": judged["percent_of_way"],
        "achieved": judged["achieved"],
        "compact_class": pd.Categorical.from_codes(judged["compact_class"], progress.CLASSES),
        "on_track_status": pd.Categorical.from_codes(judged["on_track_status"], progress.STATUSES),
        "trend": pd.Categorical.from_codes(judged["trend"], progress.TRENDS),
    }


def write_frames(snapshot, read, table=ProgressFrame._meta.db_table):
    """One ProgressFrame per indicator of `read` (a Frame or Inputs; years -1 are NULL)."""
    ind = read.indicators
    columns = {
        "snapshot_id": np.full(len(ind["indicator_id"]), snapshot.pk, dtype=np.int64),
        **{k: ind[k] for k in ("indicator_id", "node_id", "plan_id", "entity_id")},
        "baseline": ind["baseline"],
        "baseline_year": (ind["baseline_year"], ind["baseline_year"] < 0),
        "target": ind["target"],
        "target_year": (ind["target_year"], ind["target_year"] < 0),
    }
    return copy_in_binary(table, columns, FRAME_TYPES)


def _stream_results(copy, snapshot, inputs, *, as_of, tolerance):
    """Judge the rows batch by batch into an open binary COPY, between its header and its
    trailer (PostgreSQL stores one batch while the next is judged); returns the leaf counts
    of the roll-ups, counted batch by batch (batches end between indicators)."""
    leaves = []
    for start, stop in inputs.batches(BATCH_ROWS):
        rows, judged = judge_batch(inputs, start, stop, as_of=as_of, tolerance=tolerance)
        for block in binary_rows(_result_columns(snapshot.pk, rows, judged), RESULT_TYPES):
            copy.write(block)
        classes = pd.Categorical.from_codes(judged["compact_class"], progress.CLASSES)
        statuses = pd.Categorical.from_codes(judged["on_track_status"], progress.STATUSES)
        leaves.append(
            leaf_counts(
                pd.DataFrame(
                    {
                        "indicator_id": rows["indicator_id"],
                        "node_id": rows["node_id"],
                        "period_year": rows["period_year"],
                        "compact_class": classes,
                        "on_track_status": statuses,
                    }
                )
            )
        )
    return pd.concat(leaves, ignore_index=True) if leaves else leaf_counts(pd.DataFrame())


def _copy_sql(table):
    return f"COPY {table} ({', '.join(RESULT_TYPES)}) FROM STDIN WITH (FORMAT binary)"


class _ResultsWriter:
    """The results partition of a full run, written on a connection of its own.

    The run's own connection reads the approved values range after range while this one's
    server process stores the rows of the range before (PostgreSQL works on two cores), then
    builds the partition's index while the run writes the frames and sums the roll-ups. The
    partition is committed here as a plain table that no reader can see — the results table
    does not have it yet — and the run attaches it in its own transaction, with the switch;
    a run that fails drops it (and progress_prune() drops any left by a crash).

    The table is created by the statement the run's connection wrote (_create_sql), which
    never refers to the results table: this connection never waits for a lock on it that the
    run's own transaction may hold."""

    def __init__(self, snapshot_id, create_sql):
        self.snapshot_id = snapshot_id
        self.table = partition_name(_RESULTS, snapshot_id)
        # The run's connection's error translation (this may finish in another thread, where
        # `connection` is another one): psycopg's errors reach the caller as Django's.
        self._errors = connection.wrap_database_errors
        self._copying = None
        self.conn = connection.get_new_connection(connection.get_connection_params())
        try:
            with self._errors:
                self.conn.execute("SET synchronous_commit TO OFF")
                self.conn.execute("SET maintenance_work_mem TO '256MB'")
                self.conn.execute(f"DROP TABLE IF EXISTS {self.table}")
                self.conn.execute(create_sql)
                cursor = self.conn.cursor()
                copying = cursor.copy(_copy_sql(self.table), writer=QueuedLibpqWriter(cursor))
                self.copy = copying.__enter__()
                self._copying = copying
                self.copy.write(BINARY_HEADER)
        except BaseException:
            self.close()
            raise

    def finish(self):
        """End the COPY, build the index (in one sort) and commit the table."""
        with self._errors:
            self.copy.write(BINARY_TRAILER)
            copying, self._copying = self._copying, None
            copying.__exit__(None, None, None)
            self.conn.execute(_index_sql(_RESULTS, self.snapshot_id))
            self.conn.commit()

    def close(self):
        """Close the connection (again: no-op); a COPY still open is abandoned, and what was
        not committed rolls back."""
        if self.conn.closed:
            return
        try:
            if self._copying is not None:
                copying, self._copying = self._copying, None
                abandoned = RuntimeError("progress: full run abandoned")
                copying.__exit__(RuntimeError, abandoned, None)
        except Exception:  # the connection is closed below whatever state the COPY is in
            log.debug("progress: abandoning the writer's COPY", exc_info=True)
        finally:
            self.conn.close()


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
        # NaN: no indicator (or none assessable) — stored as NULL
        table["share_progress_all"] = np.where(n > 0, table["progress"] / n, np.nan)
        table["share_progress_assessable"] = np.where(
            assessable > 0, table["progress"] / assessable, np.nan
        )
    return table


COUNTS = [
    "n", "progress", "no_progress", "other", "achieved", "on_track", "off_track", "not_started",
]  # fmt: skip


def leaf_counts(results):
    """Counts per (node, year) of the indicators directly on each node: an indicator counts
    once a year, with its status at the year's last period. `results` must be ordered by
    indicator, then period start (rows of one indicator together)."""
    indicator = np.asarray(results["indicator_id"]) if len(results) else np.array([])
    year = np.asarray(results["period_year"]) if len(results) else np.array([])
    if not len(indicator):
        return pd.DataFrame(columns=["node_id", "period_year", *COUNTS])
    last = np.r_[(indicator[1:] != indicator[:-1]) | (year[1:] != year[:-1]), True]
    return progress.rollup(results[last], ["node_id", "period_year"]).reset_index()


def rollups(leaf, nodes):
    """Roll-up rows for every node (its indicators and its descendants'), framework and
    entity, per year, from leaf_counts() (of one or several batches of rows).

    progress.rollup() counted once per (node, year) — a few thousand rows whatever the
    number of values — and those counts are summed up the tree (each node into itself and
    its ancestors), into frameworks and into entities."""
    if leaf.empty:
        return pd.DataFrame(columns=ROLLUP_COLUMNS)
    leaf = leaf.groupby(["node_id", "period_year"])[COUNTS].sum().reset_index()
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
    table = table.assign(snapshot_id=snapshot.pk)
    return copy_in_binary(NodeRollup._meta.db_table, table, ROLLUP_TYPES)


# --- partitions -----------------------------------------------------------------------------

_RESULTS = ProgressResult._meta.db_table
_FRAMES = ProgressFrame._meta.db_table
# Each partition's one unique index: the table's primary key without its snapshot_id, which
# is one constant in a partition (so the index is smaller and faster to build, and the
# partitioned parent needs no index of its own).
_KEYS = {_RESULTS: "plan_id, indicator_id, period_id", _FRAMES: "indicator_id"}


def partition_name(parent, snapshot_id):
    return f"{parent}_{int(snapshot_id)}"


def _create_sql(cursor, parent, snapshot_id):
    """CREATE TABLE for the snapshot's partition of `parent`, without an index yet: the
    parent's columns and CHECK constraints read from the catalogue — not LIKE, which would
    lock `parent` on the connection that runs it (see _ResultsWriter) — and a CHECK on the
    snapshot, which spares ATTACH a scan."""
    cursor.execute(
        """
        SELECT string_agg(format('%%I %%s%%s', attname, format_type(atttypid, atttypmod),
                                 CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END),
                          ', ' ORDER BY attnum)
        FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
        """,
        [parent],
    )
    parts = [cursor.fetchone()[0]]
    cursor.execute(
        "SELECT format('CONSTRAINT %%I %%s', conname, pg_get_constraintdef(oid)) "
        "FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' ORDER BY conname",
        [parent],
    )
    parts += [row[0] for row in cursor.fetchall()]
    parts.append(f"CHECK (snapshot_id = {int(snapshot_id)})")
    return f"CREATE TABLE {partition_name(parent, snapshot_id)} ({', '.join(parts)})"


def _index_sql(parent, snapshot_id):
    """The partition's one unique index, built in one sort once its rows are in."""
    table = partition_name(parent, snapshot_id)
    return f"CREATE UNIQUE INDEX {table}_key ON {table} ({_KEYS[parent]})"


def _attach_sql(parent, snapshot_id):
    table = partition_name(parent, snapshot_id)
    return f"ALTER TABLE {parent} ATTACH PARTITION {table} FOR VALUES IN ({int(snapshot_id)})"


def _create_partition(cursor, parent, snapshot_id):
    """An empty partition table of `parent` for one snapshot, not attached, without index."""
    cursor.execute(_create_sql(cursor, parent, snapshot_id))
    return partition_name(parent, snapshot_id)


def _attach_partition(cursor, parent, snapshot_id):
    """Index the partition in one sort and attach it."""
    cursor.execute(_index_sql(parent, snapshot_id))
    cursor.execute(_attach_sql(parent, snapshot_id))


def create_empty_partitions(snapshot):
    """The partitions of a snapshot whose rows are written one by one (tests, benchmarks)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for parent in _KEYS:
            _create_partition(cursor, parent, snapshot.pk)
            _attach_partition(cursor, parent, snapshot.pk)


def drop_partitions(cursor, snapshot_id):
    for parent in _KEYS:
        cursor.execute(f"DROP TABLE IF EXISTS {partition_name(parent, snapshot_id)}")


# --- the services ---------------------------------------------------------------------------


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
    writer = None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Derived data: if the server crashed right after this commit, the snapshot would
            # be lost and the previous one would stay current (the nightly run redoes it), so
            # the commit need not wait for the WAL flush of a million rows. The index of a
            # million rows is sorted in memory rather than on disk.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
            cursor.execute("SET LOCAL work_mem TO '64MB'")
            started = time.perf_counter()
            frame = Frame(as_of=as_of)
            nodes = _nodes()
            writer = _ResultsWriter(snapshot.pk, _create_sql(cursor, _RESULTS, snapshot.pk))
            leaves, count = [], 0
            for id_range in frame.id_ranges(READ_RANGES):
                inputs = Inputs(as_of=as_of, frame=frame, id_range=id_range)
                leaves.append(
                    _stream_results(writer.copy, snapshot, inputs, as_of=as_of, tolerance=tolerance)
                )
                count += inputs.n
            written = time.perf_counter()
            # The frames are written and the roll-ups summed while the writer's server
            # process builds the index (the waiting thread lets go of the GIL).
            with ThreadPoolExecutor(max_workers=1) as pool:
                indexing = pool.submit(writer.finish)
                frames = _create_partition(cursor, _FRAMES, snapshot.pk)
                write_frames(snapshot, frame, table=frames)
                _attach_partition(cursor, _FRAMES, snapshot.pk)
                write_rollups(snapshot, rollups(pd.concat(leaves, ignore_index=True), nodes))
                indexing.result()
            writer.close()
            cursor.execute(_attach_sql(_RESULTS, snapshot.pk))
            log.info(
                "progress: %s rows read, judged and written in %.2f s, indexed, framed and "
                "rolled up in %.2f s more",
                count, written - started, time.perf_counter() - written,
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
        if writer is not None:
            # Its table may have been committed before the failure: drop it.
            writer.close()
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {writer.table}")
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
