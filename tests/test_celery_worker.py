"""A real Celery worker, started as a process, runs a task sent through Redis."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from audit.tasks import HEARTBEAT_KEY, record_heartbeat
from resultsframework.celery import app

ROOT = Path(__file__).resolve().parent.parent
# Seconds to wait for a real worker (start-up, a task); tests poll a condition, never sleep
# it out. Generous: on a shared, busy machine a worker takes a minute or more to import Django,
# pandas and the apps.
WORKER_TIMEOUT = 180


@pytest.fixture
def worker(transactional_db):
    """A worker on the test database and the test queue; stopped after the test."""
    proc = start_worker()
    yield proc
    proc.terminate()
    proc.wait(30)


def start_worker(*options, purge=True):
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
    # Transactional tests that ran without a worker (browser journeys, demo loads) left their
    # after-commit tasks on this queue; a new worker would work through hundreds of them, for
    # rows long gone, before the task under test. Start from an empty queue.
    # (purge=False: a test that queued the task under test before starting its worker.)
    if purge:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)
    # A name of its own: the ping below must be answered by this worker, not by one another
    # test process (pytest-xdist) started on the same broker.
    node = f"{queue}.{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "resultsframework", "worker",
         "-Q", queue, "-n", node, "-c", "1", "-l", "warning", "--without-gossip",
         "--without-mingle", *options],
        cwd=ROOT, env=env, start_new_session=True,  # its own group: a test may kill it whole
    )  # fmt: skip
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=[node], timeout=1)
        if replies:
            break
        assert proc.poll() is None, "the worker exited at start-up"
    else:
        proc.terminate()
        pytest.fail(f"the Celery worker did not answer a ping within {WORKER_TIMEOUT} s")
    return proc


@pytest.mark.worker
def test_worker_runs_a_task_through_redis(request, transactional_db):
    # A task left on the queue before the worker starts (as a test without a worker leaves
    # one) is discarded, not run: the queue is first in, first out, so had it been kept it
    # would have run before the task below.
    stale = record_heartbeat.delay()
    request.getfixturevalue("worker")
    cache.delete(HEARTBEAT_KEY)
    result = record_heartbeat.delay()
    value = result.get(timeout=WORKER_TIMEOUT)
    assert value is not None
    assert stale.state == "PENDING"
    # The worker wrote the same value into Redis that it returned through the result backend.
    assert cache.get(HEARTBEAT_KEY) == value


def test_beat_schedule_names_registered_tasks():
    # As a worker or beat does at start-up: import every app's tasks.py (autodiscovery is lazy,
    # so which tasks are registered otherwise depends on what other tests imported).
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
