"""Small helpers shared by benchmarks: timing with repeats, peak memory, the printed line."""

import os
import resource
import statistics
import time
import tracemalloc


def best_of(fn, repeat=5):
    """Median wall time of `repeat` calls, in seconds (the first call warms caches)."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_memory(fn):
    """(result, peak bytes allocated by Python while running fn)."""
    tracemalloc.start()
    try:
        result = fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def report(label, seconds, floor_seconds=None, floor_label="floor", extra=""):
    line = f"{label:<48} {seconds * 1000:10.2f} ms"
    if floor_seconds:
        ratio = seconds / floor_seconds
        line += f"   {floor_label}: {floor_seconds * 1000:8.2f} ms   ratio {ratio:6.2f}x"
    if extra:
        line += f"   {extra}"
    print(line, flush=True)


def _postgres_cpu(pids=None):
    """CPU seconds used so far by the PostgreSQL processes of this machine, or by those of
    `pids` (None when there are none to read: a server elsewhere, or no /proc)."""
    total, found = 0, False
    listed = os.listdir("/proc") if os.path.isdir("/proc") else []
    for pid in listed if pids is None else [str(p) for p in pids if str(p) in listed]:
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() not in ("postgres", "postmaster"):
                    continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue  # not a process, or gone meanwhile
        total += sum(int(x) for x in fields[11:15])  # utime, stime and its waited-for children
        found = True
    return total / os.sysconf("SC_CLK_TCK") if found else None


def cpu_use(fn):
    """(result, CPU seconds of this process, of PostgreSQL or None) of one call of fn: where
    the time of a run goes when it keeps several cores busy."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    server = _postgres_cpu()
    result = fn()
    after = resource.getrusage(resource.RUSAGE_SELF)
    server_after = _postgres_cpu()
    python = (after.ru_utime - mine.ru_utime) + (after.ru_stime - mine.ru_stime)
    postgres = server_after - server if server is not None and server_after is not None else None
    return result, python, postgres


def plan_tree(plan, years):
    """The benchmarks' framework shape under `plan`: levels pillar → goal → principle, 2
    pillars × 4 goals × 5 principles (codes "1.2.3"), and one reporting period per year of
    `years`. Returns the 40 principle nodes' count."""
    from datetime import date

    from indicators.models import Level, Node, ReportingPeriod

    levels = [
        Level.objects.create(plan=plan, depth=d, code=c, name_en=c.title())
        for d, c in enumerate(("pillar", "goal", "principle"))
    ]
    principles = 0
    for p in range(2):
        pillar = Node.objects.create(plan=plan, level=levels[0], code=f"{p + 1}", title_en="P")
        for g in range(4):
            goal = Node.objects.create(
                plan=plan, level=levels[1], parent=pillar, code=f"{p + 1}.{g + 1}", title_en="G"
            )
            principles += len(
                Node.objects.bulk_create(
                    Node(
                        plan=plan,
                        level=levels[2],
                        parent=goal,
                        code=f"{p + 1}.{g + 1}.{r + 1}",
                        title_en="Principle",
                    )
                    for r in range(5)
                )
            )
    ReportingPeriod.objects.bulk_create(
        ReportingPeriod(plan=plan, label=str(y), start_date=date(y, 1, 1), end_date=date(y, 12, 31))
        for y in years
    )
    return principles


def step_cpu(fn):
    """(result, wall seconds, CPU seconds of this process, CPU seconds of this connection's
    PostgreSQL backend or None) of one call of fn: what a step costs each side, apart from
    waiting for the other one or for the machine (the backend alone, not the server's other
    sessions, which on a shared machine run other people's work)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    server = _postgres_cpu([backend])
    started = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    server_after = _postgres_cpu([backend])
    python = (after.ru_utime - mine.ru_utime) + (after.ru_stime - mine.ru_stime)
    postgres = server_after - server if server is not None and server_after is not None else None
    return result, wall, python, postgres


def cpu_words(python, postgres):
    """The CPU of a step in words, for a report line."""
    server = "n/a" if postgres is None else f"{postgres:.2f} s"
    return f"CPU: Python {python:.2f} s, PostgreSQL {server}"
