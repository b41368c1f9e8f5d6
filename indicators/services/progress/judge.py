"""Step 2, judge: indicators.progress.evaluate() — the one implementation of the rules — on
the columns read, batch by batch; a value in parts is judged part by part and combined by the
rules' own combine_parts()."""

import numpy as np
import pandas as pd

from ... import progress
from ...choices import Rating
from .read import _KIND, _RATINGS

_STATUS = {s: i for i, s in enumerate(progress.STATUSES)}

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


def _judge_parts(rows, judged, positions, parts, *, as_of, tolerance):
    """A value in parts: each part is classified like a number; the whole takes the worst
    class (and status, and trend) among parts with data, percent of the way of its laggard
    part, achieved only when every part is (progress.combine_parts()). Its
    baseline/target/actual numbers stay empty."""
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
    whole = progress.combine_parts(
        at, **{name: part[name] for name in ("compact_class", "on_track_status", "trend")},
        percent_of_way=part["percent_of_way"], achieved=part["achieved"],
    )  # fmt: skip
    index = whole.index.to_numpy()
    for name, column in whole.items():
        judged[name][index] = column.to_numpy()
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
