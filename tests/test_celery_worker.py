"""A real Celery worker, started as a process, runs a task sent through Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from audit.tasks import HEARTBEAT_KEY, record_heartbeat
from resultsframework.celery import app

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 180


@pytest.fixture
def worker(transactional_db):
    """A worker on the test database and the test queue; stopped after the test."""
    proc = start_worker()
    yield proc
    proc.terminate()
    proc.wait(30)


def start_worker(*options):
    """Start a worker process on the test database and queue (extra command-line `options`,
    e.g. "--pool", "solo") and wait until it answers a ping."""
    db = connection.settings_dict
    env = os.environ.copy()
    env["DJANGO_SETTINGS_MODULE"] = "resultsframework.settings_test"
    # The worker must read the test database pytest-django created, not the main one.
    env["DATABASE_URL"] = (
        f"postgres://{db['USER'] or ''}@{(db['HOST'] or '').replace('/', '%2F')}"
        f"{':' + str(db['PORT']) if db['PORT'] else ''}/{db['NAME']}"
    )
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "resultsframework", "worker",
         "-Q", queue, "-c", "1", "-l", "warning", "--without-gossip", "--without-mingle",
         *options],
        cwd=ROOT, env=env,
    )  # fmt: skip
    # Generous: on a shared, busy machine a worker takes a minute or more to import Django,
    # pandas and the apps.
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1)
        if replies:
            break
        assert proc.poll() is None, "the worker exited at start-up"
    else:
        proc.terminate()
        pytest.fail(f"the Celery worker did not answer a ping within {STARTUP_TIMEOUT} s")
    return proc


@pytest.mark.worker
def test_worker_runs_a_task_through_redis(worker):
    cache.delete(HEARTBEAT_KEY)
    result = record_heartbeat.delay()
    value = result.get(timeout=60)
    assert value is not None
    # The worker wrote the same value into Redis that it returned through the result backend.
    assert cache.get(HEARTBEAT_KEY) == value


def test_beat_schedule_names_registered_tasks():
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
