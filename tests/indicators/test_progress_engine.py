"""The progress engine: full and incremental computations, the atomic switch, roll-ups."""

import io
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from entities.demo import load_entities, load_users
from indicators import services
from indicators.choices import Rating, Status, TargetKind, ValueKind
from indicators.demo import load_unops_plan
from indicators.models import (
    NodeRollup,
    ProgressFrame,
    ProgressResult,
    ProgressSnapshot,
    SnapshotStatus,
)
from indicators.services import progress as engine
from indicators.services.progress import store, switch
from indicators.tasks import recompute_indicator_progress
from tests.indicators.factories import (
    IndicatorFactory,
    LevelFactory,
    NodeFactory,
    PeriodFactory,
    value_in,
    with_framework,
)

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 1)

RESULT_FIELDS = [
    "indicator_id", "period_id", "frame__node_id", "plan_id", "frame__entity_id",
    "period_year", "value_id", "previous_value_id", "frame__baseline", "frame__target",
    "actual", "previous", "percent_of_way", "achieved", "compact_class", "on_track_status",
    "trend",
]  # fmt: skip
ROLLUP_FIELDS = [
    "scope", "node_id", "plan_id", "entity_id", "year", "n", "progress", "no_progress",
    "other", "assessable", "achieved", "on_track", "off_track", "not_started",
    "share_progress_all", "share_progress_assessable",
]  # fmt: skip


def partitions(snapshot):
    """{partition table of the snapshot: attached?} for results and frames."""
    names = [engine.partition_name(parent, snapshot.pk) for parent in engine._KEYS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relispartition FROM pg_class WHERE relname = ANY(%s)", [names]
        )
        return dict(cursor.fetchall())


def results_of(snapshot):
    return sorted(
        ProgressResult.objects.filter(snapshot=snapshot).values_list(*RESULT_FIELDS),
        key=lambda r: (r[0], r[1]),
    )


def rollups_of(snapshot):
    rows = NodeRollup.objects.filter(snapshot=snapshot).values_list(*ROLLUP_FIELDS)
    return sorted(rows, key=lambda r: tuple(str(x) for x in r))


@pytest.fixture
def tree(plan):
    """goal G (indicators a, b) ⊃ principle P (indicators c, d)."""
    goal_level = LevelFactory(plan=plan, depth=0, code="goal")
    principle_level = LevelFactory(plan=plan, depth=1, code="principle", name_en="Principle")
    goal = NodeFactory(plan=plan, level=goal_level, code="G")
    principle = NodeFactory(plan=plan, level=principle_level, code="P", parent=goal)
    return goal, principle


def approved(indicator, period, number, officer, reviewer):
    return value_in(
        indicator, period, Status.APPROVED, officer=officer, reviewer=reviewer, number=number
    )


@pytest.fixture
def data(tree, plan, period, officer, reviewer):
    goal, principle = tree
    a = with_framework(IndicatorFactory(plan=plan, node=goal, code="a"))  # 10 -> 20
    b = with_framework(IndicatorFactory(plan=plan, node=goal, code="b"))
    c = with_framework(IndicatorFactory(plan=plan, node=principle, code="c"))
    d = with_framework(IndicatorFactory(plan=plan, node=principle, code="d"))
    approved(a, period, "15", officer, reviewer)  # progress, on track (50% of way, 25% time)
    approved(b, period, "10", officer, reviewer)  # no progress, off track
    approved(c, period, "9", officer, reviewer)  # moved away: no progress
    # d: no value -> other / not started
    return {"a": a, "b": b, "c": c, "d": d, "goal": goal, "principle": principle}


def test_full_run_classifies_and_rolls_up_a_small_tree(data, plan):
    snapshot = engine.progress_compute_full(as_of=AS_OF)
    assert snapshot.is_current and snapshot.status == SnapshotStatus.COMPLETE
    rows = {
        r.indicator.code: r
        for r in ProgressResult.objects.filter(snapshot=snapshot).select_related("indicator")
    }
    assert rows["a"].percent_of_way == pytest.approx(50.0)
    assert (rows["a"].compact_class, rows["a"].on_track_status) == ("progress", "on_track")
    assert (rows["b"].compact_class, rows["b"].on_track_status) == ("no_progress", "off_track")
    assert rows["c"].compact_class == "no_progress"
    assert (rows["d"].compact_class, rows["d"].on_track_status) == ("other", "not_started")
    assert rows["d"].value_id is None and rows["d"].actual is None
    goal = NodeRollup.objects.get(snapshot=snapshot, scope="node", node=data["goal"], year=2026)
    assert (goal.n, goal.progress, goal.no_progress, goal.other) == (4, 1, 2, 1)
    assert goal.assessable == 3
    assert goal.share_progress_all == pytest.approx(0.25)
    assert goal.share_progress_assessable == pytest.approx(1 / 3)
    principle = NodeRollup.objects.get(
        snapshot=snapshot, scope="node", node=data["principle"], year=2026
    )
    assert (principle.n, principle.progress, principle.no_progress, principle.other) == (
        2,
        0,
        1,
        1,
    )
    assert principle.share_progress_all == 0.0
    assert principle.share_progress_assessable == 0.0
    assert (principle.on_track, principle.off_track, principle.not_started) == (0, 1, 1)
    whole_plan = NodeRollup.objects.get(snapshot=snapshot, scope="plan", plan_id=plan.pk)
    entity = NodeRollup.objects.get(snapshot=snapshot, scope="entity")
    assert whole_plan.n == entity.n == 4 and entity.entity_id == plan.entity_id


def test_latest_approved_value_is_carried_forward_and_trend_uses_the_previous(
    data, plan, period, officer, reviewer
):
    later = PeriodFactory(
        plan=plan, label="2027", start_date=date(2027, 1, 1), end_date=date(2027, 12, 31)
    )
    approved(data["a"], later, "18", officer, reviewer)
    engine.progress_compute_full(as_of=date(2027, 6, 1))
    a = {
        r.period_year: r
        for r in ProgressResult.objects.filter(indicator=data["a"], snapshot__is_current=True)
    }
    assert a[2027].actual == 18 and a[2027].previous == 15 and a[2027].trend == "improving"
    b = ProgressResult.objects.get(indicator=data["b"], period=later, snapshot__is_current=True)
    assert b.actual == 10 and b.previous is None and b.value_id is not None  # carried


def test_full_run_equals_incremental_runs(data, period, officer, reviewer):
    engine.progress_compute_full(as_of=AS_OF)
    current = ProgressSnapshot.objects.get(is_current=True)
    # Change data behind the snapshot's back, then fold in indicator by indicator.
    value = services.value_reopen(value=data["a"].values.get(), actor=reviewer, reason="correction")
    services.value_save(
        indicator=data["a"],
        period=period,
        data={"numeric_value": Decimal("25")},
        actor=officer,
        expected_version=value.version,
    )
    value = services.value_submit(value=data["a"].values.get(), actor=officer)
    services.value_approve(value=value, actor=reviewer)
    approved(data["d"], period, "12", officer, reviewer)
    for key in ("a", "d"):
        engine.progress_compute_indicator(indicator_id=data[key].pk)
    incremental = (results_of(current), rollups_of(current))
    full = engine.progress_compute_full(as_of=AS_OF)
    assert full.pk != current.pk
    assert (results_of(full), rollups_of(full)) == incremental
    a = ProgressResult.objects.get(snapshot=full, indicator=data["a"])
    assert a.achieved and a.on_track_status == "achieved" and a.percent_of_way == 150.0


def test_failing_run_leaves_the_previous_snapshot_current(data):
    first = engine.progress_compute_full(as_of=AS_OF)
    before = results_of(first)
    failing = mock.patch.object(switch, "write_rollups", side_effect=RuntimeError("disk full"))
    with failing, pytest.raises(RuntimeError):
        engine.progress_compute_full(as_of=AS_OF)
    failed = ProgressSnapshot.objects.exclude(pk=first.pk).get()
    assert failed.status == SnapshotStatus.FAILED and "disk full" in failed.error
    assert not failed.is_current
    assert not ProgressResult.objects.filter(snapshot=failed).exists()  # rolled back
    assert partitions(failed) == {}  # its partitions rolled back with it
    assert ProgressSnapshot.objects.get(is_current=True) == first
    assert results_of(first) == before
    # ... and simply running again works.
    again = engine.progress_compute_full(as_of=AS_OF)
    assert again.is_current and results_of(again) == before


def test_the_end_target_is_the_one_marked_end_else_the_last_years(plan, period):
    """Each indicator is read with one target: the one marked "end" even when a later
    milestone exists, else the last year's; no baseline or no target reads as none."""

    def target(indicator, year, number, kind=TargetKind.MILESTONE):
        services.target_set(
            indicator=indicator, year=year, actor=None,
            data={"numeric_value": Decimal(number)}, target_kind=kind,
        )  # fmt: skip

    marked = with_framework(IndicatorFactory(plan=plan, code="marked"), end_year=2027)
    target(marked, 2029, "99")  # a later milestone does not replace the end target
    milestones = IndicatorFactory(plan=plan, code="milestones")
    target(milestones, 2026, "30")
    target(milestones, 2028, "40")
    IndicatorFactory(plan=plan, code="bare")  # neither baseline nor target
    snapshot = engine.progress_compute_full(as_of=AS_OF)
    frames = {
        f.indicator.code: (f.baseline, f.baseline_year, f.target, f.target_year)
        for f in ProgressFrame.objects.filter(snapshot=snapshot).select_related("indicator")
    }
    assert frames == {
        "marked": (10.0, 2025, 20.0, 2027),
        "milestones": (None, None, 40.0, 2028),
        "bare": (None, None, None, None),
    }
    assert set(
        ProgressResult.objects.filter(
            snapshot=snapshot, indicator__code__in=["milestones", "bare"]
        ).values_list("compact_class", flat=True)
    ) == {"other"}


def test_a_run_failing_mid_copy_leaves_no_table_behind(data):
    """The writer's connection is rolled back with its half-written table."""
    first = engine.progress_compute_full(as_of=AS_OF)
    calls = []

    def judge_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("rules broke")
        return judge_batch(*args, **kwargs)

    judge_batch = engine.judge_batch
    with (
        mock.patch.object(switch, "READ_RANGES", 4),
        mock.patch.object(store, "judge_batch", side_effect=judge_then_fail),
        pytest.raises(RuntimeError, match="rules broke"),
    ):
        engine.progress_compute_full(as_of=AS_OF)
    failed = ProgressSnapshot.objects.exclude(pk=first.pk).get()
    assert failed.status == SnapshotStatus.FAILED and partitions(failed) == {}
    assert ProgressSnapshot.objects.get(is_current=True) == first


def test_a_writer_that_cannot_start_fails_the_run_cleanly(data):
    first = engine.progress_compute_full(as_of=AS_OF)
    with (
        mock.patch.object(switch, "_create_sql", return_value="CREATE TABLE x (not columns)"),
        pytest.raises(DatabaseError, match="syntax error"),
    ):
        engine.progress_compute_full(as_of=AS_OF)
    failed = ProgressSnapshot.objects.exclude(pk=first.pk).get()
    assert failed.status == SnapshotStatus.FAILED and "syntax error" in failed.error
    assert partitions(failed) == {}
    assert ProgressSnapshot.objects.get(is_current=True) == first


def test_readers_see_none_of_a_run_before_its_switch(data):
    """The writer commits its table before the switch, but only as a table of its own: the
    results table (what every reader queries) gets it in the run's own transaction."""
    seen = {}
    close = engine._ResultsWriter.close

    def look_from_another_connection(writer):
        close(writer)  # the writer is done: its table is committed, not yet attached
        other = connection.get_new_connection(connection.get_connection_params())
        try:
            seen["stored"] = other.execute(f"SELECT count(*) FROM {writer.table}").fetchone()[0]
            seen["readable"] = other.execute(
                f"SELECT count(*) FROM {ProgressResult._meta.db_table}"
            ).fetchone()[0]
        finally:
            other.close()

    with mock.patch.object(engine._ResultsWriter, "close", look_from_another_connection):
        snapshot = engine.progress_compute_full(as_of=AS_OF)
    assert seen == {"stored": 4, "readable": 0}
    assert ProgressResult.objects.filter(snapshot=snapshot).count() == 4


def test_prune_drops_the_table_a_crashed_run_left(data):
    """A run killed after its writer committed leaves a table no reader sees and a snapshot
    still "running": once that snapshot is abandoned (6 hours), prune drops both."""
    current = engine.progress_compute_full(as_of=AS_OF)
    crashed = ProgressSnapshot.objects.create(as_of=AS_OF)  # status running
    with connection.cursor() as cursor:
        create = engine._create_sql(cursor, ProgressResult._meta.db_table, crashed.pk)
    writer = engine._ResultsWriter(crashed.pk, create)
    writer.finish()  # committed, never attached
    writer.close()
    assert engine.progress_prune() == 0  # a run may still be going: left alone
    assert partitions(crashed) == {writer.table: False}
    ProgressSnapshot.objects.filter(pk=crashed.pk).update(
        created_at=timezone.now() - timedelta(hours=7)
    )
    assert engine.progress_prune() == 1
    assert partitions(crashed) == {} and not ProgressSnapshot.objects.filter(pk=crashed.pk)
    assert ProgressSnapshot.objects.get(is_current=True) == current


def test_empty_partitions_take_rows_written_one_by_one(data, plan, period):
    """create_empty_partitions() (the benchmark's naive loop writes through the ORM): both
    partitions attached, with their keys."""
    snapshot = ProgressSnapshot.objects.create(as_of=AS_OF)
    engine.create_empty_partitions(snapshot)
    assert set(partitions(snapshot).values()) == {True}
    indicator = data["a"]
    frame = ProgressFrame.objects.create(
        snapshot=snapshot, indicator=indicator, node_id=indicator.node_id, plan_id=plan.pk,
        entity_id=plan.entity_id, baseline=10.0, target=20.0,
    )  # fmt: skip
    row = {
        "snapshot": snapshot, "indicator": indicator, "period": period, "plan_id": plan.pk,
        "period_year": 2026, "achieved": False, "compact_class": "other",
        "on_track_status": "not_started",
    }  # fmt: skip
    ProgressResult.objects.create(**row)
    assert ProgressResult.objects.get(snapshot=snapshot).frame == frame
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressResult.objects.create(**row)


@pytest.mark.parametrize("ranges", [1, 2, 3, 10])
def test_results_do_not_depend_on_how_the_run_is_cut(data, ranges):
    reference = results_of(engine.progress_compute_full(as_of=AS_OF))
    with (
        mock.patch.object(switch, "READ_RANGES", ranges),
        mock.patch.object(store, "BATCH_ROWS", 1),
    ):
        assert results_of(engine.progress_compute_full(as_of=AS_OF)) == reference


def test_id_ranges_cover_every_indicator_with_rows_about_even():
    frame = engine.Frame.__new__(engine.Frame)
    frame.indicators = {"indicator_id": np.array([3, 5, 8, 9, 20, 21])}
    frame.counts = np.array([10, 10, 10, 10, 0, 20])
    assert frame.id_ranges(1) == [(3, 21)]
    assert frame.id_ranges(2) == [(3, 8), (9, 21)]
    three = frame.id_ranges(3)
    assert three[0][0] == 3 and three[-1][1] == 21 and len(three) == 3
    assert all(a[1] < b[0] for a, b in zip(three, three[1:], strict=False))  # in order
    many = frame.id_ranges(50)  # never more ranges than indicators
    assert many[0][0] == 3 and many[-1][1] == 21 and len(many) <= 6
    frame.indicators, frame.counts = {"indicator_id": np.array([], dtype=int)}, np.array([])
    assert frame.id_ranges(4) == [(0, 0)]


def test_rerun_is_idempotent_and_prune_keeps_two(data):
    first = engine.progress_compute_full(as_of=AS_OF)
    second = engine.progress_compute_full(as_of=AS_OF)
    third = engine.progress_compute_full(as_of=AS_OF)
    assert results_of(first) == results_of(second) == results_of(third)
    assert rollups_of(first) == rollups_of(third)
    assert ProgressSnapshot.objects.filter(is_current=True).get() == third
    engine.progress_compute_indicator(indicator_id=data["a"].pk)
    engine.progress_compute_indicator(indicator_id=data["a"].pk)
    assert results_of(third) == results_of(first)
    assert engine.progress_prune() == 1
    assert set(ProgressSnapshot.objects.values_list("pk", flat=True)) == {second.pk, third.pk}
    assert not ProgressResult.objects.filter(snapshot=first).exists()
    assert partitions(first) == {}  # dropped whole
    assert set(partitions(second).values()) == {True}


def test_prune_never_removes_a_pinned_snapshot(data):
    """A report run pins the snapshot it read: beyond `keep`, the pinned one stays with its
    rows, the unpinned one of the same age goes."""
    first = engine.progress_compute_full(as_of=AS_OF)
    second = engine.progress_compute_full(as_of=AS_OF)
    engine.progress_compute_full(as_of=AS_OF)
    engine.progress_compute_full(as_of=AS_OF)
    ProgressSnapshot.objects.filter(pk=first.pk).update(pinned=True)
    assert engine.progress_prune(keep=2) == 1  # only `second`
    assert ProgressSnapshot.objects.filter(pk=first.pk).exists()
    assert ProgressResult.objects.filter(snapshot=first).count() == results_count(first)
    assert set(partitions(first).values()) == {True}
    assert not ProgressSnapshot.objects.filter(pk=second.pk).exists()
    ProgressSnapshot.objects.filter(pk=first.pk).update(pinned=False)
    assert engine.progress_prune(keep=2) == 1  # unpinned: now it goes too


def results_count(snapshot):
    return snapshot.result_count


def test_each_snapshot_is_a_partition_of_its_own_with_a_unique_key(data):
    snapshot = engine.progress_compute_full(as_of=AS_OF)
    assert set(partitions(snapshot).values()) == {True}  # both attached
    row = ProgressResult.objects.get(snapshot=snapshot, indicator=data["a"])
    assert row.frame.baseline == 10 and row.frame.target == 20  # through the frame
    assert (row.baseline, row.target, row.node_id) == (10, 20, data["goal"].pk)
    # The key (snapshot, plan, indicator, period) is enforced by the database.
    row.pk = (snapshot.pk, row.plan_id, row.indicator_id, row.period_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressResult.objects.bulk_create([row])
    # a row of another snapshot has no partition to go to
    refused = pytest.raises(DatabaseError, match="no partition")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ProgressResult._meta.db_table} (snapshot_id, plan_id, "
            "indicator_id, period_id, period_year, achieved, compact_class, "
            "on_track_status, trend) VALUES (%s, 1, 1, 1, 2026, false, 'other', "
            "'not_started', '')",
            [snapshot.pk + 1000],
        )
    # one frame per indicator, and every result row has its frame
    assert ProgressFrame.objects.filter(snapshot=snapshot).count() == 4
    rows = ProgressResult.objects.filter(snapshot=snapshot)
    assert rows.filter(frame__node_id__isnull=False).count() == rows.count() == 4


def test_a_deleted_or_deactivated_indicator_leaves_the_snapshot(data):
    snapshot = engine.progress_compute_full(as_of=AS_OF)
    data["b"].is_active = False
    data["b"].save()
    engine.progress_compute_indicator(indicator_id=data["b"].pk)
    kept = set(ProgressResult.objects.filter(snapshot=snapshot).values_list("indicator__code"))
    assert kept == {("a",), ("c",), ("d",)}
    assert not ProgressFrame.objects.filter(snapshot=snapshot, indicator=data["b"]).exists()
    goal = NodeRollup.objects.get(snapshot=snapshot, scope="node", node=data["goal"], year=2026)
    assert goal.n == 3
    # rows of an indicator id that no longer exists are removed too
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ProgressResult._meta.db_table} SET indicator_id = 999999 "
            "WHERE snapshot_id = %s AND indicator_id = %s",
            [snapshot.pk, data["c"].pk],
        )
    engine.progress_compute_indicator(indicator_id=999999)
    assert not ProgressResult.objects.filter(snapshot=snapshot, indicator_id=999999).exists()


def test_column_reader_refuses_nulls_and_reads_columns(db):
    from core.copy import fetch_columns

    columns = [("a", "int8"), ("b", "float8"), ("c", "bool"), ("d", "int2"), ("e", "int4")]
    got = fetch_columns(
        "SELECT x::int8, x / 2.0::float8, x %% 2 = 0, (-x)::int2, x::int4 "
        "FROM generate_series(1, 3) x WHERE x >= %s",
        columns,
        [1],
    )
    order = np.argsort(got["a"])  # no order is promised
    got = {name: column[order] for name, column in got.items()}
    assert got["a"].tolist() == [1, 2, 3] and got["b"].tolist() == [0.5, 1.0, 1.5]
    assert got["c"].tolist() == [False, True, False] and got["d"].tolist() == [-1, -2, -3]
    assert got["e"].dtype.kind == "i" and got["e"].tolist() == [1, 2, 3]
    assert got["c"].dtype == bool and got["a"].dtype == np.int64
    empty = fetch_columns("SELECT 1::int8, 1::float8, true, 1::int2, 1::int4 WHERE false", columns)
    assert all(len(v) == 0 for v in empty.values())
    assert [v.dtype.kind for v in empty.values()] == ["i", "f", "b", "i", "i"]
    with pytest.raises(ValueError, match="NULL"):
        fetch_columns("SELECT NULL::int8, 1::float8, true, 1::int2, 1::int4", columns)
    with pytest.raises(ValueError, match="NULL"):  # a NULL among other rows
        fetch_columns(
            "SELECT NULLIF(x, 2)::int8, 1::float8, true, 1::int2, 1::int4 "
            "FROM generate_series(1, 3) x",
            columns,
        )
    with pytest.raises(ValueError, match="NULL"):  # a type other than declared
        fetch_columns("SELECT 1::int4, 1::float8, true, 1::int2, 1::int4", columns)
    with pytest.raises(DatabaseError):  # a bad query reaches the caller as Django's error
        fetch_columns("SELECT no_such_column", [("a", "int8")])


def test_incremental_without_a_snapshot_runs_a_full_computation(data):
    snapshot = engine.progress_compute_indicator(indicator_id=data["a"].pk)
    assert snapshot.is_current and ProgressResult.objects.filter(snapshot=snapshot).count() == 4


def test_approve_and_reopen_enqueue_the_recomputation_after_commit(
    indicator, period, officer, reviewer, django_capture_on_commit_callbacks
):
    value = value_in(indicator, period, Status.SUBMITTED, officer=officer)
    with mock.patch.object(recompute_indicator_progress, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            value = services.value_approve(value=value, actor=reviewer)
        delay.assert_not_called()  # not inside the transaction
        for callback in callbacks:
            callback()
        delay.assert_called_once_with(indicator.pk)
        delay.reset_mock()
        with django_capture_on_commit_callbacks(execute=True):
            services.value_reopen(value=value, actor=reviewer, reason="typo")
        delay.assert_called_once_with(indicator.pk)


def test_a_changed_baseline_or_target_is_folded_in_after_commit(
    data, django_capture_on_commit_callbacks
):
    snapshot = engine.progress_compute_full(as_of=AS_OF)
    a = data["a"]
    with mock.patch.object(recompute_indicator_progress, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            services.baseline_set(
                indicator=a,
                actor=None,
                data={
                    "numeric_value": Decimal("12"),
                    "period_start": date(2025, 1, 1),
                    "period_end": date(2025, 12, 31),
                },
            )
        delay.assert_called_once_with(a.pk)
        delay.reset_mock()
        with django_capture_on_commit_callbacks(execute=True):
            services.target_set(
                indicator=a,
                year=2029,
                actor=None,
                data={"numeric_value": Decimal("18")},
                target_kind=TargetKind.END,
            )
        delay.assert_called_once_with(a.pk)
    recompute_indicator_progress.apply(args=[a.pk]).get()  # what the worker runs
    row = ProgressResult.objects.select_related("frame").get(snapshot=snapshot, indicator=a)
    assert (row.baseline, row.target) == (12, 18)
    assert row.percent_of_way == pytest.approx(50.0)  # (15 - 12) / (18 - 12)


def test_task_recomputes_the_indicator(data):
    snapshot = engine.progress_compute_full(as_of=AS_OF)
    ProgressResult.objects.filter(snapshot=snapshot, indicator=data["a"]).delete()
    recompute_indicator_progress.apply(args=[data["a"].pk]).get()
    assert ProgressResult.objects.filter(snapshot=snapshot, indicator=data["a"]).count() == 1
    recompute_indicator_progress.apply(args=[999_999]).get()  # a deleted indicator: no error


def test_parts_take_the_worst_class_among_parts_with_data(plan, period, officer, reviewer):
    ind = IndicatorFactory(plan=plan, code="parts", value_kind=ValueKind.PARTS)
    services.baseline_set(
        indicator=ind,
        actor=None,
        data={
            "parts": {"pooled": Decimal("10"), "thematic": Decimal("10")},
            "period_start": date(2025, 1, 1),
            "period_end": date(2025, 12, 31),
        },
    )
    services.target_set(
        indicator=ind,
        year=2029,
        actor=None,
        data={"parts": {"pooled": Decimal("20"), "thematic": Decimal("20")}},
        target_kind="end",
    )
    value = services.value_save(
        indicator=ind,
        period=period,
        data={"parts": {"pooled": Decimal("15"), "thematic": Decimal("9")}},
        actor=officer,
    )
    services.value_approve(value=services.value_submit(value=value, actor=officer), actor=reviewer)
    engine.progress_compute_full(as_of=AS_OF)
    row = ProgressResult.objects.get(indicator=ind, snapshot__is_current=True)
    assert row.compact_class == "no_progress"  # thematic moved away
    assert row.on_track_status == "off_track"
    assert row.percent_of_way == pytest.approx(-10.0)  # the laggard part
    assert row.actual is None


@pytest.mark.parametrize(
    ("rating", "period_year", "expected"),
    [
        (Rating.ACHIEVED, 2026, "achieved"),
        (Rating.ON_TRACK, 2026, "on_track"),
        (Rating.ON_TRACK, 2029, "on_track"),
        (Rating.ON_TRACK, 2030, "off_track"),
        (Rating.OFF_TRACK, 2026, "off_track"),
        (Rating.NOT_STARTED, 2026, "not_started"),
        ("", 2026, None),
    ],
)
def test_rating_maps_to_a_status_in_one_place(rating, period_year, expected):
    assert list(engine.rating_status([rating], [period_year], [2029])) == [expected]


def test_demo_plan_computes_every_kind(db):
    load_entities()
    load_users(password="demo-pass-123")
    load_unops_plan()
    snapshot = engine.progress_compute_full(as_of=AS_OF)
    frame = pd.DataFrame(
        ProgressResult.objects.filter(snapshot=snapshot, period_year=2026).values(
            "compact_class", "on_track_status"
        )
    )
    assert {"progress", "other"} <= set(frame["compact_class"])
    assert snapshot.result_count == ProgressResult.objects.filter(snapshot=snapshot).count()
    text = ProgressResult.objects.filter(
        snapshot=snapshot, indicator__value_kind=ValueKind.TEXT, period_year=2026
    )
    assert text.exists() and all(r.compact_class == "other" for r in text)


def test_command_computes_and_prunes(data):
    from django.core.management import call_command

    call_command("compute_progress", "--as-of", "2026-11-01", stdout=io.StringIO())
    call_command("compute_progress", "--as-of", "2026-11-01", stdout=io.StringIO())
    call_command("compute_progress", "--as-of", "2026-11-01", stdout=io.StringIO())
    assert ProgressSnapshot.objects.count() == 2
    out = io.StringIO()
    call_command("compute_progress", "--indicator", str(data["a"].pk), stdout=out)
    assert "folded" in out.getvalue()


def test_nightly_job_is_scheduled():
    from resultsframework.celery import app

    entry = app.conf.beat_schedule["progress-nightly"]
    assert entry["task"] == "indicators.tasks.recompute_all_progress"


def test_binary_copy_round_trips_nulls_and_empty_text(db):
    from django.db import connection

    from core.copy import copy_in_binary

    frame = pd.DataFrame(
        {
            "a": pd.array([1, None, 3], dtype="Int64"),
            "b": [1.5, float("nan"), -2.25],
            "c": [True, False, True],
            "d": ["progress", "", "其他"],
            "e": pd.array([2026, 2027, None], dtype="Int64"),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bin_copy (a bigint, b float8, c boolean, d text, e smallint)"
        )
        types = {"a": "int8", "b": "float8", "c": "bool", "d": "text", "e": "int2"}
        assert copy_in_binary("bin_copy", frame, types) == 3
        cursor.execute("SELECT a, b, c, d, e FROM bin_copy ORDER BY c, a NULLS FIRST")
        rows = cursor.fetchall()
    assert rows == [(None, None, False, "", 2027), (1, 1.5, True, "progress", 2026),
                    (3, -2.25, True, "其他", None)]  # fmt: skip
