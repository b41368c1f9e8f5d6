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

from benchmarks._oversight_import import import_csv, run_import
from benchmarks.util import best_of, report

__all__ = ["import_csv", "run", "generate", "count_queries", "SCENARIOS"]

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
