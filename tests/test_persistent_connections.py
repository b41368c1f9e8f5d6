"""Persistent database connections as served (gunicorn with gunicorn.conf.py, production
settings): a thread keeps its connection from one request to the next (CONN_MAX_AGE), and a
connection the database closed meanwhile is replaced before use (CONN_HEALTH_CHECKS) instead
of failing the next request."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_settings_keep_connections_and_check_them_before_reuse():
    db = settings.DATABASES["default"]
    assert db["CONN_MAX_AGE"] == 60 and db["CONN_HEALTH_CHECKS"] is True


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served():
    """gunicorn as `make run` starts it (one worker, one thread: one connection to watch), on
    the test database; yields its base URL."""
    db = settings.DATABASES["default"]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        DJANGO_SETTINGS_MODULE="resultsframework.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="t" * 50,
        DJANGO_SECURE_SSL_REDIRECT="false",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="1",
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "resultsframework.wsgi:application", "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "gunicorn exited"
            try:
                httpx.get(f"{base}/healthz/", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


def _server_backends():
    """Process ids of the other sessions on the test database (the served application's)."""
    with connection.cursor() as cursor:
        # Read afresh: within a transaction (this test's) the statistics views are a snapshot.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return sorted(row[0] for row in cursor.fetchall())


def test_a_served_thread_keeps_its_connection_and_replaces_a_closed_one(served):
    with httpx.Client(base_url=served, timeout=30) as client:
        for _ in range(5):
            r = client.get("/healthz/")
            assert r.status_code == 200 and r.json()["database"] == "ok"
        kept = _server_backends()
        assert len(kept) == 1  # one connection for five requests, open between them
        assert client.get("/healthz/").status_code == 200
        assert _server_backends() == kept
        # The database closes it (a restart, an idle timeout): the next request still answers.
        with connection.cursor() as cursor:
            # Waits until the backend has gone (PostgreSQL 14+: a timeout in milliseconds).
            cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [kept[0]])
        r = client.get("/healthz/")
        assert r.status_code == 200 and r.json()["database"] == "ok"
        replaced = _server_backends()
        assert len(replaced) == 1 and replaced != kept
