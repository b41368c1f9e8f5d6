"""gunicorn as served (gunicorn.conf.py): without keep-alive a worker takes no more connections
than it has threads, so waiting clients stay in the kernel's queue for whichever worker frees
first, instead of piling up behind one busy process (the load benchmark saw one of five
workers holding 44 of 50 connections)."""

import runpy
import socket
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests import serving

ROOT = Path(__file__).resolve().parent.parent
CONF = str(ROOT / "gunicorn.conf.py")


def test_no_keepalive_by_default_and_a_worker_takes_what_its_threads_serve():
    default = runpy.run_path(CONF)
    assert default["keepalive"] == 0
    assert default["worker_connections"] == default["threads"] == 2
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GUNICORN_KEEPALIVE", "5")
        mp.setenv("GUNICORN_THREADS", "4")
        kept = runpy.run_path(CONF)
    # Kept-alive connections are held besides those being served: room for many.
    assert kept["keepalive"] == 5 and kept["worker_connections"] == 1000


@pytest.fixture
def served():
    """gunicorn with gunicorn.conf.py's defaults but two workers; yields (port, process)."""
    with serving.served(GUNICORN_WORKERS="2") as (port, proc):
        yield port, proc


def _held(proc, port):
    """Connections on `port` each worker has accepted (open in the process)."""
    held = []
    for worker in psutil.Process(proc.pid).children():
        try:
            conns = worker.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        held.append(sum(1 for c in conns if c.laddr and c.laddr.port == port and c.raddr))
    return held


@pytest.mark.long
@pytest.mark.django_db
def test_a_worker_holds_no_more_connections_than_its_threads(served):
    port, proc = served
    r = httpx.get(f"http://127.0.0.1:{port}/healthz/", timeout=30)
    assert r.status_code == 200 and r.headers["connection"] == "close"
    # Six clients connect and say nothing yet (slow networks do this): two workers of two
    # threads accept four; the other two wait in the queue, not behind a busy worker.
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
    try:
        most, seen = 0, []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            seen = _held(proc, port)
            most = max([most, *seen])
            time.sleep(0.1)
        assert most <= 2, seen
        assert sum(seen) <= 4, seen
    finally:
        for client in clients:
            client.close()
