"""Oversight at 200,000 recommendations: the import, list, filters, search, statistics.

First the recommendations import (upload, preview, commit) of 20,000 and 200,000 rows against a
floor that only parses the same CSV with pandas and COPYs its rows into a bare table, with the
peak memory and the commit's query count; then list, filter, search (English and Chinese) and
statistics over 200,000 recommendations, through the page and the API, against a raw-SQL floor.

Shape: 200,000 recommendations of 3 bodies in 2,000 reports, 10 entities with 5 units each,
issued 2010-2024, a third of them closed; texts in English and Chinese drawn from 16 topics.
The query count of every request is printed; tests/oversight/test_bench.py holds it constant
as the number of rows grows.
"""

import datetime
import os
import random

from django.db import connection
from django.test import Client

from benchmarks.util import best_of, report

N_RECOMMENDATIONS = 200_000
N_REPORTS = 2_000

# (label, url, params) — the requests measured here and counted in tests.
SCENARIOS = [
    ("page: list (first 50)", "/oversight/recommendations/", {}),
    (
        "page: filter body+status+critical",
        "/oversight/recommendations/",
        {"body": "oios", "status": "in_progress", "critical": "true"},
    ),
    (
        "page: filter overdue + year",
        "/oversight/recommendations/",
        {"overdue": "true", "year": 2020},
    ),
    (
        "page: search English 'fuel management'",
        "/oversight/recommendations/",
        {"q": "fuel management"},
    ),
    ("page: search Chinese '燃料管理'", "/oversight/recommendations/", {"q": "燃料管理"}),
    ("api: list (first 50)", "/api/v1/oversight/recommendations/", {}),
    ("api: search Chinese '资产'", "/api/v1/oversight/recommendations/", {"q": "资产"}),
    ("api: statistics (all bodies)", "/api/v1/oversight/statistics/", {}),
    ("page: statistics", "/oversight/statistics/", {}),
]


IMPORT_HEADER = (
    "body,report,report_title,report_date,reference,text_en,text_zh,entity,issued_on,"
    "target_date,status,implementation_date,critical,priority"
)


def import_csv(n, *, body="oios", entity="UNOPS", prefix="B", n_reports=100, text="Strengthen"):
    """A recommendations file of ``n`` rows as CSV bytes (also used by the tests): references
    ``{prefix}0000000`` on, spread over ``n_reports`` reports the file creates, a third of them
    implemented, one in ten critical."""
    lines = [IMPORT_HEADER]
    for i in range(n):
        report = i % n_reports
        closed = i % 3 == 0
        lines.append(
            f"{body},{prefix}/{report:05d},Report {report},2020-01-01,{prefix}{i:07d},"
            f"{text} the controls of unit {i},加强第{i}单位的控制,{entity},2020-02-01,"
            f"2021-02-01,{'implemented' if closed else 'in_progress'},"
            f"{'2020-06-01' if closed else ''},{'yes' if i % 10 == 0 else 'no'},"
        )
    return ("\n".join(lines) + "\n").encode()


def generate(n=N_RECOMMENDATIONS, n_reports=N_REPORTS, seed=7, without_history=False):
    """Create the bench data with COPY and return a user who sees everything.

    without_history=True switches the table's row triggers (pghistory) off while loading: they
    cost about half a millisecond a row, and the benchmark measures reads. Only for the
    throw-away benchmark database outside a transaction; tests keep the triggers on."""
    from django.contrib.auth import get_user_model

    from entities.choices import EntityType, Role
    from entities.models import Entity, Membership, OrgUnit
    from oversight.choices import PeriodBasis
    from oversight.demo import ACTIONS, TOPICS
    from oversight.models import OversightBody, OversightReport, StatisticsPeriod

    rng = random.Random(seed)
    bodies = [
        OversightBody.objects.create(code=code, name_en=code.upper(), kind="internal_oversight")
        for code in ("oios", "boa", "jiu")
    ]
    for body in bodies:
        for year in range(2010, 2025, 3):
            StatisticsPeriod.objects.create(
                body=body,
                label=f"{year}-{year + 2}",
                start=datetime.date(year, 1, 1),
                end=datetime.date(year + 2, 12, 31),
                basis=PeriodBasis.IMPLEMENTATION,
            )
    StatisticsPeriod.objects.create(
        body=bodies[2],
        label="2011-2020",
        start=datetime.date(2011, 1, 1),
        end=datetime.date(2020, 12, 31),
        basis=PeriodBasis.ISSUE,
    )
    entities = [
        Entity.objects.create(code=f"BE{i}", name_en=f"Bench {i}", entity_type=EntityType.OTHER)
        for i in range(10)
    ]
    units = {
        e.pk: [
            OrgUnit.objects.create(entity=e, code=f"U{j}", name_en=f"Unit {j}").pk for j in range(5)
        ]
        for e in entities
    }
    reports = OversightReport.objects.bulk_create(
        OversightReport(
            body=bodies[i % 3],
            symbol=f"BENCH/{i:05d}",
            title_en=f"Bench report {i}",
            issued_on=datetime.date(2010 + i * 15 // n_reports, 1 + i % 12, 1 + i % 28),
            volume=("I", "II")[i % 2] if i % 3 == 1 else "",
        )
        for i in range(n_reports)
    )
    columns = (
        "body_id, report_id, entity_id, org_unit_id, reference, text_en, text_zh, is_critical, "
        "priority, issued_on, target_date, acceptance, status, implementation_date, "
        "management_response, review_state, proposed_status, created_at, updated_at"
    )
    now = datetime.datetime.now(datetime.UTC)
    table = "oversight_recommendation"
    with connection.cursor() as cursor:
        if without_history:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        with cursor.connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for i in range(n):
                report = reports[i % n_reports]
                entity = entities[i % 10]
                topic_en, topic_zh = TOPICS[rng.randrange(len(TOPICS))]
                verb_en, verb_zh = ACTIONS[rng.randrange(len(ACTIONS))]
                issued = report.issued_on
                closed = rng.random() < 0.34
                impl = issued + datetime.timedelta(days=rng.randint(30, 900)) if closed else None
                copy.write_row(
                    (
                        report.body_id,
                        report.pk,
                        entity.pk,
                        units[entity.pk][i % 5],
                        f"R{i:07d}",
                        f"Unit {i % 5} {verb_en} {topic_en}.",
                        f"部门{i % 5}" + verb_zh.format(topic_zh) + "。",
                        i % 10 == 0,
                        "",
                        issued,
                        issued + datetime.timedelta(days=365),
                        "accepted",
                        "implemented" if closed else "in_progress",
                        impl,
                        "",
                        "closed" if closed else "open",
                        "",
                        now,
                        now,
                    )
                )
        if without_history:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute(f"ANALYZE {table}")
    user = get_user_model().objects.create_user("bench-oversight-auditor", password="x")
    Membership.objects.create(user=user, entity=None, role=Role.AUDITOR)
    return user


def built(client, url, params):
    """GET a page or list as built from the database, not read from the shared cache
    (core.cache): the figures here are the database work."""
    from core.cache import bump

    bump("oversight")
    return client.get(url, params)


def count_queries(client, url, params):
    from django.db import reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        response = built(client, url, params)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


# OVERSIGHT_BENCH=import runs only the import part, =reads only the rest; OVERSIGHT_BENCH_SIZES
# (e.g. "20000") the import's sizes.
IMPORT_SIZES = tuple(
    int(n) for n in os.environ.get("OVERSIGHT_BENCH_SIZES", "20000,200000").split(",") if n
)


def _peak_rss_reset():
    """Reset this process's peak resident memory (Linux: clear_refs 5), so that VmHWM
    afterwards is the peak of what follows."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _cpu():
    """CPU seconds so far of this process and of its PostgreSQL backend (None where /proc
    does not show it): on a shared, loaded machine the work done compares better than the
    wall time."""
    import resource

    mine = resource.getrusage(resource.RUSAGE_SELF)
    python = mine.ru_utime + mine.ru_stime
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        backend = None
    return python, backend


def _cpu_since(before):
    """(CPU seconds of Python, of PostgreSQL or None) since ``before`` (_cpu())."""
    after = _cpu()
    backend = None if before[1] is None or after[1] is None else after[1] - before[1]
    return after[0] - before[0], backend


def _cpu_text(cpu):
    python, backend = cpu
    if backend is None:
        return f"CPU {python:.1f} s Python"
    return f"CPU {python:.1f} s Python + {backend:.1f} s PostgreSQL"


def _import_floor(data):
    """Parse the CSV with pandas' C reader and COPY every row into a bare table: what any
    import of the file must at least do."""
    import io

    import pandas as pd
    from django.db import transaction

    from core.copy import copy_in

    with transaction.atomic():
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_floor ("
                + ", ".join(f"{c} text" for c in frame.columns)
                + ") ON COMMIT DROP"
            )
        copy_in("bench_floor", list(frame.columns), frame)
        transaction.set_rollback(True)


def run_import():
    """The recommendations import of IMPORT_SIZES rows (all new, then the largest again with a
    tenth changed) through the services the page and the API call, against the floor."""
    import time

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.utils import CaptureQueriesContext

    from entities.choices import EntityType, Role
    from entities.models import Entity, Membership
    from oversight import services
    from oversight.models import OversightBody, OversightBodyMember

    body = OversightBody.objects.create(code="bimp", name_en="BIMP", kind="internal_oversight")
    Entity.objects.create(code="BIMP", name_en="Bench import", entity_type=EntityType.OTHER)
    user = get_user_model().objects.create_user("bench-import-auditor", password="x")
    Membership.objects.create(user=user, entity=None, role=Role.AUDITOR)
    OversightBodyMember.objects.create(body=body, user=user)

    def one(label, data):
        floor_s = best_of(lambda: _import_floor(data), repeat=3)
        cpu = _cpu()
        _import_floor(data)
        floor_cpu = _cpu_since(cpu)
        _peak_rss_reset()
        cpu = _cpu()
        started = time.perf_counter()
        job = services.recommendation_import_create(
            upload=SimpleUploadedFile("bench.csv", data), actor=user, in_background=False
        )
        preview_s = time.perf_counter() - started
        preview_cpu = _cpu_since(cpu)
        assert job.status == "ready", job.errors[:3]
        with CaptureQueriesContext(connection) as queries:
            cpu = _cpu()
            started = time.perf_counter()
            job = services.recommendation_import_commit(job=job, actor=user, in_background=False)
            commit_s = time.perf_counter() - started
            commit_cpu = _cpu_since(cpu)
        assert job.status == "committed", job.errors[:3]
        peak = _peak_rss()
        report(f"{label}: preview", preview_s, extra=_cpu_text(preview_cpu))
        report(f"{label}: commit", commit_s, extra=_cpu_text(commit_cpu))
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:4]
        print(
            "    slowest statements of the commit: "
            + "; ".join(f"{float(q['time']):.2f} s {q['sql'][:48]!r}" for q in slowest),
            flush=True,
        )
        report(
            f"{label}: preview + commit",
            preview_s + commit_s,
            floor_s,
            "parse + COPY floor",
            extra=f"{len(queries.captured_queries)} queries in the commit; peak RSS "
            f"{peak / 2**20:.0f} MB; created {job.created_count:,}, updated "
            f"{job.updated_count:,}, unchanged {job.unchanged_count:,}",
        )
        # The work done, less sensitive to a busy machine than the wall time.
        work = sum(sum(c or 0 for c in cpu) for cpu in (preview_cpu, commit_cpu))
        floor_work = sum(c or 0 for c in floor_cpu)
        if floor_work:
            print(
                f"    CPU: {work:.1f} s against the floor's {floor_work:.2f} s, "
                f"ratio {work / floor_work:.1f}x ({_cpu_text(floor_cpu)} for the floor)",
                flush=True,
            )

    for n in IMPORT_SIZES:
        one(f"import {n:,} new rows", import_csv(n, body="bimp", entity="BIMP", prefix=f"I{n}"))
    n = IMPORT_SIZES[-1]
    lines = import_csv(n, body="bimp", entity="BIMP", prefix=f"I{n}").decode().splitlines()
    for k in range(1, n + 1, 10):
        lines[k] = lines[k].replace("Strengthen", "Tighten")
    one(f"import {n:,} rows again, a tenth changed", ("\n".join(lines) + "\n").encode())
    with connection.cursor() as cursor:  # the read benchmark starts from an empty table
        cursor.execute(
            "TRUNCATE oversight_recommendation, oversight_recommendationevent, "
            "oversight_oversightreport, oversight_oversightreportevent, "
            "oversight_oversightbody, pghistory_context CASCADE"
        )


def run():
    import time

    part = os.environ.get("OVERSIGHT_BENCH", "")
    if part in ("", "import"):
        run_import()
    if part not in ("", "reads"):
        return
    started = time.perf_counter()
    user = generate(without_history=True)
    print(
        f"generated {N_RECOMMENDATIONS:,} recommendations in {time.perf_counter() - started:.1f} s"
    )
    client = Client()
    client.force_login(user)

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.id, r.reference, r.text_en, r.text_zh, r.status, b.code, e.code "
                "FROM oversight_recommendation r JOIN oversight_oversightbody b "
                "ON b.id = r.body_id JOIN entities_entity e ON e.id = r.entity_id "
                "ORDER BY r.issued_on DESC, r.id DESC LIMIT 50"
            )
            cursor.fetchall()

    floor_s = best_of(floor, repeat=10)
    report("raw SQL: first 50 rows with body and entity", floor_s)
    for label, url, params in SCENARIOS:
        queries = count_queries(client, url, params)
        seconds = best_of(lambda url=url, params=params: built(client, url, params), repeat=5)
        report(label, seconds, floor_s, "raw SQL floor", extra=f"{queries} queries")
