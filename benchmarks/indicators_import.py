"""Excel import: a 50,000-row workbook through preview and commit, against a calamine-only floor.

The floor parses the same workbook with python-calamine and does nothing else: the fastest
reader available, so the ratio says what checking every row and writing it costs on top
(aim: at most 5x, issue #15). Also printed: the peak memory, the number of statements of
the commit (constant in rows: COPY into a staging table, the comparison, one merge), the CPU
of each step in this process and in its PostgreSQL backend, and a database floor: the same
rows COPYed into a temporary table and written by one INSERT ... SELECT into the real value
table (its keys, indexes and history trigger) in a transaction of their own — what
PostgreSQL alone costs to store them, whatever the code around it.
"""

import os
import resource
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from benchmarks.util import cpu_words, report, step_cpu

ROWS = int(os.environ.get("INDICATORS_BENCH_ROWS", "50000"))


def _setup(rows):
    """An entity, an officer, a framework with `rows` indicators (a tenth of them percent)."""
    from django.contrib.auth import get_user_model

    from entities.choices import Role
    from entities.models import Entity, Membership
    from indicators.choices import ValueKind
    from indicators.models import Indicator, Level, Node, Plan, ReportingPeriod

    entity = Entity.objects.create(code="BENCH", name_en="Benchmark entity", entity_type="other")
    officer = get_user_model().objects.create_user("bench-officer", password="x")
    Membership.objects.create(user=officer, entity=entity, role=Role.PROGRAMME_OFFICER)
    plan = Plan.objects.create(
        entity=entity,
        code="bench",
        kind="strategic_plan",
        title_en="Bench",
        start_year=2026,
        end_year=2029,
    )
    level = Level.objects.create(plan=plan, depth=0, code="goal", name_en="Goal")
    node = Node.objects.create(plan=plan, level=level, code="G1", title_en="Goal 1")
    period = ReportingPeriod.objects.create(
        plan=plan, label="2026", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    # The database floor writes the same rows for another period of the same indicators.
    ReportingPeriod.objects.create(
        plan=plan, label="2027", start_date=date(2027, 1, 1), end_date=date(2027, 12, 31)
    )
    Indicator.objects.bulk_create(
        [
            Indicator(
                plan=plan,
                node=node,
                code=f"B{i:06d}",
                name_en=f"Indicator {i}",
                value_kind=ValueKind.PERCENT if i % 10 == 0 else ValueKind.NUMBER,
                decimals=1,
                order=i,
            )
            for i in range(rows)
        ],
        batch_size=5000,
    )
    return officer, period


def _workbook(path, rows):
    """The template's columns, one row per indicator, written in openpyxl's streaming mode."""
    from openpyxl import Workbook

    from indicators.exporters import COLUMNS, column_titles

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Values")
    titles = column_titles()
    ws.append([str(titles[c]) for c in COLUMNS])
    for i in range(rows):
        kind = "Percent" if i % 10 == 0 else "Number"
        value = (i % 1000) / 10 if i % 10 == 0 else i * 1.5
        ws.append([f"B{i:06d}", f"Indicator {i}", kind, "", "", "", value, ""])
    about = wb.create_sheet("About")
    about.append(["Period", "2026"])
    wb.save(path)


def _floor(path):
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Values").to_python()
    return time.perf_counter() - started, len(rows) - 1


def _database_floor(period, data, officer):
    """Store `data` (the commit's staged rows, CSV) as values of `period` with nothing else
    around it: one COPY into a temporary table, one INSERT ... SELECT into the value table,
    COMMIT (with the deferred key checks). Returns {step: (wall, Python CPU, PostgreSQL CPU)}."""
    from django.db import connection, transaction
    from django.utils import timezone

    from core.bulk import bulk_settings, stage_csv
    from indicators.models import Value
    from indicators.services.values_bulk import STAGE, STAGE_COLUMNS, TYPED

    steps = {}
    typed = ", ".join(TYPED)
    transaction.set_autocommit(False)
    try:
        bulk_settings()
        *_r, wall, python, postgres = step_cpu(lambda: stage_csv(STAGE, STAGE_COLUMNS, data))
        steps["COPY into a temporary table"] = (wall, python, postgres)

        def insert():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {Value._meta.db_table} (indicator_id, period_id, {typed}, "
                    "source, status, rating, return_reason, version, entered_by_id, "
                    f"created_at, updated_at) SELECT indicator_id, %s, {typed}, '', 'draft', "
                    f"'', '', 1, %s, %s, %s FROM {STAGE}",
                    [period.pk, officer.pk, timezone.now(), timezone.now()],
                )
                return cursor.rowcount

        written, wall, python, postgres = step_cpu(insert)
        steps["INSERT ... SELECT (with its history)"] = (wall, python, postgres)
        *_r, wall, python, postgres = step_cpu(connection.commit)
        steps["COMMIT"] = (wall, python, postgres)
    finally:
        transaction.set_autocommit(True)
    assert written == ROWS, written
    return steps


def _rss_mb():
    """The process's peak resident memory so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from indicators import services
    from indicators.choices import ImportStatus
    from indicators.models import ReportingPeriod, Value
    from indicators.services import values_bulk

    officer, period = _setup(ROWS)
    floor_period = ReportingPeriod.objects.get(plan=period.plan, label="2027")
    # A live database has planner statistics (autovacuum analyses new tables); without them the
    # foreign-key checks of 50,000 inserts would scan the freshly filled indicator table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "values.xlsx"
        _workbook(path, ROWS)
        size_mb = path.stat().st_size / 1048576
        floor_s, floor_rows = _floor(path)
        content = path.read_bytes()
    assert floor_rows == ROWS
    rss_before = _rss_mb()
    # Inline here (no worker in a benchmark); the app hands files this large to Celery.
    with override_settings(
        INDICATORS_IMPORT_INLINE_MAX_BYTES=10**10, INDICATORS_IMPORT_INLINE_ROWS=10**9
    ):
        job, preview_s, *preview_cpu = step_cpu(
            lambda: services.import_job_create(
                period=period, upload=SimpleUploadedFile("values.xlsx", content), actor=officer
            )
        )
        assert job.status == ImportStatus.READY, job.errors[:3]
        # The COPY goes past Django's cursor (not captured): timed around its function.
        copy_spent = []
        staged = []
        plain_stage = values_bulk.stage_checked

        def timed_stage(data):
            started = time.perf_counter()
            rows = plain_stage(data)
            copy_spent.append(time.perf_counter() - started)
            staged.append(data)
            return rows

        values_bulk.stage_checked = timed_stage
        try:
            with CaptureQueriesContext(connection) as queries:
                job, commit_s, *commit_cpu = step_cpu(
                    lambda: services.import_commit(job=job, actor=officer)
                )
        finally:
            values_bulk.stage_checked = plain_stage
    assert job.status == ImportStatus.COMMITTED, job.errors[:3]
    database = _database_floor(floor_period, staged[0], officer)
    written = Value.objects.filter(period=period).count()
    assert written == ROWS
    assert Value.objects.get(indicator__code="B000003", period=period).numeric_value == Decimal(
        "4.5"
    )
    total = preview_s + commit_s
    print(
        f"workbook: {ROWS} rows, {size_mb:.1f} MB; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs",
        flush=True,
    )
    report("floor: calamine parse only", floor_s)
    report("preview: read and check every row", preview_s, extra=cpu_words(*preview_cpu))
    report(
        "commit: write every row in one transaction",
        commit_s,
        extra=f"{len(queries)} statements for {written} values; {cpu_words(*commit_cpu)}",
    )
    # Where the commit's time goes: its statements in PostgreSQL (by the first words that tell
    # them apart), the COMMIT (deferred foreign-key checks, WAL flush), the rest in Python.
    phases = {
        "COMMIT": "COMMIT",  # logged by Django with its time
        "compare": "FROM import_value_stage s\n            LEFT JOIN",
        # The merge's history rows are written by the statement-level triggers it fires.
        "merge and history": "INSERT INTO indicators_value ",
        "parts": "indicators_part",
    }
    spent = dict.fromkeys(phases, 0.0)
    for query in queries.captured_queries:
        for name, marker in phases.items():
            if marker == query["sql"] or (name != "COMMIT" and marker in query["sql"]):
                spent[name] += float(query["time"])
                break
    statements = sum(float(q["time"]) for q in queries.captured_queries)
    spent["other statements"] = statements - sum(spent.values())
    spent["stage (COPY)"] = sum(copy_spent)
    print(
        "commit split: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in spent.items())
        + f", Python {commit_s - statements - spent['stage (COPY)']:.2f} s",
        flush=True,
    )
    for step, (wall, python, postgres) in database.items():
        report(f"database floor: {step}", wall, extra=cpu_words(python, postgres))
    database_s = sum(wall for wall, _python, _postgres in database.values())
    report("database floor: the same rows stored, nothing else", database_s, floor_s)
    report(
        "import: preview + commit",
        total,
        floor_s,
        floor_label="calamine floor",
        extra=f"peak RSS {_rss_mb():.0f} MB (before: {rss_before:.0f} MB)",
    )
    report(
        "import against calamine + database floors",
        total,
        floor_s + database_s,
        floor_label="both floors",
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}", flush=True)
