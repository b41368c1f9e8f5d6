"""Progress rules over a million values, against a floor of percent_of_way as one numpy expression.

Shape: 1,000 indicators × 50 entities × 20 periods = 1,000,000 rows, as numpy arrays (the
kind and direction columns are arrays of strings, as they come out of a query). Indicators
mix every kind and direction; 5% of actuals and the first period's previous are missing.
Times indicators.progress.evaluate() (percent of the way, achieved, compact class, on-track
status and trend for every row), then a roll-up of the result per indicator. No database.
"""

import numpy as np
import pandas as pd

from benchmarks.util import best_of, peak_memory, report
from indicators import progress

N_INDICATORS, N_ENTITIES, N_PERIODS = 1_000, 50, 20
N_ROWS = N_INDICATORS * N_ENTITIES * N_PERIODS


def make_columns(seed=2026):
    """Column arrays, row order indicator → entity → period (period varies fastest)."""
    rng = np.random.default_rng(seed)
    per_indicator = N_ENTITIES * N_PERIODS
    kind = np.array(progress.KINDS)[rng.integers(0, len(progress.KINDS), N_INDICATORS)]
    direction = np.array(progress.DIRECTIONS)[rng.integers(0, 3, N_INDICATORS)]
    baseline = rng.uniform(0, 100, N_INDICATORS)
    target = baseline + rng.uniform(-50, 50, N_INDICATORS)
    # A random walk per indicator and entity, so that previous is the prior period's actual.
    walk = baseline.repeat(N_ENTITIES * N_PERIODS).reshape(-1, N_PERIODS)
    walk = walk + rng.normal(0, 3, walk.shape).cumsum(axis=1)
    actual = walk.ravel()
    actual[rng.random(N_ROWS) < 0.05] = np.nan
    previous = np.concatenate([np.full((walk.shape[0], 1), np.nan), walk[:, :-1]], axis=1)
    period_year = np.tile(np.arange(2010, 2010 + N_PERIODS), N_INDICATORS * N_ENTITIES)
    rating = np.array([*progress.STATUSES, None], dtype=object)[rng.integers(0, 5, N_ROWS)]
    return {
        "kind": kind.repeat(per_indicator),
        "direction": direction.repeat(per_indicator),
        "baseline": baseline.repeat(per_indicator),
        "target": target.repeat(per_indicator),
        "actual": actual,
        "previous": previous.ravel(),
        "baseline_year": np.full(N_ROWS, 2010),
        "target_year": np.full(N_ROWS, 2025),
        "period_year": period_year,
        "as_of_year": np.full(N_ROWS, 2026),
        "method_in_development": rng.random(N_ROWS) < 0.02,
        "completion_date_in_future": rng.random(N_ROWS) < 0.3,
        "rating": rating,
    }


def run():
    columns = make_columns()
    b, t, a = columns["baseline"], columns["target"], columns["actual"]

    def floor():
        with np.errstate(all="ignore"):
            return (a - b) / (t - b) * 100.0

    def classify():
        return progress.evaluate(columns, tolerance=0.10)

    floor_s = best_of(floor, repeat=5)
    seconds = best_of(classify, repeat=5)
    result, peak = peak_memory(classify)
    shares = result["compact_class"].value_counts(normalize=True).round(3).to_dict()
    report(
        f"evaluate() over {N_ROWS:,} rows",
        seconds,
        floor_s,
        "percent_of_way floor",
        f"peak {peak / 2**20:.0f} MiB; classes {shares}",
    )

    result["indicator"] = np.arange(N_INDICATORS).repeat(N_ENTITIES * N_PERIODS)
    rollup_s = best_of(lambda: progress.rollup(result, "indicator"), repeat=3)
    _, rollup_peak = peak_memory(lambda: progress.rollup(result, "indicator"))
    report(
        f"rollup() of {N_ROWS:,} rows into {N_INDICATORS:,} groups",
        rollup_s,
        floor_s,
        "percent_of_way floor",
        f"peak {rollup_peak / 2**20:.0f} MiB",
    )
    # One indicator after an approval: the same code on length-1 columns.
    one = {name: values[:1] for name, values in columns.items()}
    single_s = best_of(lambda: progress.evaluate(one), repeat=50)
    report("evaluate() of one row (after an approval)", single_s)
    assert isinstance(result, pd.DataFrame) and len(result) == N_ROWS
