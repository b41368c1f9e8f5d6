"""Progress engine: full recomputation over 1,000,000 stored values, and one approval.

Shape: 50 entities × 2,000 indicators × 10 annual periods = 1,000,000 values (one plan per
entity, 2021–2030, 3 levels: 2 pillars → 8 goals → 40 principles, indicators on principles;
baselines 2020, end targets 2030; 95% of values approved, 3% of them missing with a footnote,
a quarter of the indicators decreasing). Generated with INSERT ... SELECT generate_series,
row-history triggers switched off for the load (session_replication_role = replica).

Prints: the full recomputation (read → evaluate() → COPY into a new snapshot → roll-ups →
atomic switch) with wall time, Python peak (tracemalloc) and process peak RSS, and its ratios
to (a) the floor: ONE SQL statement that classifies the same approved values into a new table
(CREATE TABLE AS SELECT), and (b) a naive per-object ORM implementation run on a
10,000-value subset (scaled per value). Then one full run split by phase (read, judge, encode
and send, the writer's COPY, index build and commit, frames, roll-ups, switch): wall time, CPU
of the Python thread and of the PostgreSQL process of each (when the server runs on this
machine), the PostgreSQL CPU no phase accounts for, the WAL written and checkpoints. Then the
incremental recomputation after one approval.
"""

import os
import resource
import statistics
import time
from datetime import date

from django.core.management import call_command
from django.db import connection, transaction

from benchmarks.util import best_of, cpu_use, peak_memory, plan_tree, report
from core import phases
from entities.models import Entity
from indicators.choices import Status
from indicators.models import (
    Indicator,
    Plan,
    ProgressFrame,
    ProgressResult,
    ProgressSnapshot,
    Value,
)
from indicators.services import progress as engine

N_ENTITIES, N_INDICATORS, N_PERIODS = 50, 2_000, 10
N_VALUES = N_ENTITIES * N_INDICATORS * N_PERIODS
NAIVE_VALUES = 10_000
AS_OF = date(2030, 12, 31)


def _framework():
    """Entities, plans, levels, nodes and periods through the ORM (a few thousand rows)."""
    plans = []
    for e in range(N_ENTITIES):
        entity = Entity.objects.create(
            code=f"B{e:02d}", name_en=f"Bench entity {e}", entity_type="fund_programme"
        )
        plan = Plan.objects.create(
            entity=entity,
            code="sp",
            kind="strategic_plan",
            title_en="Bench plan",
            start_year=2021,
            end_year=2030,
        )
        plan_tree(plan, range(2021, 2021 + N_PERIODS))
        plans.append(plan)
    return plans


_BULK = """
SET session_replication_role = replica;
INSERT INTO indicators_indicator (plan_id, node_id, code, name_en, name_zh, definition_en,
    definition_zh, data_source_en, data_source_zh, frequency, value_kind, unit_en, unit_zh,
    currency, decimals, direction,
    method_in_development, disaggregation_en, disaggregation_zh, part_labels,
    is_illustrative, is_active, "order")
SELECT n.plan_id, n.id, 'I' || n.id || '-' || k, 'Bench indicator', '', '', '', '', '',
       'annual', 'number', '', '', '', 2, CASE WHEN k % 4 = 0 THEN 'decrease' ELSE 'increase' END,
       k % 50 = 7, '', '', '[]', false, true, k
FROM indicators_node n
JOIN indicators_level l ON l.id = n.level_id AND l.code = 'principle'
CROSS JOIN generate_series(1, {per_node}) k;

INSERT INTO indicators_baseline (indicator_id, kind, numeric_value, currency, text_value,
    is_missing, footnote, source, period_start, period_end)
SELECT i.id, 'number', 50 + (i.id % 17), '', '', false, '', '', '2020-01-01', '2020-12-31'
FROM indicators_indicator i;

INSERT INTO indicators_target (indicator_id, kind, numeric_value, currency, text_value,
    is_missing, footnote, source, year, target_kind)
SELECT i.id, 'number',
       CASE WHEN i.direction = 'decrease' THEN 30 ELSE 80 END + (i.id % 17), '', '', false,
       '', '', 2030, 'end'
FROM indicators_indicator i;

INSERT INTO indicators_value (indicator_id, period_id, kind, numeric_value, currency,
    text_value, is_missing, footnote, source, status, rating, return_reason, version,
    created_at, updated_at)
SELECT i.id, p.id, 'number',
       CASE WHEN (i.id + p.id) % 33 = 0 THEN NULL
            ELSE round((45 + (i.id % 17)
                 + random() * 4 * (EXTRACT(YEAR FROM p.start_date) - 2020))::numeric, 2) END,
       '', '', (i.id + p.id) % 33 = 0, CASE WHEN (i.id + p.id) % 33 = 0 THEN 'n/a' ELSE '' END,
       '', CASE WHEN (i.id * 7 + p.id) % 20 = 0 THEN 'submitted' ELSE 'approved' END, '', '', 1,
       now() - interval '1 day', now() - interval '1 day'
FROM indicators_indicator i
JOIN indicators_reportingperiod p ON p.plan_id = i.plan_id;
SET session_replication_role = origin;
"""

# The floor: the same compact classification of the same approved values, one statement.
_FLOOR = """
DROP TABLE IF EXISTS bench_floor;
CREATE TABLE bench_floor AS
SELECT v.id AS value_id, v.indicator_id, v.period_id,
       (v.numeric_value - b.numeric_value) / NULLIF(t.numeric_value - b.numeric_value, 0) * 100
           AS percent_of_way,
       CASE WHEN v.is_missing OR b.numeric_value IS NULL OR i.method_in_development
                THEN 'other'
            WHEN (i.direction = 'increase' AND v.numeric_value > b.numeric_value)
              OR (i.direction = 'decrease' AND v.numeric_value < b.numeric_value)
                THEN 'progress'
            ELSE 'no_progress' END AS compact_class
FROM indicators_value v
JOIN indicators_indicator i ON i.id = v.indicator_id
JOIN indicators_baseline b ON b.indicator_id = i.id
JOIN indicators_target t ON t.indicator_id = i.id AND t.target_kind = 'end'
WHERE v.status = 'approved';
"""


def _naive(limit):
    """Object by object: each approved value, its indicator, baseline and target through the
    ORM, the rule in Python, one INSERT per result (and one per indicator's frame)."""
    snapshot = ProgressSnapshot.objects.create(as_of=AS_OF, status="failed")
    engine.create_empty_partitions(snapshot)
    values = Value.objects.filter(status=Status.APPROVED).order_by("pk")[:limit]
    with transaction.atomic():
        for value in values:
            indicator = value.indicator
            baseline = indicator.baseline
            target = indicator.targets.filter(target_kind="end").first()
            b, t = baseline.numeric_value, target.numeric_value
            a = value.numeric_value
            sign = 1 if indicator.direction == "increase" else -1
            if a is None or b is None or indicator.method_in_development:
                klass = "other"
            elif sign * (a - b) > 0:
                klass = "progress"
            else:
                klass = "no_progress"
            percent = float((a - b) / (t - b) * 100) if a is not None and t != b else None
            ProgressFrame.objects.get_or_create(
                snapshot=snapshot,
                indicator=indicator,
                defaults={
                    "node_id": indicator.node_id,
                    "plan_id": indicator.plan_id,
                    "entity_id": indicator.plan.entity_id,
                    "baseline": float(b),
                    "target": float(t),
                },
            )
            ProgressResult.objects.create(
                snapshot=snapshot,
                indicator_id=indicator.pk,
                period_id=value.period_id,
                plan_id=indicator.plan_id,
                period_year=value.period.end_date.year,
                value_id=value.pk,
                percent_of_way=percent,
                achieved=False,
                compact_class=klass,
                on_track_status="not_started",
            )
    return snapshot


def _delete_snapshot(snapshot):
    with connection.cursor() as cursor:
        engine.drop_partitions(cursor, snapshot.pk)
    snapshot.delete()


def _interleaved(floor, full, rounds=5):
    """Median wall times of the floor and the full run, measured in turns (this machine's
    speed drifts by tens of percent over a minute; turns expose both to the same drift)."""
    floor()
    full()
    floors, fulls = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        floor()
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        full()
        fulls.append(time.perf_counter() - started)
        engine.progress_prune(keep=1)
    return statistics.median(floors), statistics.median(fulls)


def _wal_and_checkpoints():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_wal_lsn(), checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
        )
        return cursor.fetchone()


def _explain_one_run(floor_cpu):
    """One more full run, with its phases timed (core.phases): per phase the wall time, the
    CPU of the Python thread that ran it and of the PostgreSQL server process that served it;
    then the CPU of the whole run (this process, every PostgreSQL process of the machine), the
    share of it no phase accounts for (WAL writer, checkpointer, parallel index workers), the
    WAL written and the checkpoints that ran meanwhile."""
    lsn, checkpoints = _wal_and_checkpoints()
    started = time.perf_counter()
    with phases.record() as recorded:
        _snapshot, python, server = cpu_use(lambda: engine.progress_compute_full(as_of=AS_OF))
    wall = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s), "
            "(SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter) - %s",
            [lsn, checkpoints],
        )
        wal, checkpointed = cursor.fetchone()

    def seconds(value):
        return "    -" if value is None else f"{value:5.2f}"

    print(
        f"one full run, {wall:.2f} s, by phase (wall; CPU of the Python thread that ran it; "
        "CPU of the PostgreSQL process that served it; the writer's phases overlap the "
        "run's):",
        flush=True,
    )
    in_phases = 0.0
    for name, count, phase_wall, phase_python, phase_server in recorded.table():
        in_phases += phase_server or 0.0
        print(
            f"  {name:<36} ×{count:<3} wall {phase_wall:5.2f} s   "
            f"Python {seconds(phase_python)} s   PostgreSQL {seconds(phase_server)} s",
            flush=True,
        )
    if server is not None and floor_cpu is not None:
        print(
            f"CPU of the run: {python:.2f} s Python (all threads) + {server:.2f} s PostgreSQL "
            f"= {python + server:.2f} s on {os.cpu_count()} cores; PostgreSQL in the run's two "
            f"server processes {in_phases:.2f} s, in others {server - in_phases:.2f} s (WAL "
            f"writer, checkpointer, parallel index workers — and anything else the machine's "
            f"server does meanwhile); floor {floor_cpu:.2f} s in its one server process",
            flush=True,
        )
    print(
        f"WAL written by the run: {wal / 2**20:.0f} MiB; checkpoints during it: {checkpointed}",
        flush=True,
    )


def run():
    # The benchmarks share one throw-away database: start from an empty one, so that the
    # shape above is all there is (the import benchmark's indicators would collide with the
    # generated values, and would be computed and timed too).
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    _framework()
    per_node = N_INDICATORS // 40
    with connection.cursor() as cursor:
        cursor.execute(_BULK.format(per_node=per_node))
    counts = (Indicator.objects.count(), Value.objects.count())
    print(
        f"generated {counts[0]:,} indicators and {counts[1]:,} values "
        f"({N_ENTITIES} entities × {N_INDICATORS:,} indicators × {N_PERIODS} periods) "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    with connection.cursor() as cursor:
        # The steady state of a database that has been running: tables vacuumed and analysed
        # (else autovacuum starts on the fresh million rows in the middle of the timings).
        cursor.execute("VACUUM ANALYZE")
    approved = Value.objects.filter(status=Status.APPROVED).count()

    def floor():
        # The session settings the full run uses (indicators/services/progress/switch.py), so that
        # the floor is measured on the same terms.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute("SET LOCAL work_mem TO '64MB'")
            cursor.execute(_FLOOR)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    floor_s, full_s = _interleaved(floor, lambda: engine.progress_compute_full(as_of=AS_OF))
    report(f"floor: one SQL statement, {approved:,} approved values", floor_s)
    snapshot, peak = peak_memory(lambda: engine.progress_compute_full(as_of=AS_OF))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report(
        f"full recomputation: {snapshot.result_count:,} results",
        full_s,
        floor_s,
        "SQL floor",
        f"python peak {peak / 2**20:.0f} MiB; process peak RSS {rss / 2**10:.0f} MiB "
        f"(before: {rss_before / 2**10:.0f} MiB); medians of 5, taken in turns",
    )
    # Where the time goes: the full run keeps both cores busy, the floor one.
    connection.ensure_connection()
    backend = phases.backend_pid(connection.connection)
    before = phases.process_cpu(backend)
    floor()
    floor_cpu = phases.process_cpu(backend) - before if before is not None else None
    _explain_one_run(floor_cpu)
    pruned_at = time.perf_counter()
    pruned = engine.progress_prune(keep=1)
    report(
        f"prune of {pruned} previous snapshot(s) of 1,000,000 rows (not counted above)",
        time.perf_counter() - pruned_at,
    )

    naive_started = time.perf_counter()
    naive_snapshot = _naive(NAIVE_VALUES)
    naive_s = time.perf_counter() - naive_started
    _delete_snapshot(naive_snapshot)
    per_value_naive = naive_s / NAIVE_VALUES
    per_value_full = full_s / approved
    report(
        f"naive per-object ORM, {NAIVE_VALUES:,} values",
        naive_s,
        extra=(
            f"{per_value_naive * 1e6:.0f} µs/value vs {per_value_full * 1e6:.1f} µs/value "
            f"in the full run: naive is {per_value_naive / per_value_full:.0f}x slower "
            f"(≈ {per_value_naive * approved / 60:.0f} min for all {approved:,})"
        ),
    )

    # One approval: a submitted value is approved, then the after-commit task's service runs.
    value = Value.objects.filter(status=Status.SUBMITTED).order_by("pk").first()

    def one_approval():
        Value.objects.filter(pk=value.pk).update(status=Status.APPROVED)
        engine.progress_compute_indicator(indicator_id=value.indicator_id)
        Value.objects.filter(pk=value.pk).update(status=Status.SUBMITTED)

    incremental_s = best_of(one_approval, repeat=5)
    report(
        "incremental: one indicator + its entity's roll-ups",
        incremental_s,
        floor_s,
        "SQL floor",
        f"({N_INDICATORS * N_PERIODS:,} stored results re-rolled)",
    )
