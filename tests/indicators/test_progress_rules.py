"""The progress rules (indicators/progress.py) at every edge, plus properties that must hold
whatever the numbers. No database: the module is pure numpy/pandas."""

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indicators import progress as p


def row(**overrides):
    """One indicator as evaluate() reads it: a plan 2020 → 2025, measured in 2022."""
    base = {
        "kind": "number",
        "direction": "increase",
        "baseline": 0.0,
        "target": 100.0,
        "actual": 40.0,
        "baseline_year": 2020,
        "target_year": 2025,
        "period_year": 2022,
        "as_of_year": None,
        "method_in_development": False,
        "completion_date_in_future": False,
        "rating": None,
        "previous": None,
    }
    base.update(overrides)
    return base


def one(tolerance=0.10, **overrides):
    """evaluate() on a single row, as a dict of its five answers."""
    return p.evaluate(pd.DataFrame([row(**overrides)]), tolerance=tolerance).iloc[0].to_dict()


# ---- percent of the way and achieved ----------------------------------------------------------


def test_percent_of_way_is_uncapped_and_baseline_aware():
    got = p.percent_of_way([19.4, 0, 0, 10, -10], [30, 100, 100, 5, -2], [20.8, 150, -20, 7, -6])
    np.testing.assert_allclose(got, [100 * 1.4 / 10.6, 150, -20, 60, 50])


def test_percent_of_way_missing_or_target_equal_to_baseline_is_nan():
    got = p.percent_of_way(
        [np.nan, 0, 0, 5, 0.1 + 0.2], [10, np.nan, 10, 5, 0.3], [5, 5, None, 7, 1]
    )
    assert np.isnan(got).all()


def test_equal_to_baseline():
    got = one(actual=0.0)
    assert got["percent_of_way"] == 0
    assert not got["achieved"]
    assert got["compact_class"] == "no_progress"


def test_exactly_at_target():
    got = one(actual=100.0)
    assert got["percent_of_way"] == 100
    assert got["achieved"]
    assert got["compact_class"] == "progress"
    assert got["on_track_status"] == "achieved"


def test_float_noise_counts_as_equal():
    assert p.achieved("none", 0.3, 0.1 + 0.2)[0]
    assert p.achieved("increase", 0.3, 0.1 + 0.2)[0]
    assert p.compact_class("number", "increase", 0.3, 1.0, 0.1 + 0.2)[0] == "no_progress"


@pytest.mark.parametrize(
    ("direction", "actual", "achieved", "klass", "status"),
    [
        ("increase", 50.0, True, "progress", "achieved"),
        ("increase", 51.0, True, "progress", "achieved"),
        ("increase", 49.0, False, "no_progress", "off_track"),
        ("decrease", 50.0, True, "progress", "achieved"),
        ("decrease", 49.0, True, "progress", "achieved"),
        ("decrease", 51.0, False, "no_progress", "off_track"),
        ("none", 50.0, True, "progress", "achieved"),
        ("none", 51.0, False, "no_progress", "off_track"),
        ("none", 49.0, False, "no_progress", "off_track"),
    ],
)
def test_target_equal_to_baseline(direction, actual, achieved, klass, status):
    """A level to keep: percent NaN; achieved iff a reached t in the direction; achieved counts
    as progress; slipping is off track."""
    got = one(direction=direction, baseline=50.0, target=50.0, actual=actual)
    assert np.isnan(got["percent_of_way"])
    assert bool(got["achieved"]) is achieved
    assert got["compact_class"] == klass
    assert got["on_track_status"] == status


@pytest.mark.parametrize(
    ("actual", "percent", "achieved", "klass"),
    [
        (7.0, 60.0, False, "progress"),
        (12.0, -40.0, False, "no_progress"),
        (4.0, 120.0, True, "progress"),
        (5.0, 100.0, True, "progress"),
        (10.0, 0.0, False, "no_progress"),
    ],
)
def test_decrease_is_better(actual, percent, achieved, klass):
    got = one(direction="decrease", baseline=10.0, target=5.0, actual=actual)
    assert got["percent_of_way"] == pytest.approx(percent)
    assert bool(got["achieved"]) is achieved
    assert got["compact_class"] == klass


def test_negative_values():
    got = one(baseline=-10.0, target=-2.0, actual=-6.0)
    assert got["percent_of_way"] == 50
    assert got["compact_class"] == "progress"
    got = one(direction="decrease", baseline=-2.0, target=-10.0, actual=-1.0)
    assert got["percent_of_way"] == pytest.approx(-12.5)
    assert got["compact_class"] == "no_progress"


def test_zero():
    # "zero cases" to keep at zero, decrease is better
    got = one(direction="decrease", baseline=0.0, target=0.0, actual=0.0)
    assert got["achieved"] and got["compact_class"] == "progress"
    got = one(baseline=0.0, target=10.0, actual=0.0)
    assert got["percent_of_way"] == 0 and got["compact_class"] == "no_progress"
    # equality is relative: a tiny real move from zero is a move
    assert one(baseline=0.0, target=10.0, actual=1e-12)["compact_class"] == "progress"
    assert one(baseline=-5.0, target=0.0, actual=0.0)["achieved"]


def test_direction_none_counts_ending_closer_to_the_target():
    assert (
        one(direction="none", baseline=0.0, target=10.0, actual=4.0)["compact_class"] == "progress"
    )
    # overshooting to the same distance on the other side is no closer
    assert one(direction="none", baseline=0.0, target=10.0, actual=20.0)["compact_class"] == (
        "no_progress"
    )
    assert one(direction="none", baseline=0.0, target=10.0, actual=-1.0)["compact_class"] == (
        "no_progress"
    )
    # no target: a point indicator has nothing to move towards
    assert one(direction="none", target=None)["compact_class"] == "other"


def test_increase_without_target_is_judged_by_direction():
    assert one(target=None, actual=5.0)["compact_class"] == "progress"
    assert one(target=None, actual=-5.0)["compact_class"] == "no_progress"
    assert one(target=None)["on_track_status"] == "not_started"


# ---- other / no data (Figure X note) ----------------------------------------------------------


def test_missing_baseline():
    got = one(baseline=None)
    assert np.isnan(got["percent_of_way"])
    assert got["compact_class"] == "other"
    assert got["on_track_status"] == "not_started"
    # reaching the target needs no baseline
    assert one(baseline=None, actual=100.0)["on_track_status"] == "achieved"


def test_missing_actual():
    got = one(actual=None, previous=30.0)
    assert np.isnan(got["percent_of_way"])
    assert not got["achieved"]
    assert got["compact_class"] == "other"
    assert got["on_track_status"] == "not_started"
    assert got["trend"] is None or pd.isna(got["trend"])
    assert one(kind="missing", actual=None)["compact_class"] == "other"


def test_method_in_development():
    got = one(method_in_development=True, actual=90.0)
    assert got["compact_class"] == "other"
    assert got["on_track_status"] == "not_started"


def test_yes_no_with_future_completion_date():
    yes_no = {"kind": "yes_no", "baseline": 0.0, "target": 1.0}
    got = one(**yes_no, actual=0.0, completion_date_in_future=True)
    assert got["compact_class"] == "other"
    assert got["on_track_status"] == "on_track"  # no intermediate share: late only once past
    # already "yes" before its date: reached, so progress
    got = one(**yes_no, actual=1.0, completion_date_in_future=True)
    assert got["compact_class"] == "progress" and got["on_track_status"] == "achieved"
    # no future date and still "no": no progress
    assert one(**yes_no, actual=0.0)["compact_class"] == "no_progress"
    assert one(**yes_no, actual=0.0, as_of_year=2026)["on_track_status"] == "off_track"


def test_text_takes_the_reviewers_rating():
    got = p.evaluate(
        pd.DataFrame([row(kind="text", baseline=None, target=None, actual=None, rating=r)
                      for r in ("achieved", "on_track", "off_track", "not_started", None)])
    )  # fmt: skip
    assert list(got["on_track_status"]) == [
        "achieved", "on_track", "off_track", "not_started", "not_started"
    ]  # fmt: skip
    assert list(got["achieved"]) == [True, False, False, False, False]
    assert set(got["compact_class"]) == {"other"}
    assert got["percent_of_way"].isna().all()
    with pytest.raises(ValueError, match="rating"):
        one(kind="text", rating="excellent")


def test_unknown_labels_are_refused_and_nulls_have_a_meaning():
    with pytest.raises(ValueError, match="kind"):
        p.compact_class("numbr", "increase", 0, 1, 1)
    with pytest.raises(ValueError, match="direction"):
        p.compact_class("number", "up", 0, 1, 1)
    assert p.compact_class(None, "increase", 0, 1, 1)[0] == "other"  # null kind = missing
    assert p.compact_class("number", None, 0, 10, 10)[0] == "progress"  # null direction = none
    with pytest.raises(KeyError, match="actual"):
        p.evaluate({"kind": ["number"], "direction": ["increase"], "baseline": [0], "target": [1]})


def test_funding_compact_indicators_of_the_2020_qcpr():
    """The indicators printed in A/75/79 Tables 2-5 (domain-seeds-001-002.md §4)."""
    rows = {
        "MS 1.1": (19.4, 30, 20.8), "MS 1.2": (27.0, 30, 28.3), "MS 2.1": (5.0, 10.0, 7.1),
        "MS 2.2": (2.6, 6.0, 3.4), "MS 2.3": (43e6, 290e6, 55e6), "MS 2.4": (129e6, 500e6, 135e6),
        "UN 3.1": (67, 100, 69), "UN 3.3": (28, 100, 36), "UN 6.1": (62, 100, 57),
    }  # fmt: skip
    b, t, a = np.array(list(rows.values()), dtype=float).T
    got = dict(zip(rows, p.compact_class("percent", "increase", b, t, a), strict=True))
    assert got.pop("UN 6.1") == "no_progress"
    assert set(got.values()) == {"progress"}
    # UN 3.2 "59 和 27" -> "100 和 50", latest "46 和-a": pooled funds fell, thematic missing
    parts = p.compact_class("parts", "increase", [59, 27], [100, 50], [46, None])
    assert list(parts) == ["no_progress", "other"]
    assert p.parts_class(["UN 3.2", "UN 3.2"], parts)["UN 3.2"] == "no_progress"
    # UN 6.2 否 -> 是 (2020), latest "methodology to be launched in 2020"
    assert p.compact_class("yes_no", "increase", 0, 1, None, method_in_development=True)[0] == (
        "other"
    )


# ---- parts -------------------------------------------------------------------------------------


def test_parts_take_the_worst_class_among_parts_with_data():
    got = p.parts_class(
        ["a", "a", "b", "b", "c", "c", "d", "e", "e"],
        ["progress", "other", "progress", "no_progress", "other", "other", "progress",
         "no_progress", "no_progress"],
    )  # fmt: skip
    assert got.to_dict() == {
        "a": "progress", "b": "no_progress", "c": "other", "d": "progress", "e": "no_progress"
    }  # fmt: skip
    assert p.parts_class([], []).empty


# ---- on-track status ---------------------------------------------------------------------------


def test_target_year_already_past():
    assert one(actual=95.0, as_of_year=2026)["on_track_status"] == "off_track"
    assert one(actual=95.0, period_year=2026)["on_track_status"] == "off_track"
    assert one(actual=100.0, as_of_year=2026)["on_track_status"] == "achieved"
    # during the target year itself the year is not over yet
    assert one(actual=95.0, period_year=2025, as_of_year=2025)["on_track_status"] == "on_track"
    assert one(actual=95.0, as_of_year=datetime.date(2026, 1, 1))["on_track_status"] == (
        "off_track"
    )


@pytest.mark.parametrize(
    ("actual", "period_year", "status"),
    [
        (30.0, 2022, "on_track"),  # elapsed 0.4, covered 0.3 = 0.4 - 0.1: exactly on the edge
        (29.99, 2022, "off_track"),  # just outside the band
        (30.01, 2022, "on_track"),  # just inside the band
        (40.0, 2022, "on_track"),  # on schedule
        (50.0, 2025, "off_track"),  # target year, half way: far behind
        (90.0, 2025, "on_track"),  # target year, exactly 10 points short (edge)
        (89.99, 2025, "off_track"),
        (-10.0, 2020, "on_track"),  # nothing elapsed yet, 10 points backwards (edge)
        (-10.01, 2020, "off_track"),
    ],
)
def test_on_track_tolerance_boundary_is_inclusive(actual, period_year, status):
    assert one(actual=actual, period_year=period_year)["on_track_status"] == status


def test_on_track_boundary_decrease_and_explicit_tolerance():
    kw = {"direction": "decrease", "baseline": 100.0, "target": 0.0}
    assert one(**kw, actual=70.0)["on_track_status"] == "on_track"  # 0.3 covered at 0.4
    assert one(**kw, actual=70.01)["on_track_status"] == "off_track"
    assert one(**kw, actual=80.0, tolerance=0.2)["on_track_status"] == "on_track"
    assert one(**kw, actual=80.01, tolerance=0.2)["on_track_status"] == "off_track"
    assert one(**kw, actual=70.0, tolerance=0.0)["on_track_status"] == "off_track"
    assert one(**kw, actual=60.0, tolerance=0.0)["on_track_status"] == "on_track"


def test_on_track_for_a_point_target_counts_overshoot_like_shortfall():
    kw = {"direction": "none", "baseline": 0.0, "target": 100.0}  # elapsed 0.4, band to 0.3
    assert one(**kw, actual=30.0)["on_track_status"] == "on_track"
    assert one(**kw, actual=170.0)["on_track_status"] == "on_track"  # 30 of 100 short: edge
    assert one(**kw, actual=170.01)["on_track_status"] == "off_track"
    assert one(**kw, actual=100.0)["on_track_status"] == "achieved"


def test_tolerance_comes_from_settings_unless_given(settings):
    assert p.on_track_tolerance() == p.DEFAULT_ON_TRACK_TOLERANCE == 0.10
    settings.PROGRESS_ON_TRACK_TOLERANCE = 0.25
    assert p.on_track_tolerance() == 0.25
    assert one(actual=15.0, tolerance=None)["on_track_status"] == "on_track"
    assert one(actual=15.0, tolerance=0.10)["on_track_status"] == "off_track"
    assert p.on_track_tolerance(0.05) == 0.05
    with pytest.raises(ValueError):
        p.on_track_tolerance(-0.1)


def test_on_track_without_a_share_of_time():
    assert one(baseline_year=None)["on_track_status"] == "not_started"
    # target year equal to the baseline year: all the time is used
    assert one(target_year=2020, period_year=2020, actual=95.0)["on_track_status"] == "on_track"
    assert one(target_year=2020, period_year=2020, actual=85.0)["on_track_status"] == "off_track"


# ---- trend ------------------------------------------------------------------------------------


def test_trend_is_direction_aware():
    got = p.trend(
        "number",
        ["increase", "increase", "increase", "decrease", "decrease", "none", "none", "none"],
        [10, 10, 10, 0, 0, 10, 10, np.nan],
        [5, 3, 4, 3, 5, 9, 14, 3],
        [4, 4, 4 + 1e-12, 4, 4, 6, 12, 4],
    )
    assert list(got) == [
        "improving", "worsening", "stable", "improving", "worsening", "improving", "worsening",
        None,
    ]  # fmt: skip
    assert list(p.trend("number", "increase", 10, [5, np.nan], [np.nan, 4])) == [None, None]
    assert list(p.trend("text", "increase", 10, 5, 4)) == [None]


# ---- roll-ups ---------------------------------------------------------------------------------


def test_rollup_counts_and_shares_with_empty_groups():
    frame = pd.DataFrame(
        {
            "goal": ["g1", "g1", "g1", "g2", "g2"],
            "compact_class": ["progress", "no_progress", "other", "other", "other"],
            "on_track_status": ["achieved", "off_track", "not_started", "on_track", "not_started"],
        }
    )
    got = p.rollup(frame, "goal", groups=["g1", "g2", "g3"])
    assert got.loc["g1", ["n", "progress", "no_progress", "other", "assessable"]].tolist() == [
        3, 1, 1, 1, 2
    ]  # fmt: skip
    assert got.loc["g1", "share_progress_all"] == pytest.approx(1 / 3)
    assert got.loc["g1", "share_progress_assessable"] == pytest.approx(1 / 2)
    assert got.loc["g1", ["achieved", "on_track", "off_track", "not_started"]].tolist() == [
        1, 0, 1, 1
    ]  # fmt: skip
    assert got.loc["g2", "share_progress_all"] == 0
    assert np.isnan(got.loc["g2", "share_progress_assessable"])  # nothing assessable
    assert got.loc["g3", "n"] == 0
    assert np.isnan(got.loc["g3", "share_progress_all"])
    empty = p.rollup(frame.iloc[:0], "goal")
    assert empty.empty and "share_progress_all" in empty.columns
    with pytest.raises(ValueError):
        p.rollup(frame.assign(compact_class="progres"), "goal")


def test_rollup_by_several_keys_whatever_the_index():
    frame = pd.DataFrame(
        {
            "entity": ["UNDP", "UNDP", "UNOPS"],
            "goal": ["g1", "g1", "g1"],
            "compact_class": pd.Categorical(["progress", "no_progress", "progress"], p.CLASSES),
        },
        index=[7, 7, 3],  # duplicated and unordered, as after a merge
    )
    got = p.rollup(frame, ["entity", "goal"])
    assert got.loc[("UNDP", "g1"), "share_progress_all"] == pytest.approx(0.5)
    assert got.loc[("UNOPS", "g1"), "n"] == 1
    assert "on_track" not in got.columns  # no status column given


def test_evaluate_on_no_rows_and_on_a_mapping_of_scalars():
    empty = p.evaluate(pd.DataFrame([row()]).iloc[:0])
    assert empty.empty and list(empty.columns) == [
        "percent_of_way", "achieved", "compact_class", "on_track_status", "trend"
    ]  # fmt: skip
    got = p.evaluate({k: v for k, v in row(previous=30.0).items() if v is not None})
    assert got.iloc[0].to_dict() == one(previous=30.0)


# ---- one implementation: scalar == row of a big call ------------------------------------------


def random_rows(n, seed=7):
    rng = np.random.default_rng(seed)

    def maybe_missing(values, share=0.05):
        return np.where(rng.random(n) < share, np.nan, values)

    baseline = rng.integers(-50, 50, n).astype(float)
    # some targets equal to the baseline
    target = np.where(rng.random(n) < 0.05, baseline, rng.integers(-100, 100, n))
    return pd.DataFrame(
        {
            "kind": rng.choice(p.KINDS, n),
            "direction": rng.choice(p.DIRECTIONS, n),
            "baseline": maybe_missing(baseline),
            "target": maybe_missing(target),
            "actual": maybe_missing(rng.integers(-100, 100, n).astype(float)),
            "baseline_year": 2018,
            "target_year": rng.integers(2018, 2026, n),
            "period_year": rng.integers(2018, 2028, n),
            "method_in_development": rng.random(n) < 0.05,
            "completion_date_in_future": rng.random(n) < 0.3,
            "rating": rng.choice(np.array([*p.STATUSES, None], dtype=object), n),
            "previous": maybe_missing(rng.integers(-100, 100, n).astype(float), 0.3),
        }
    )


def test_single_indicator_equals_its_row_in_a_big_call():
    rows = random_rows(20_000)
    big = p.evaluate(rows)
    for i in np.random.default_rng(1).choice(len(rows), 300, replace=False):
        pd.testing.assert_frame_equal(p.evaluate(rows.iloc[[i]]), big.iloc[[i]])
        # the single-rule functions, on plain scalars, give the same answers
        r, expected = rows.iloc[i], big.iloc[i]
        head = (r.kind, r.direction, r.baseline, r.target, r.actual)
        flags = {"method_in_development": r.method_in_development}
        years = {k: r[k] for k in ("baseline_year", "target_year", "period_year")}
        if r.kind not in ("text", "missing"):  # evaluate() blanks their percent
            percent = p.percent_of_way(r.baseline, r.target, r.actual)[0]
            np.testing.assert_equal(percent, expected.percent_of_way)
        got = p.achieved(r.direction, r.target, r.actual, kind=r.kind, rating=r.rating)[0]
        assert got == expected.achieved
        got = p.compact_class(
            *head, **flags, completion_date_in_future=r.completion_date_in_future
        )[0]
        assert got == expected.compact_class
        got = p.on_track_status(*head, **years, **flags, rating=r.rating)[0]
        assert got == expected.on_track_status
        got = p.trend(r.kind, r.direction, r.target, r.actual, r.previous)[0]
        assert (got is None and pd.isna(expected.trend)) or got == expected.trend


# ---- properties -------------------------------------------------------------------------------

# Small integers collide often, so equalities and boundaries get exercised; None is missing.
values = st.one_of(
    st.integers(-5, 5).map(float),
    st.sampled_from([0.1, 0.2, 0.3, 2.5]),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_subnormal=False),
    st.none(),
)
hundredths = st.one_of(
    st.integers(-500, 500).map(lambda k: k / 100),
    st.integers(-1_000_000, 1_000_000).map(lambda k: k / 100),
    st.none(),
)
rarely = st.integers(0, 9).map(lambda k: k == 0)


def rows_of(number):
    return st.lists(
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(p.KINDS),
                "direction": st.sampled_from(p.DIRECTIONS),
                "baseline": number,
                "target": number,
                "actual": number,
                "previous": number,
                "baseline_year": st.sampled_from([2017, 2018, None]),
                "target_year": st.integers(2016, 2030),
                "period_year": st.integers(2016, 2032),
                "method_in_development": rarely,
                "completion_date_in_future": st.booleans(),
                "rating": st.sampled_from([*p.STATUSES, None]),
            }
        ),
        min_size=1,
        max_size=30,
    )


def frame(rows):
    return pd.DataFrame(rows).astype(
        dict.fromkeys(("baseline", "target", "actual", "previous"), float)
    )


FLIP = {"increase": "decrease", "decrease": "increase", "none": "none"}


@settings(deadline=None, max_examples=300)
@given(rows_of(values))
def test_flipping_direction_and_signs_changes_nothing(rows):
    original = frame(rows)
    flipped = original.assign(
        direction=original["direction"].map(FLIP),
        **{k: -original[k] for k in ("baseline", "target", "actual", "previous")},
    )
    pd.testing.assert_frame_equal(p.evaluate(flipped), p.evaluate(original))


@settings(deadline=None, max_examples=300)
@given(rows_of(hundredths), st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_by_a_positive_constant_keeps_the_class(rows, factor):
    original = frame(rows)
    scaled = original.assign(
        **{k: original[k] * factor for k in ("baseline", "target", "actual", "previous")}
    )
    before, after = p.evaluate(original), p.evaluate(scaled)
    pd.testing.assert_series_equal(after["compact_class"], before["compact_class"])
    pd.testing.assert_series_equal(after["achieved"], before["achieved"])


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
)
def test_percent_of_way_at_the_target_is_100(baseline, target):
    # t != b beyond float noise (t == b within REL_TOL is NaN by definition, tested above)
    assume(abs(target - baseline) > 1e-8 * max(abs(target), abs(baseline)))
    assert p.percent_of_way(baseline, target, target)[0] == 100.0
