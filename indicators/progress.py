"""The progress rules — the one implementation (PRODUCT.md, "Progress rules").

Pure numpy/pandas: columns in, columns out, no database. The same functions serve a full
recomputation over a million values and one indicator after an approval (length-1 columns),
so the server, the reports and any UI all read one answer (TolaData's server and JavaScript
disagreed at the edges because there were two).

Inputs are array-likes of equal length (length 1 broadcasts); NaN/None = missing.
  kind       "number" "percent" "currency" "yes_no" (1.0 = yes, 0.0 = no) "text" "parts"
             (one row per part) "missing"; a null kind is "missing".
  direction  "increase" "decrease" "none"; a null direction is "none".
  rating     the reviewer's rating of a "text" indicator, one of STATUSES.

Decisions the sources leave open, taken here once:
  * Two floats are equal when they differ by at most REL_TOL relative (0.1 + 0.2 == 0.3);
    the rule is relative only, so it is unchanged by scaling and by flipping signs.
  * Target equal to baseline ("maintain"): percent of the way is NaN; achieved iff the actual
    reached the target in the direction; achieved counts as progress.
  * Direction "none" (the target is a point): achieved iff a == t; progress iff a ended
    strictly closer to t than b was; trend likewise compares distances to t.
  * Increase/decrease: progress iff achieved or a moved from b in the better direction; with
    no target the direction alone decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

import numpy as np
import pandas as pd

KINDS = ("number", "percent", "currency", "yes_no", "text", "parts", "missing")
DIRECTIONS = ("increase", "decrease", "none")
CLASSES = ("progress", "no_progress", "other")
STATUSES = ("achieved", "on_track", "off_track", "not_started")
TRENDS = ("improving", "stable", "worsening")

DEFAULT_ON_TRACK_TOLERANCE = 0.10
REL_TOL = 1e-9
# Absolute slack on the on-track comparison: 0.3 >= 0.4 - 0.1 is False in binary floats, but
# a value exactly on the band's edge must count as on track (the boundary is inclusive).
BOUNDARY_EPS = 1e-9

_YES_NO, _TEXT, _MISSING = KINDS.index("yes_no"), KINDS.index("text"), KINDS.index("missing")
_NONE = DIRECTIONS.index("none")
_SIGN = np.array([1.0, -1.0, 0.0])  # per direction code: which way is better
_ACHIEVED, _ON, _OFF, _NOT_STARTED = range(4)


def on_track_tolerance(tolerance: float | None = None) -> float:
    """The on-track tolerance band as a share (0.10 = 10 percentage points).

    An explicit argument wins; else settings.PROGRESS_ON_TRACK_TOLERANCE when Django settings
    are configured; else DEFAULT_ON_TRACK_TOLERANCE. Django is imported lazily so that this
    module stays importable (and testable) without it.
    """
    if tolerance is None:
        tolerance = DEFAULT_ON_TRACK_TOLERANCE
        try:
            from django.conf import settings

            if settings.configured:
                tolerance = getattr(settings, "PROGRESS_ON_TRACK_TOLERANCE", tolerance)
        except ImportError:
            pass
    tolerance = float(tolerance)
    if not 0.0 <= tolerance < 1.0:
        raise ValueError(f"on-track tolerance must be in [0, 1), got {tolerance!r}")
    return tolerance


# ---- input normalisation (once per call; everything after it is pure numpy) ----------------


def _floats(values) -> np.ndarray:
    if values is None:
        return np.array([np.nan])
    if isinstance(values, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        return pd.Series(values).to_numpy(dtype=float, na_value=np.nan)  # pd.NA -> NaN
    try:
        return np.atleast_1d(np.asarray(values, dtype=float))
    except TypeError:  # a list holding pd.NA
        raw = np.atleast_1d(np.asarray(values, dtype=object))
        return pd.Series(raw).to_numpy(dtype=float, na_value=np.nan)


def _years(values) -> np.ndarray:
    """Years as floats; dates, timestamps and datetime64 are reduced to their year."""
    if values is not None and not pd.api.types.is_datetime64_any_dtype(
        getattr(values, "dtype", None)
    ):
        try:
            return _floats(values)
        except (TypeError, ValueError):
            pass  # date objects
    dates = pd.Series(pd.to_datetime(np.atleast_1d(np.asarray(values, dtype=object))))
    return dates.dt.year.to_numpy(dtype=float, na_value=np.nan)


def _flags(values) -> np.ndarray:
    if values is None:
        return np.array([False])
    array = np.atleast_1d(np.asarray(values))
    if array.dtype == bool:
        return array
    return pd.array(array, dtype="boolean").fillna(False).to_numpy(dtype=bool)


def _codes(values, categories, name, null_code=None) -> np.ndarray:
    """Integer codes into `categories`; unknown labels raise, nulls become null_code.

    Labels are matched per distinct value, not per row, so a million rows cost one hashing
    pass (categoricals and numpy string arrays not even that)."""
    if not pd.api.types.is_list_like(values):
        values = [values]
    dtype = getattr(values, "dtype", None)
    if dtype is not None and dtype.kind in "US":  # numpy fixed-width strings: no nulls
        array = np.atleast_1d(values)
        codes = np.full(array.shape, -1, dtype=np.int8)
        for i, label in enumerate(categories):
            codes[array == label] = i
        if (codes < 0).any():
            unknown = sorted({str(label) for label in array[codes < 0]})
            raise ValueError(f"unknown {name} {unknown}; expected one of {list(categories)}")
        return codes
    if isinstance(dtype, pd.CategoricalDtype):
        found, uniques = pd.Series(values).cat.codes.to_numpy(), dtype.categories
    else:
        if not isinstance(values, np.ndarray | pd.Series | pd.Index):
            values = np.asarray(values, dtype=object)  # a list, maybe of mixed types
        found, uniques = pd.factorize(values)  # null -> -1
    mapping = pd.Index(categories).get_indexer(uniques)
    if (mapping < 0).any() and np.isin(found, np.flatnonzero(mapping < 0)).any():
        unknown = sorted(str(u) for u, m in zip(uniques, mapping, strict=True) if m < 0)
        raise ValueError(f"unknown {name} {unknown}; expected one of {list(categories)}")
    if null_code is None and (found < 0).any():
        raise ValueError(f"{name} must not be missing")
    # found == -1 (null) picks the appended null_code
    return np.append(mapping, -1 if null_code is None else null_code).astype(np.int8)[found]


# Column name -> (short name used by the rules, converter). A column not given is all-missing.
_COLUMNS = {
    "kind": ("kind", lambda x: _codes(x, KINDS, "kind", null_code=_MISSING)),
    "direction": ("dir", lambda x: _codes(x, DIRECTIONS, "direction", null_code=_NONE)),
    "baseline": ("b", _floats),
    "target": ("t", _floats),
    "actual": ("a", _floats),
    "baseline_year": ("by", _years),
    "target_year": ("ty", _years),
    "period_year": ("py", _years),
    "as_of_year": ("asof", _years),
    "method_in_development": ("mdev", _flags),
    "completion_date_in_future": ("future", _flags),
    "rating": ("rating", lambda x: _codes(x, STATUSES, "rating", null_code=-1)),
    "previous": ("prev", _floats),
}


def _prepare(**columns) -> SimpleNamespace:
    """Convert once and broadcast (length-1 columns stretch to the others' length)."""
    arrays = np.broadcast_arrays(*(convert(columns.get(n)) for n, (_, convert) in _COLUMNS.items()))
    v = SimpleNamespace(
        **{short: a for (short, _), a in zip(_COLUMNS.values(), arrays, strict=True)}
    )
    v.sign = _SIGN[v.dir]
    return v


# ---- the rules on prepared columns -----------------------------------------------------------


def _close(x, y) -> np.ndarray:
    """Float equality, relative only (so invariant under scaling and sign flips); NaN -> False."""
    return np.abs(x - y) <= REL_TOL * np.maximum(np.abs(x), np.abs(y))


def _percent(b, t, a) -> np.ndarray:
    with np.errstate(all="ignore"):  # NaN and inf are masked below
        # (a - b) / (t - b) first, then * 100: a == t gives exactly 100.0.
        return np.where(_close(t, b), np.nan, (a - b) / (t - b) * 100.0)


def _achieved(v) -> np.ndarray:
    with np.errstate(all="ignore"):  # NaN and inf are masked below
        beyond = (v.sign * (v.a - v.t) >= 0) & (v.sign != 0)  # NaN compares False
        reached = (beyond | _close(v.a, v.t)) & (v.kind != _MISSING)
    return np.where(v.kind == _TEXT, v.rating == _ACHIEVED, reached)


def _class_codes(v, achieved) -> np.ndarray:
    with np.errstate(all="ignore"):  # NaN and inf are masked below
        # Figure X's "other / no data": nothing to compare, or not measurable yet.
        no_data = np.isnan(v.a) | np.isnan(v.b) | ((v.sign == 0) & np.isnan(v.t))
        unmeasurable = v.mdev | (v.kind == _TEXT) | (v.kind == _MISSING)
        # A "yes" already reached before its date is progress, not "other".
        not_yet_due = (v.kind == _YES_NO) & v.future & ~achieved
        other = no_data | unmeasurable | not_yet_due
        moved = (v.sign * (v.a - v.b) > 0) & ~_close(v.a, v.b)
        to_a, to_b = np.abs(v.a - v.t), np.abs(v.b - v.t)
        closer = (to_a < to_b) & ~_close(to_a, to_b)
        progress = achieved | np.where(v.sign != 0, moved, closer)
    return np.select([other, progress], [2, 0], default=1).astype(np.int8)


def _status_codes(v, achieved, percent, tolerance) -> np.ndarray:
    with np.errstate(all="ignore"):  # NaN and inf are masked below
        span = v.ty - v.by
        elapsed = np.clip(np.where(span > 0, (v.py - v.by) / span, 1.0), 0.0, 1.0)
        # Share of the way covered; for a point target ("none") overshooting is no better than
        # falling short, so it is the share of the distance to t that was closed.
        closed = 1.0 - np.abs(v.a - v.t) / np.abs(v.t - v.b)
        covered = np.where(v.sign == 0, closed, percent / 100.0)
        on_track = covered >= elapsed - tolerance - BOUNDARY_EPS
        past = np.fmax(v.asof, v.py) > v.ty  # NaN years: not known to be past
    conditions = [
        v.kind == _TEXT,  # the reviewer's rating, or not started without one
        (v.kind == _MISSING) | v.mdev | np.isnan(v.a) | np.isnan(v.t),
        achieved,
        past,  # the target year is over and the target was not reached
        # A yes/no has no intermediate share: it is late only once its year is past.
        v.kind == _YES_NO,
        _close(v.t, v.b),  # a level to maintain, and it slipped
        np.isnan(v.b) | np.isnan(v.by) | np.isnan(v.ty) | np.isnan(v.py),  # no share known
        on_track,
    ]
    rating = np.where(v.rating >= 0, v.rating, _NOT_STARTED)
    choices = [rating, _NOT_STARTED, _ACHIEVED, _OFF, _ON, _OFF, _NOT_STARTED, _ON]
    return np.select(conditions, choices, default=_OFF).astype(np.int8)


def _trend_codes(v) -> np.ndarray:
    with np.errstate(all="ignore"):  # NaN and inf are masked below
        to_a, to_p = np.abs(v.a - v.t), np.abs(v.prev - v.t)
        point = v.sign == 0
        conditions = [
            np.isnan(v.a) | np.isnan(v.prev) | (v.kind == _TEXT) | (v.kind == _MISSING),
            _close(v.a, v.prev),
            point & np.isnan(v.t),  # no target: no "better" for a point indicator
            point & _close(to_a, to_p),
            np.where(point, to_a < to_p, v.sign * (v.a - v.prev) > 0),
        ]
    return np.select(conditions, [-1, 1, -1, 1, 0], default=2).astype(np.int8)


def _labels(codes, names) -> np.ndarray:
    """Object array of labels; code -1 (no answer) picks the trailing None."""
    return np.array([*names, None], dtype=object)[codes]


# ---- public functions ------------------------------------------------------------------------


def percent_of_way(baseline, target, actual) -> np.ndarray:
    """(a − b) / (t − b) × 100, uncapped (negative or above 100 allowed).

    NaN when any of the three is missing or when t == b (no way to cover; see achieved).
    The formula does not depend on the direction.
    """
    return _percent(_floats(baseline), _floats(target), _floats(actual))


def achieved(direction, target, actual, *, kind="number", rating=None) -> np.ndarray:
    """Bool: the actual reached the target in the indicator's direction.

    increase: a >= t; decrease: a <= t; none: a == t (all with float equality, REL_TOL).
    A missing actual or target is not achieved; "text" is achieved iff rated "achieved".
    """
    v = _prepare(kind=kind, direction=direction, target=target, actual=actual, rating=rating)
    return _achieved(v)


def compact_class(
    kind,
    direction,
    baseline,
    target,
    actual,
    *,
    method_in_development=None,
    completion_date_in_future=None,
) -> np.ndarray:
    """Funding-compact class per row: "progress", "no_progress" or "other" (Figure X).

    other: no baseline or no actual (or, for direction "none", no target); method still in
    development; "text"/"missing" kinds (no data point to compare); a yes/no whose completion
    date is still ahead and which has not yet reached its target.
    progress: achieved, or a moved from b the better way (none: ended strictly closer to t).
    no_progress: everything else — a equals b, or moved away.
    """
    v = _prepare(
        kind=kind, direction=direction, baseline=baseline, target=target, actual=actual,
        method_in_development=method_in_development,
        completion_date_in_future=completion_date_in_future,
    )  # fmt: skip
    return _labels(_class_codes(v, _achieved(v)), CLASSES)


def on_track_status(
    kind,
    direction,
    baseline,
    target,
    actual,
    *,
    baseline_year,
    target_year,
    period_year,
    as_of_year=None,
    method_in_development=None,
    rating=None,
    tolerance=None,
) -> np.ndarray:
    """Status per row, "achieved" "on_track" "off_track" "not_started"; first match wins:

    1. "text": the reviewer's rating (no rating: "not_started").
    2. not_started: kind "missing", method in development, no actual or no target.
    3. achieved (see achieved()).
    4. off_track: the target year is past — max(as_of_year, period_year) > target_year.
    5. on_track: a yes/no not yet reached (it has no intermediate share).
    6. off_track: target equal to baseline (a level to keep) and not achieved.
    7. not_started: no baseline or a missing year (the shares cannot be computed).
    8. covered = percent_of_way / 100 (direction "none": 1 − |a − t| / |t − b|, so that
       overshooting a point target counts like falling short), elapsed = (period_year −
       baseline_year) / (target_year − baseline_year) clipped to [0, 1] (1 when target_year
       <= baseline_year);
       on_track iff covered >= elapsed − tolerance. The boundary is INCLUSIVE: exactly
       tolerance behind (within BOUNDARY_EPS) is on track. Otherwise off_track.
    tolerance: explicit, else settings.PROGRESS_ON_TRACK_TOLERANCE, else 0.10.
    """
    v = _prepare(
        kind=kind, direction=direction, baseline=baseline, target=target, actual=actual,
        baseline_year=baseline_year, target_year=target_year, period_year=period_year,
        as_of_year=as_of_year, method_in_development=method_in_development, rating=rating,
    )  # fmt: skip
    codes = _status_codes(v, _achieved(v), _percent(v.b, v.t, v.a), on_track_tolerance(tolerance))
    return _labels(codes, STATUSES)


def trend(kind, direction, target, actual, previous) -> np.ndarray:
    """Trend "improving", "stable" or "worsening" vs the previous approved actual; None when
    there is no previous or no actual, for "text"/"missing", and for direction "none" without
    a target. Equal within REL_TOL is stable; direction "none" compares distances to t."""
    v = _prepare(kind=kind, direction=direction, target=target, actual=actual, previous=previous)
    return _labels(_trend_codes(v), TRENDS)


_REQUIRED = ("kind", "direction", "baseline", "target", "actual")


def evaluate(rows: pd.DataFrame | Mapping, *, tolerance=None) -> pd.DataFrame:
    """All rules at once over a DataFrame (or a mapping of column arrays).

    Columns read: kind, direction, baseline, target, actual (required) and baseline_year,
    target_year, period_year, as_of_year, method_in_development, completion_date_in_future,
    rating, previous (optional). Returns, on the same index: percent_of_way (float, NaN for
    "text" and "missing"), achieved (bool), and compact_class, on_track_status, trend as
    categoricals over CLASSES, STATUSES, TRENDS (no trend: NaN) — the same answers as the
    single-rule functions, computed from one normalisation of the inputs.
    """
    absent = [name for name in _REQUIRED if name not in rows]
    if absent:
        raise KeyError(f"evaluate() needs columns {absent}")
    v = _prepare(**{name: rows[name] for name in _COLUMNS if name in rows})
    done = _achieved(v)
    percent = _percent(v.b, v.t, v.a)
    percent = np.where((v.kind == _TEXT) | (v.kind == _MISSING), np.nan, percent)
    status = _status_codes(v, done, percent, on_track_tolerance(tolerance))
    index = rows.index if isinstance(rows, pd.DataFrame) else None
    return pd.DataFrame(
        {
            "percent_of_way": percent,
            "achieved": done,
            # Categoricals: a fixed dtype whatever the rows hold, and cheap for a million rows.
            "compact_class": pd.Categorical.from_codes(_class_codes(v, done), CLASSES),
            "on_track_status": pd.Categorical.from_codes(status, STATUSES),
            "trend": pd.Categorical.from_codes(_trend_codes(v), TRENDS),  # -1 -> NaN
        },
        index=index,
    )


# Ranks of the class and status codes when parts are combined (higher is worse): "other" and
# "not_started" rank lowest, so parts without data count only when no part has any.
_CLASS_RANK = np.array([1, 2, 0])  # progress, no_progress, other
_STATUS_RANK = np.array([1, 2, 3, 0])  # achieved, on_track, off_track, not_started


def combine_parts(group, *, compact_class, on_track_status, trend, percent_of_way, achieved):
    """The whole of a value in parts from its parts' answers (one row per part; codes into
    CLASSES, STATUSES and TRENDS, -1 for no trend) — the one implementation of the rule.

    The whole takes the worst class among parts that have data (no_progress is worse than
    progress; "other" only when every part is "other"), likewise the worst status and trend,
    the percent of the way of its laggard part, and is achieved only when every part is.
    Returns a DataFrame of those codes and values indexed by group key (sorted)."""
    keys = np.asarray(group.to_numpy() if isinstance(group, pd.Series) else group)
    worst = (
        pd.DataFrame(
            {
                "compact_class": _CLASS_RANK[np.asarray(compact_class, dtype=np.intp)],
                "on_track_status": _STATUS_RANK[np.asarray(on_track_status, dtype=np.intp)],
                "trend": np.asarray(trend, dtype=np.int8),
                "percent_of_way": np.asarray(percent_of_way, dtype=float),
                "achieved": np.asarray(achieved, dtype=bool),
            },
            index=pd.Index(keys, name="group"),
        )
        .groupby(level=0, dropna=False)
        .agg(
            {
                "compact_class": "max",
                "on_track_status": "max",
                "trend": "max",
                "percent_of_way": "min",
                "achieved": "all",
            }
        )
    )
    worst["compact_class"] = np.argsort(_CLASS_RANK)[worst["compact_class"].to_numpy(np.intp)]
    worst["on_track_status"] = np.argsort(_STATUS_RANK)[worst["on_track_status"].to_numpy(np.intp)]
    return worst


def parts_class(group, classes) -> pd.Series:
    """The class of a value in parts, from its parts' classes (one row per part), by
    combine_parts(). group: the key of the whole (value or indicator id), per part. Returns a
    Series indexed by group key."""
    codes = _codes(classes, CLASSES, "class")
    n = len(codes)
    whole = combine_parts(
        group,
        compact_class=codes,
        on_track_status=np.full(n, _NOT_STARTED),
        trend=np.full(n, -1),
        percent_of_way=np.full(n, np.nan),
        achieved=np.zeros(n, dtype=bool),
    )
    labels = np.array(CLASSES, dtype=object)[whole["compact_class"].to_numpy()]
    return pd.Series(labels, index=whole.index.rename(None), name="compact_class")


def shares(table: pd.DataFrame) -> pd.DataFrame:
    """Adds to counts per group (n, progress, no_progress) the columns assessable (= not
    "other"), share_progress_all (progress / n) and share_progress_assessable (progress /
    assessable) — the one implementation. A share with a zero denominator is NaN (no
    indicator, or none assessable; stored as NULL), not a division error."""
    table["assessable"] = table["progress"] + table["no_progress"]
    progress = table["progress"].to_numpy(dtype=float)
    n, assessable = table["n"].to_numpy(), table["assessable"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share_progress_all"] = np.where(n > 0, progress / n, np.nan)
        table["share_progress_assessable"] = np.where(assessable > 0, progress / assessable, np.nan)
    return table


def rollup(
    frame: pd.DataFrame,
    by,
    *,
    groups=None,
    class_column="compact_class",
    status_column="on_track_status",
) -> pd.DataFrame:
    """Counts per class and per status for each node/group, and the share that made progress.

    by: the grouping column name(s) (goal, principle, commitment, plan, entity ...). groups:
    optional full list of keys, so that nodes without indicators appear with zero counts.
    Returns one row per group with columns n, progress, no_progress, other, assessable
    (= not "other"), achieved, on_track, off_track, not_started (when the status column is
    present), share_progress_all and share_progress_assessable (see shares(): NaN when the
    denominator is zero).
    """
    by = [by] if isinstance(by, str) else list(by)
    counted = [
        pd.get_dummies(pd.Categorical.from_codes(_codes(frame[column], names, column), names))
        for column, names in ((class_column, CLASSES), (status_column, STATUSES))
        if column in frame
    ]
    if not counted:
        raise KeyError(f"rollup() needs a {class_column!r} or {status_column!r} column")
    counts = pd.concat(counted, axis=1).astype(np.int64)
    counts["n"] = 1  # every row is one indicator (codes above refused unknown labels)
    keys = frame[by].reset_index(drop=True)  # align by position, whatever the frame's index
    table = pd.concat([keys, counts], axis=1).groupby(by, dropna=False).sum()
    if groups is not None:
        table = table.reindex(groups, fill_value=0)
    if class_column in frame:
        table = shares(table)
    first = ["n", *(c for c in (*CLASSES, "assessable") if c in table)]
    return table[first + [c for c in table.columns if c not in first]]
