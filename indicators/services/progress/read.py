"""Step 1, read: whole columns as binary arrays (indicators, their baselines and targets,
periods, approved values; core.copy.fetch_columns), parsed by numpy in one step each; the
indicator × period grid and the "latest approved value" are index arithmetic on those
columns, never object by object and without joins in pandas.

"As of a period" means: the latest approved value of the indicator in that period or an
earlier one (the rules' "latest approved value"), compared with its baseline and its end
target (the target marked "end", else the last year's); trend compares it with the approved
value before it. Periods that have not started by the snapshot's as-of date are left out.
"""

import numpy as np
import pandas as pd
from django.db import connection

from core.copy import PendingColumns, fetch_columns

from ... import progress
from ...choices import Rating, Status, TargetKind

_KIND = {k: i for i, k in enumerate(progress.KINDS)}
_RATINGS = list(Rating.values)  # stored rating -> its code in this list (-1: none)

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
    ind = fetch_columns(
        _INDICATORS.format(where=_ids_sql("i.id", indicator_ids)), _INDICATOR_COLUMNS
    )
    for name, labels in (("kind", progress.KINDS), ("direction", progress.DIRECTIONS)):
        if (ind[name] < 0).any():
            raise ValueError(f"an indicator has a {name} the rules do not know ({labels})")
    order = np.argsort(ind["indicator_id"], kind="stable")
    ind = {k: v[order] for k, v in ind.items()}
    plans = fetch_columns(_PLANS, _PLAN_COLUMNS)
    at, _found = _lookup(plans["plan_id"], ind["plan_id"])  # every indicator has its plan
    ind["entity_id"] = plans["entity_id"][at]
    baselines = fetch_columns(
        _BASELINES.format(where=_ids_sql("b.indicator_id", indicator_ids)), _BASELINE_COLUMNS
    )
    targets = fetch_columns(
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
SELECT id, plan_id, EXTRACT(YEAR FROM end_date)::int4, start_date - DATE '2000-01-01'
FROM indicators_reportingperiod WHERE start_date <= %s {where}
"""
_PERIOD_COLUMNS = [
    ("period_id", "int8"), ("plan_id", "int8"), ("period_year", "int4"), ("start_day", "int4"),
]  # fmt: skip

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
        per = fetch_columns(
            _PERIODS.format(where=_ids_sql("plan_id", plans)), _PERIOD_COLUMNS, [as_of]
        )
        # By plan, then start (then id): each plan's periods together, in start order.
        order = np.lexsort((per["period_id"], per["start_day"], per["plan_id"]))
        self.periods = per = {k: v[order] for k, v in per.items()}
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


def _values_sql(frame, id_range):
    where = _ids_sql("v.indicator_id", frame.indicator_ids)
    if id_range is not None:
        where += f" AND v.indicator_id BETWEEN {int(id_range[0])} AND {int(id_range[1])}"
    return _VALUES.format(where=where)


def request_values(frame, id_range=None):
    """The approved values of a range of indicator ids of `frame`, asked for now and read by
    Inputs(values=....result()) later: the server reads them while the run judges the range
    before. Nothing else may run on the connection until then (see core.copy.PendingColumns)."""
    return PendingColumns(_values_sql(frame, id_range), _VALUE_COLUMNS)


class Inputs:
    """The columns the rules need, one row per (active indicator, started period), ordered by
    indicator and period start; each row carries the latest approved value at or before its
    period and the approved value before that one. `frame` and `id_range` (lo, hi) read the
    rows of one range of indicator ids of a frame read before (a full run reads range after
    range while PostgreSQL stores the previous one); `values`: that range's approved values
    when already read (request_values())."""

    def __init__(self, *, as_of, indicator_ids=None, frame=None, id_range=None, values=None):
        if frame is None:
            frame = Frame(as_of=as_of, indicator_ids=indicator_ids)
        if values is None:
            values = fetch_columns(_values_sql(frame, id_range), _VALUE_COLUMNS)
        ind, first, counts = frame.select(id_range)
        self.indicators = ind
        per = frame.periods
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


def _nodes(entity_ids=None):
    where = _ids_sql("p.entity_id", entity_ids)
    return _query_frame(
        "SELECT n.id AS node_id, n.parent_id, n.plan_id, p.entity_id FROM indicators_node n "
        f"JOIN indicators_plan p ON p.id = n.plan_id WHERE true {where}"
    )
