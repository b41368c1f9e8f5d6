"""Under load: 50 concurrent clients against pages and API lists served by gunicorn.

Shape: a framework of 2,000 indicators (2 pillars → 8 goals → 40 principles of 50 indicators,
2021–2030, a value for nine in ten indicator-years: 18,000 values, progress computed), the
demo's entities, frameworks and funding compact, and 20,000 recommendations. The application
is served as `make run` serves it (scripts/dev.py: gunicorn with gunicorn.conf.py, DEBUG off,
production settings) on a free port against this benchmark database. Clients sign in first:
pages with a session cookie, the API with a token.

Each target gets BENCH_LOAD_CLIENTS (default 50) concurrent clients for BENCH_LOAD_SECONDS
(default 60) seconds, one target at a time; printed: requests/s, p50/p95/p99 in ms, KB per
response, and the throughput as a share of the floor, a trivial view (/healthz/: one query,
one Redis round trip) served the same way. Aim: p95 under 300 ms and at least 40% of the
trivial view's throughput. The clients are wrk (Debian's `wrk`) when it is installed, else
this process's httpx clients (BENCH_LOAD_CLIENT=wrk|httpx chooses); either runs on the same
machine and takes CPU from the server alike for every target, wrk a few per cent of one CPU,
httpx most of one.

On a machine shared with other work the load changes within a run, so the floor is measured
again right before each target (BENCH_LOAD_FLOOR_SECONDS, default a quarter of
BENCH_LOAD_SECONDS) and each share is of that floor; the load average is printed with each row.
Also printed: the server's CPU per request (gunicorn's master and workers, read from /proc
before and after the target's run) — what the target costs, whatever else runs on the machine —
and the GETs retried: a connection the server closed under load (httpx.ReadError,
RemoteProtocolError) is retried once and counted, not taken for the target's failure.
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from benchmarks import _wrk
from benchmarks.util import plan_tree

ROOT = Path(__file__).resolve().parent.parent
DURATION = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "50"))
FLOOR_SECONDS = float(os.environ.get("BENCH_LOAD_FLOOR_SECONDS", DURATION / 4))
# The clients: wrk when installed (Debian's package; a few per cent of a CPU), else this
# process's httpx clients (about a millisecond of CPU per request, taken from the server).
CLIENT = os.environ.get("BENCH_LOAD_CLIENT") or ("wrk" if _wrk.available() else "httpx")
AIM_P95_MS = 300
AIM_SHARE = 0.40
N_RECOMMENDATIONS = 20_000
PASSWORD = "bench-load-password"
INDICATORS_PER_PRINCIPLE = 50  # × 40 principles = 2,000 indicators

# One framework's indicators, baselines, targets and values for every year, in SQL (a few
# seconds instead of minutes through the services; the benchmark measures reads).
_PLAN_ROWS = """
SET session_replication_role = replica;
INSERT INTO indicators_indicator (plan_id, node_id, code, name_en, name_zh, definition_en,
    definition_zh, data_source_en, data_source_zh, frequency, value_kind, unit_en, unit_zh,
    currency, decimals, direction,
    method_in_development, disaggregation_en, disaggregation_zh, part_labels,
    is_illustrative, is_active, "order")
SELECT n.plan_id, n.id, n.code || '.' || k, 'Bench indicator ' || n.code || '.' || k,
       '基准指标', '', '', '', '', 'annual', 'number', '', '', '', 2,
       CASE WHEN k %% 4 = 0 THEN 'decrease' ELSE 'increase' END,
       false, '', '', '[]', false, true, k
FROM indicators_node n
JOIN indicators_level l ON l.id = n.level_id AND l.code = 'principle'
CROSS JOIN generate_series(1, %(per_node)s) k
WHERE n.plan_id = %(plan)s;

INSERT INTO indicators_baseline (indicator_id, kind, numeric_value, currency, text_value,
    is_missing, footnote, source, period_start, period_end)
SELECT i.id, 'number', 50 + (i.id %% 17), '', '', false, '', '', '2020-01-01', '2020-12-31'
FROM indicators_indicator i WHERE i.plan_id = %(plan)s;

INSERT INTO indicators_target (indicator_id, kind, numeric_value, currency, text_value,
    is_missing, footnote, source, year, target_kind)
SELECT i.id, 'number',
       CASE WHEN i.direction = 'decrease' THEN 30 ELSE 80 END + (i.id %% 17), '', '', false,
       '', '', 2030, 'end'
FROM indicators_indicator i WHERE i.plan_id = %(plan)s;

INSERT INTO indicators_value (indicator_id, period_id, kind, numeric_value, currency,
    text_value, is_missing, footnote, source, status, rating, return_reason, version,
    created_at, updated_at)
SELECT i.id, p.id, 'number',
       round((45 + (i.id %% 17) + random() * 4 * (EXTRACT(YEAR FROM p.start_date) - 2020))
             ::numeric, 2),
       '', '', false, '', '',
       CASE WHEN (i.id * 7 + p.id) %% 20 = 0 THEN 'submitted'
            WHEN (i.id * 7 + p.id) %% 20 = 1 THEN 'returned'
            WHEN (i.id * 7 + p.id) %% 20 = 2 THEN 'draft'
            ELSE 'approved' END,
       '', CASE WHEN (i.id * 7 + p.id) %% 20 = 1 THEN 'Check the source' ELSE '' END, 1,
       now() - interval '1 day', now() - interval '1 day'
FROM indicators_indicator i
JOIN indicators_reportingperiod p ON p.plan_id = i.plan_id
WHERE i.plan_id = %(plan)s AND (i.id + p.id) %% 10 <> 0;  -- a tenth have no value yet
UPDATE indicators_value SET reviewed_at = updated_at
WHERE status = 'approved' AND indicator_id IN
    (SELECT id FROM indicators_indicator WHERE plan_id = %(plan)s);
SET session_replication_role = origin;
ANALYZE;
"""


def _framework():
    """The entity BENCH and its framework of 2,000 indicators with values; progress computed."""
    from entities.models import Entity
    from indicators.models import Plan
    from indicators.services import progress as engine

    entity = Entity.objects.create(code="BENCH", name_en="Bench entity", entity_type="other")
    plan = Plan.objects.create(
        entity=entity,
        code="sp",
        kind="strategic_plan",
        title_en="Bench plan",
        start_year=2021,
        end_year=2030,
    )
    plan_tree(plan, range(2021, 2031))
    with connection.cursor() as cursor:
        cursor.execute(_PLAN_ROWS, {"plan": plan.pk, "per_node": INDICATORS_PER_PRINCIPLE})
    started = time.perf_counter()
    engine.progress_compute_full()
    print(f"progress computed in {time.perf_counter() - started:.1f} s", flush=True)


def _user():
    """A reviewer of BENCH who reads the recommendations of three entities (6,000 of 20,000)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from entities.choices import Role
    from entities.models import Entity, Membership

    # Hashed as the served (production) settings check it, not with the tests' fast hasher.
    password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user, created = get_user_model().objects.update_or_create(
        username="bench-load-reviewer", defaults={"password": password}
    )
    if created:
        Membership.objects.create(
            user=user, entity=Entity.objects.get(code="BENCH"), role="reviewer"
        )
        for code in ("BE0", "BE1", "BE2"):
            Membership.objects.create(
                user=user, entity=Entity.objects.get(code=code), role=Role.READER
            )
    return user


def build():
    """Add this benchmark's rows; return the user, an API token of theirs and the targets.

    Runs last (its name sorts last) on what earlier benchmarks left, which makes the tables
    as large as they are; its own rows are added once (a rerun on a kept database measures
    again)."""
    from knox.models import AuthToken

    from benchmarks.oversight import generate as generate_recommendations
    from compacts import demo as compacts_demo
    from compacts.models import Compact
    from core.cache import bump as cache_bump
    from entities import demo as entities_demo
    from entities.models import Entity
    from indicators import demo as indicators_demo
    from indicators.models import Node, Plan

    for module in (entities_demo, indicators_demo, compacts_demo):
        module.load()  # idempotent
    if not Entity.objects.filter(code="BE0").exists():  # the oversight benchmark did not run
        generate_recommendations(n=N_RECOMMENDATIONS, n_reports=200, without_history=True)
    if not Entity.objects.filter(code="BENCH").exists():
        _framework()
    user = _user()
    # Rows above were written with SQL, not through the audited services: move every scope
    # of the shared cache on, so no entry of an earlier run on another database is read.
    cache_bump()
    _instance, token = AuthToken.objects.create(user)
    plan = Plan.objects.get(entity__code="BENCH")
    compact = Compact.objects.order_by("pk").first()
    first_node = Node.objects.filter(plan=plan, level__code="principle").order_by("pk").first()
    targets = [
        ("trivial view /healthz/", "/healthz/", "none"),
        ("api: indicators list", f"/api/v1/indicators/?plan={plan.pk}", "token"),
        ("api: values list", f"/api/v1/values/?plan={plan.pk}", "token"),
        ("page: progress dashboard", f"/indicators/plans/{plan.pk}/progress/", "session"),
        (
            "page: progress dashboard section (htmx)",
            f"/indicators/plans/{plan.pk}/progress/nodes/{first_node.pk}/",
            "htmx",
        ),
        ("page: entity dashboard", "/indicators/entities/BENCH/dashboard/", "session"),
        ("page: recommendations list", "/oversight/recommendations/", "session"),
        ("api: recommendations list", "/api/v1/oversight/recommendations/", "token"),
        ("page: funding compact", f"/compacts/{compact.code}/", "session"),
    ]
    return user, token, targets


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dev_script():
    """scripts/dev.py as a module: its run_environment() is what `make run` serves with."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("rf_dev", ROOT / "scripts" / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def serve(port):
    """Start gunicorn as `make run` does, on this benchmark's database; return the process."""
    dev = _dev_script()
    db = settings.DATABASES["default"]
    env = os.environ.copy()
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    if "/" in (db["HOST"] or ""):  # a unix socket directory (the embedded server)
        from urllib.parse import quote

        env["DATABASE_URL"] = f"postgres://{db['USER']}@{quote(db['HOST'], safe='')}/{db['NAME']}"
    env["DJANGO_SETTINGS_MODULE"] = "resultsframework.settings"
    env["DJANGO_DEBUG"] = "false"
    # The sessions and tokens made here are signed with this process's key.
    env["DJANGO_SECRET_KEY"] = settings.SECRET_KEY
    # Cache keys of this run only: ids restart in every new benchmark database.
    env["CACHE_KEY_PREFIX"] = f"rf-bench-{os.getpid()}-{int(time.time())}"
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    env = dev.run_environment(env, run_dir=ROOT / ".run")
    python = str(Path(sys.executable).parent / "python")
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    command = dev.gunicorn_command(port, env, access_log=False)
    print("serving: " + " ".join(command[1:]), flush=True)
    proc = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    import httpx

    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz/", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError("gunicorn did not answer /healthz/ within 60 s")
        time.sleep(0.2)


def session_cookie(base, username, password):
    """Sign in through the login page, as a browser does; return the session cookies."""
    import httpx

    with httpx.Client(base_url=base, follow_redirects=False) as client:
        client.get("/accounts/login/")
        r = client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": base + "/accounts/login/"},
        )
        if r.status_code != 302:
            raise RuntimeError(f"sign-in failed: HTTP {r.status_code}")
        return dict(client.cookies)


async def get_retrying(client, path, retries):
    """GET `path`; once more if the connection broke (a server closing a kept-alive
    connection as the request went out), appending the error's name to `retries`."""
    import httpx

    try:
        return await client.get(path)
    except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
        retries.append(type(exc).__name__)
        return await client.get(path)


def _cpu_ticks(pid):
    """(own, reaped children's) CPU ticks of `pid` from /proc/<pid>/stat; (0, 0) if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0, 0
    # After the name: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based).
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return utime + stime, cutime + cstime


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def server_cpu_seconds(pid):
    """CPU seconds used so far by process `pid` and its children (gunicorn: the master and its
    workers), those that ended included (counted in their parent once reaped)."""
    own, reaped = _cpu_ticks(pid)
    total = own + reaped
    for child in _children(pid):
        child_own, child_reaped = _cpu_ticks(child)
        total += child_own + child_reaped
    return total / os.sysconf("SC_CLK_TCK")


async def hammer(base, path, headers, cookies, clients, duration, retries=None):
    """`clients` concurrent clients, each sending its next request when the last answered,
    for `duration` seconds. Returns (latencies in s, seconds, bytes, non-200 answers); the
    names of the errors of retried GETs are appended to `retries`."""
    import httpx

    latencies, sizes, errors = [], [], []
    retries = [] if retries is None else retries
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, cookies=cookies, limits=limits, timeout=60
    ) as client:
        await get_retrying(client, path, retries)  # warm: first render, caches
        stop = time.perf_counter() + duration

        async def one_client():
            while time.perf_counter() < stop:
                started = time.perf_counter()
                r = await get_retrying(client, path, retries)
                latencies.append(time.perf_counter() - started)
                sizes.append(len(r.content))
                if r.status_code != 200:
                    errors.append(r.status_code)

        began = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return latencies, elapsed, sizes, errors


def percentile(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else 0


def measure(base, path, headers, cookies, duration, clients=None):
    """One target under `clients` concurrent clients for `duration` s: wrk when installed
    (benchmarks/_wrk.py says why), else this process's httpx clients. Returns requests,
    rate (req/s), p50/p95/p99 (ms), kb (mean KB per response), errors (a description, empty
    when every answer was a 200) and retries (GETs sent again on a broken connection)."""
    clients = clients or CLIENTS
    if CLIENT == "wrk":
        import httpx

        # Warm as the httpx clients do: the first render fills the caches; its size is the KB.
        first = httpx.get(base + path, headers=headers, cookies=cookies, timeout=60)
        if first.status_code != 200:
            return {
                "requests": 0,
                "rate": 0.0,
                "p50": 0.0,
                "p95": 0.0,
                "p99": 0.0,
                "kb": 0.0,
                "errors": f"HTTP {first.status_code}",
                "retries": 0,
            }
        w = _wrk.hammer(base, path, headers, cookies, clients, duration)
        errors = ", ".join(f"{n} {k}" for k, n in w["errors"].items() if n)
        return {
            "requests": w["requests"],
            "rate": w["requests"] / w["seconds"],
            "p50": w["p50"] * 1000,
            "p95": w["p95"] * 1000,
            "p99": w["p99"] * 1000,
            "kb": w["bytes"] / max(w["requests"], 1) / 1024,
            "errors": errors,
            "retries": 0,
        }
    retries = []
    latencies, elapsed, sizes, errors = asyncio.run(
        hammer(base, path, headers, cookies, clients, duration, retries)
    )
    p50, p95, p99 = (percentile(latencies, p) * 1000 for p in (50, 95, 99))
    return {
        "requests": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "kb": statistics.mean(sizes) / 1024 if sizes else 0.0,
        "errors": f"{len(errors)} answers not 200: {sorted(set(errors))}" if errors else "",
        "retries": len(retries),
    }


def run():
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    user, token, targets = build()
    print(f"built the data in {time.perf_counter() - started:.1f} s", flush=True)
    port = free_port()
    proc = serve(port)
    base = f"http://127.0.0.1:{port}"
    try:
        cookies = session_cookie(base, user.username, PASSWORD)
        auth = {
            "none": ({}, {}),
            "token": ({"Authorization": f"Token {token}"}, {}),
            "session": ({}, cookies),
            "htmx": ({"HX-Request": "true"}, cookies),
        }
        print(
            f"{CLIENTS} concurrent clients ({CLIENT}), {DURATION:g} s per target, machine: "
            f"{os.cpu_count()} CPUs; aim: p95 < {AIM_P95_MS} ms and >= {AIM_SHARE:.0%} "
            "of the trivial view's requests/s",
            flush=True,
        )
        print(
            f"{'target':<42}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'KB':>8}"
            f"{'floor':>8}{'share':>7}{'load':>6}{'cpu ms':>8}{'retry':>6}  verdict",
            flush=True,
        )
        misses = []
        trivial = targets[0]
        for label, path, kind in targets:
            floor = None
            if (label, path, kind) != trivial:  # the floor now, as loaded as this target
                floor = measure(base, trivial[1], {}, {}, FLOOR_SECONDS)["rate"]
            headers, jar = auth[kind]
            cpu_before = server_cpu_seconds(proc.pid)
            m = measure(base, path, headers, jar, DURATION)
            # Per request answered (the warm-up request included in the CPU, not the count).
            cpu_ms = (server_cpu_seconds(proc.pid) - cpu_before) * 1000 / max(m["requests"], 1)
            floor = floor or m["rate"]
            share = m["rate"] / floor
            ok = m["p95"] < AIM_P95_MS and share >= AIM_SHARE and not m["errors"]
            if not ok:
                misses.append(label)
            verdict = "meets the aim" if ok else "MISSES the aim"
            if m["errors"]:
                verdict += f" (errors: {m['errors']})"
            print(
                f"{label:<42}{m['rate']:8.1f}{m['p50']:9.1f}{m['p95']:9.1f}{m['p99']:9.1f}"
                f"{m['kb']:8.1f}{floor:8.1f}{share:7.0%}"
                f"{os.getloadavg()[0]:6.1f}{cpu_ms:8.2f}{m['retries']:6d}  {verdict}",
                flush=True,
            )
        if misses:
            print(f"missing the aim: {', '.join(misses)}", flush=True)
    finally:
        stop(proc)


def stop(proc):
    """Stop gunicorn and its workers (a worker busy with a request can outlive its master),
    and close their database sessions, so the benchmark database can be dropped."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
