"""Persistent database connections as served (gunicorn with gunicorn.conf.py, production
settings): a thread keeps its connection from one request to the next (CONN_MAX_AGE), and a
connection the database closed meanwhile is replaced before use (CONN_HEALTH_CHECKS) instead
of failing the next request."""

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests import serving

pytestmark = pytest.mark.django_db


def test_settings_keep_connections_and_check_them_before_reuse():
    db = settings.DATABASES["default"]
    assert db["CONN_MAX_AGE"] == 60 and db["CONN_HEALTH_CHECKS"] is True


@pytest.fixture
def served():
    """gunicorn as served (one worker, one thread: one connection to watch); yields its base
    URL."""
    with serving.served(GUNICORN_WORKERS="1", GUNICORN_THREADS="1") as (port, _proc):
        yield f"http://127.0.0.1:{port}"


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
