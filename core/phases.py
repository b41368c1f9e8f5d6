"""Named phases of a long job, timed only when someone listens (a benchmark): wall time, the
CPU time of the Python thread that ran the phase and of the PostgreSQL server process that
served it, so that a slow run says where its time went.

A job marks its phases with `with phase("read", backend=pid):` (or start()/stop() when a
phase spans threads); without a listener that costs a list check. `record()` listens:

    with record() as phases:
        job()
    phases.table()  # [(name, count, wall s, Python CPU s or None, server CPU s or None)]
"""

import os
import threading
import time
from contextlib import contextmanager

_listeners = []


def backend_pid(conn):
    """The server process id of a psycopg connection (None when it has none)."""
    try:
        return conn.info.backend_pid
    except AttributeError:
        return None


def start(name, backend=None, python=True):
    """A phase begins (`python`: False for a phase that spans other phases of the thread, whose
    CPU they count)."""
    for listener in _listeners:
        listener.start(name, backend, python)


def stop(name):
    for listener in _listeners:
        listener.stop(name)


@contextmanager
def phase(name, backend=None):
    if not _listeners:
        yield
        return
    start(name, backend)
    try:
        yield
    finally:
        stop(name)


def process_cpu(pid):
    """CPU seconds used so far by a process of this machine (None: not readable here, e.g. a
    database server elsewhere)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{int(pid)}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Recorder:
    """Sums per phase name: count, wall, Python CPU of the thread that ran it (None when it
    ended on another thread), CPU of its server process (None when unknown)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._open = {}
        self.totals = {}  # name -> [count, wall, python, server]

    def start(self, name, backend, python=True):
        sample = (
            threading.get_ident() if python else None, time.perf_counter(), time.thread_time(),
            backend, process_cpu(backend),
        )  # fmt: skip
        with self._lock:
            self._open[name] = sample
            self.totals.setdefault(name, [0, 0.0, None, None])

    def stop(self, name):
        wall, thread_cpu = time.perf_counter(), time.thread_time()
        with self._lock:
            opened = self._open.pop(name, None)
        if opened is None:  # started before this recorder listened
            return
        thread, wall0, cpu0, backend, server0 = opened
        server = process_cpu(backend)
        python = thread_cpu - cpu0 if thread == threading.get_ident() else None
        used = server - server0 if server is not None and server0 is not None else None
        with self._lock:
            total = self.totals.setdefault(name, [0, 0.0, None, None])
            total[0] += 1
            total[1] += wall - wall0
            for i, value in ((2, python), (3, used)):
                if value is not None:
                    total[i] = (total[i] or 0.0) + value

    def table(self):
        """[(name, count, wall, python, server)] in the order the phases first started."""
        return [(name, *values) for name, values in self.totals.items()]


@contextmanager
def record():
    recorder = Recorder()
    _listeners.append(recorder)
    try:
        yield recorder
    finally:
        _listeners.remove(recorder)
