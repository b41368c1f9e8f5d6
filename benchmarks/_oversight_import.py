"""The recommendations import benchmark (run by benchmarks/oversight.py; issue #15).

The import of IMPORT_SIZES new rows (upload and preview, then commit, through the services the
page and the API call), then of the largest file again with a tenth of its rows changed, against
two floors:

- parse + COPY: pandas' C reader parses the same CSV and one COPY writes its rows into a bare
  temporary table (no index, no trigger, no WAL): what any import of the file must at least do;
- the database floor: the same parse, then the rows with their ids resolved COPied into the
  real recommendation table as it is (its nine indexes, its per-row history triggers under one
  history context, its deferred foreign-key checks), and rolled back: what writing these rows
  into this table costs, whatever the code around it.

Each phase of the import (read the file, check its rules, compare it with the recommendations
it names, keep the checked rows, check they are still current, merge) is timed by wrapping the
functions that do it, with the CPU seconds of Python and of the PostgreSQL backend: on a shared,
busy machine the work done compares better than the wall time.
"""

import io
import os
import resource
import time

from django.db import connection

from benchmarks.util import best_of, report

IMPORT_HEADER = (
    "body,report,report_title,report_date,reference,text_en,text_zh,entity,issued_on,"
    "target_date,status,implementation_date,critical,priority"
)
# OVERSIGHT_BENCH_SIZES (e.g. "20000") the import's sizes.
IMPORT_SIZES = tuple(
    int(n) for n in os.environ.get("OVERSIGHT_BENCH_SIZES", "20000,200000").split(",") if n
)
# (module, function, phase): the functions whose time is a phase of the import. A function
# called inside another's phase counts in its own, not in the caller's.
PHASES = (
    ("oversight.importers", "read_frame", "preview: read the file"),
    ("oversight.importers", "check", "preview: check the rules"),
    ("oversight.importers", "_compare_staged", "preview: compare (SQL)"),
    ("oversight.importers", "_existing", "preview: read the rows named"),
    ("oversight.importers", "_compare", "preview: compare"),
    ("oversight.importers", "_preview", "preview: rows shown"),
    ("oversight.services_imports", "_keep", "preview: keep the rows (COPY)"),
    ("oversight.services_imports", "_kept_and_current", "commit: kept rows current?"),
    ("oversight.services_imports", "recommendations_merge", "commit: merge"),
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


_BACKEND = {}


def _backend_pid():
    """The PostgreSQL backend of this connection, asked once per connection (so that timing a
    phase adds no query to the ones counted)."""
    key = id(connection.connection)
    if key not in _BACKEND:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _BACKEND[key] = cursor.fetchone()[0]
    return _BACKEND[key]


def _cpu():
    """CPU seconds so far of this process and of its PostgreSQL backend (None where /proc
    does not show it)."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    python = mine.ru_utime + mine.ru_stime
    try:
        with open(f"/proc/{_backend_pid()}/stat") as f:
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
        return f"CPU {python:.2f} s Python"
    return f"CPU {python:.2f} s Python + {backend:.2f} s PostgreSQL"


def _work(cpu):
    return sum(c or 0 for c in cpu)


class Phases:
    """Wall and CPU time per phase (PHASES), each exclusive of the phases it calls."""

    def __init__(self):
        self.times = {}  # phase -> [wall, python cpu, backend cpu]
        self._stack = []
        self._undo = []

    def __enter__(self):
        import importlib

        for module_name, name, phase in PHASES:
            module = importlib.import_module(module_name)
            original = getattr(module, name, None)
            if original is None:
                continue  # a phase this version of the import does not have
            setattr(module, name, self._timed(original, phase))
            self._undo.append((module, name, original))
        return self

    def __exit__(self, *exc):
        for module, name, original in reversed(self._undo):
            setattr(module, name, original)

    def _timed(self, original, phase):
        def timed(*args, **kwargs):
            cpu, started = _cpu(), time.perf_counter()
            self._stack.append([0.0, 0.0, 0.0])  # time of the phases called inside
            try:
                return original(*args, **kwargs)
            finally:
                python, backend = _cpu_since(cpu)
                spent = [time.perf_counter() - started, python, backend or 0.0]
                inner = self._stack.pop()
                mine = self.times.setdefault(phase, [0.0, 0.0, 0.0])
                for k in range(3):
                    mine[k] += spent[k] - inner[k]
                if self._stack:
                    for k in range(3):
                        self._stack[-1][k] += spent[k]

        return timed

    def print(self, total, cpu):
        """Each phase, then the rest of ``total`` seconds and ``cpu`` (the upload stored,
        the job's updates, the audit event, the transaction's commit)."""
        rest = [total, cpu[0], cpu[1] or 0.0]
        for phase, times in [*self.times.items(), ("other", None)]:
            if times is None:
                times = rest
            else:
                rest = [r - t for r, t in zip(rest, times, strict=True)]
            wall, python, backend = times
            print(
                f"    {phase:<34} {wall:7.2f} s   CPU {python:.2f} s Python + "
                f"{backend:.2f} s PostgreSQL",
                flush=True,
            )


def _import_floor(data):
    """Parse the CSV with pandas' C reader and COPY every row into a bare table: what any
    import of the file must at least do."""
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


# The recommendation columns the database floor writes, with the frame column they come from.
_DB_FLOOR_COLUMNS = (
    "body_id, report_id, entity_id, org_unit_id, reference, text_en, text_zh, is_critical, "
    "priority, issued_on, target_date, acceptance, status, implementation_date, "
    "management_response, review_state, proposed_status, created_at, updated_at"
)


def _db_floor(data, user):
    """Parse the CSV as _import_floor does, then write its rows where the import writes them:
    one COPY of its reports into the report table, one COPY of its rows (ids resolved by
    pandas) into the recommendation table as it is — indexes, per-row history triggers under
    one history context set once (core.bulk.history_context), the deferred foreign-key checks
    run — and roll back. No checks, no comparison, no history written set-based: what these
    rows cost in this table, whatever the import's code around it."""
    import numpy as np
    import pandas as pd
    from django.db import transaction

    from core.bulk import NULL, frame_csv, history_context
    from entities.models import Entity
    from oversight.models import OversightBody

    with transaction.atomic():
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        history_context(user=user.pk, bench="db floor")
        bodies = dict(OversightBody.objects.values_list("code", "pk"))
        entities = dict(Entity.objects.values_list("code", "pk"))
        frame["body_id"] = frame["body"].map(bodies)
        reports = frame.drop_duplicates(["body_id", "report"])
        with connection.cursor() as cursor:
            columns = ["body_id", "symbol", "title_en", "title_zh", "issued_on", "volume"]
            with cursor.cursor.copy(
                f"COPY oversight_oversightreport ({', '.join(columns)}, is_illustrative) "
                f"FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
            ) as copy:
                titles = pd.DataFrame(
                    {
                        "body_id": reports["body_id"],
                        "symbol": reports["report"],
                        "title_en": reports["report_title"],
                        "title_zh": "",
                        "issued_on": reports["report_date"],
                        "volume": "",
                        "is_illustrative": "f",
                    }
                )
                copy.write(frame_csv([*columns, "is_illustrative"], titles).encode())
            cursor.execute(
                "SELECT body_id, symbol, id FROM oversight_oversightreport WHERE symbol = ANY(%s)",
                [list(reports["report"])],
            )
            report_ids = {f"{b}\x1f{s}": pk for b, s, pk in cursor.fetchall()}
        closed = frame["status"] == "implemented"
        now = pd.Timestamp.now(tz="UTC").isoformat()
        rows = pd.DataFrame(
            {
                "body_id": frame["body_id"],
                "report_id": (frame["body_id"].astype(str) + "\x1f" + frame["report"]).map(
                    report_ids
                ),
                "entity_id": frame["entity"].map(entities),
                "org_unit_id": None,
                "reference": frame["reference"],
                "text_en": frame["text_en"],
                "text_zh": frame["text_zh"],
                "is_critical": np.where(frame["critical"] == "yes", "t", "f"),
                "priority": frame["priority"],
                "issued_on": frame["issued_on"],
                "target_date": frame["target_date"].replace("", None),
                "acceptance": "accepted",
                "status": frame["status"],
                "implementation_date": frame["implementation_date"].replace("", None),
                "management_response": "",
                "review_state": np.where(closed, "closed", "open"),
                "proposed_status": "",
                "created_at": now,
                "updated_at": now,
            }
        )
        names = [c.strip() for c in _DB_FLOOR_COLUMNS.split(",")]
        with connection.cursor() as cursor:
            with cursor.cursor.copy(
                f"COPY oversight_recommendation ({_DB_FLOOR_COLUMNS}) FROM STDIN "
                f"WITH (FORMAT csv, NULL '{NULL}', "
                "FORCE_NULL (org_unit_id, target_date, implementation_date))"
            ) as copy:
                copy.write(frame_csv(names, rows).encode())
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.set_rollback(True)


def run_import():
    """The recommendations import of IMPORT_SIZES rows (all new, then the largest again with a
    tenth changed) through the services the page and the API call, against both floors."""
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
    print(f"    load average {os.getloadavg()[0]:.2f} at the start", flush=True)

    def measured(fn, repeat=3):
        """(median wall seconds, CPU of one more call)."""
        seconds = best_of(fn, repeat=repeat)
        cpu = _cpu()
        fn()
        return seconds, _cpu_since(cpu)

    def one(label, data, existing):
        floor_s, floor_cpu = measured(lambda: _import_floor(data))
        # The database floor of new rows only: rows already there would clash with it.
        db_s, db_cpu = measured(lambda: _db_floor(data, user)) if not existing else (None, None)
        _peak_rss_reset()
        with Phases() as phases:
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
                job = services.recommendation_import_commit(
                    job=job, actor=user, in_background=False
                )
                commit_s = time.perf_counter() - started
                commit_cpu = _cpu_since(cpu)
        assert job.status == "committed", job.errors[:3]
        peak = _peak_rss()
        load = os.getloadavg()[0]
        report(f"{label}: preview", preview_s, extra=_cpu_text(preview_cpu))
        report(f"{label}: commit", commit_s, extra=_cpu_text(commit_cpu))
        phases.print(
            preview_s + commit_s,
            (preview_cpu[0] + commit_cpu[0], (preview_cpu[1] or 0) + (commit_cpu[1] or 0)),
        )
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:4]
        print(
            "    slowest statements of the commit: "
            + "; ".join(f"{float(q['time']):.2f} s {q['sql'][:48]!r}" for q in slowest),
            flush=True,
        )
        total = preview_s + commit_s
        report(
            f"{label}: preview + commit",
            total,
            floor_s,
            "parse + COPY floor",
            extra=f"{len(queries.captured_queries)} queries in the commit; peak RSS "
            f"{peak / 2**20:.0f} MB; created {job.created_count:,}, updated "
            f"{job.updated_count:,}, unchanged {job.unchanged_count:,}; load average {load:.2f}",
        )
        work = _work(preview_cpu) + _work(commit_cpu)
        print(
            f"    CPU: {work:.2f} s against the parse + COPY floor's {_work(floor_cpu):.2f} s, "
            f"ratio {work / max(_work(floor_cpu), 0.01):.1f}x ({_cpu_text(floor_cpu)})",
            flush=True,
        )
        if db_s is not None:
            print(
                f"    database floor (parse + COPY into the recommendation table as it is): "
                f"{db_s:.2f} s, {db_s / floor_s:.1f}x the parse + COPY floor; the import is "
                f"{total / db_s:.2f}x of it; CPU {_work(db_cpu):.2f} s ({_cpu_text(db_cpu)}), "
                f"the import's CPU {work / max(_work(db_cpu), 0.01):.2f}x of it",
                flush=True,
            )

    for n in IMPORT_SIZES:
        data = import_csv(n, body="bimp", entity="BIMP", prefix=f"I{n}")
        one(f"import {n:,} new rows", data, existing=False)
    n = IMPORT_SIZES[-1]
    lines = import_csv(n, body="bimp", entity="BIMP", prefix=f"I{n}").decode().splitlines()
    for k in range(1, n + 1, 10):
        lines[k] = lines[k].replace("Strengthen", "Tighten")
    one(
        f"import {n:,} rows again, a tenth changed",
        ("\n".join(lines) + "\n").encode(),
        existing=True,
    )
    with connection.cursor() as cursor:  # the read benchmark starts from an empty table
        cursor.execute(
            "TRUNCATE oversight_recommendation, oversight_recommendationevent, "
            "oversight_oversightreport, oversight_oversightreportevent, "
            "oversight_oversightbody, pghistory_context CASCADE"
        )
