"""core/phases.py: named phases of a long job, timed only when a recorder listens; and
core/copy.py's column reader in two steps (the query computes while Python works)."""

import threading

import numpy as np
import pytest
from django.db import DatabaseError, connection, transaction

from core import phases
from core.copy import PendingColumns, fetch_columns


def burn(seconds):
    """Python CPU of this thread for about `seconds` (a loop, not a sleep)."""
    started = phases.time.thread_time()
    while phases.time.thread_time() - started < seconds:
        sum(range(1000))


def test_a_phase_without_a_recorder_records_nothing():
    with phases.phase("alone"):
        burn(0.01)
    phases.stop("never started")  # no listener: nothing to stop, nothing raised
    with phases.record() as recorded:
        pass
    assert recorded.table() == []


def test_phases_sum_per_name_in_the_order_they_first_started():
    with phases.record() as recorded:
        for _ in range(3):
            with phases.phase("judge"):
                burn(0.02)
        with phases.phase("encode"):
            burn(0.01)
        with phases.phase("judge"):
            pass
    table = {name: rest for name, *rest in recorded.table()}
    assert [row[0] for row in recorded.table()] == ["judge", "encode"]
    count, wall, python, server = table["judge"]
    assert count == 4 and python >= 0.06 and wall >= python * 0.5 and server is None
    assert table["encode"][0] == 1 and table["encode"][2] >= 0.01
    with phases.phase("after"):  # the recorder stopped listening when its block ended
        pass
    assert "after" not in {row[0] for row in recorded.table()}


def test_a_phase_ended_on_another_thread_or_spanning_others_has_no_python_cpu():
    with phases.record() as recorded:
        phases.start("handed over")
        thread = threading.Thread(target=phases.stop, args=["handed over"])
        thread.start()
        thread.join()
        phases.start("spanning", python=False)
        burn(0.01)
        phases.stop("spanning")
        phases.stop("stopped twice")  # not started: ignored
    table = {name: rest for name, *rest in recorded.table()}
    assert table["handed over"][0] == 1 and table["handed over"][2] is None
    assert table["spanning"][0] == 1 and table["spanning"][2] is None
    assert "stopped twice" not in table


@pytest.mark.django_db
def test_the_server_cpu_of_a_phase_is_its_backends():
    """The database runs on this machine in tests: its process's CPU is read from /proc."""
    connection.ensure_connection()
    backend = phases.backend_pid(connection.connection)
    assert backend and phases.process_cpu(backend) is not None
    sort = "SELECT count(*) FROM (SELECT random() r FROM generate_series(1, 300000) ORDER BY r) s"
    with (
        phases.record() as recorded,
        phases.phase("sort on the server", backend),
        connection.cursor() as cursor,
    ):
        cursor.execute(sort)
    ((_name, count, _wall, _python, server),) = recorded.table()
    assert count == 1 and server is not None and server > 0
    assert phases.process_cpu(None) is None and phases.process_cpu(2**22 + 1) is None
    assert phases.backend_pid(object()) is None


COLUMNS = [("n", "int8"), ("half", "float8")]
QUERY = "SELECT x::int8, x / 2.0::float8 FROM generate_series(1, %s) x"


@pytest.mark.django_db
def test_pending_columns_answer_like_fetch_columns_after_python_worked_meanwhile():
    pending = PendingColumns(QUERY, COLUMNS, [50_000])
    burn(0.02)  # the server computes meanwhile
    got = pending.result()
    expected = fetch_columns(QUERY, COLUMNS, [50_000])
    for name, _type in COLUMNS:
        assert np.array_equal(np.sort(got[name]), np.sort(expected[name]))
    assert len(got["n"]) == 50_000 and got["half"].max() == 25_000.0
    with connection.cursor() as cursor:  # the connection is back to normal
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


@pytest.mark.django_db
def test_a_pending_query_abandoned_leaves_the_connection_usable():
    with PendingColumns(QUERY, COLUMNS, [1000]):
        pass  # closed without reading its answer
    pending = PendingColumns(QUERY, COLUMNS, [10])
    pending.close()
    pending.close()  # again: no-op
    assert fetch_columns(QUERY, COLUMNS, [3])["n"].tolist() in ([1, 2, 3], [3, 2, 1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_a_pending_query_that_fails_raises_djangos_error_and_rolls_back_cleanly():
    failing = "SELECT (1 / (x - 2))::int8 FROM generate_series(1, 3) x"
    with (
        pytest.raises(DatabaseError, match="division by zero"),
        transaction.atomic(),
        PendingColumns(failing, [("a", "int8")]) as pending,
    ):
        pending.result()
    with connection.cursor() as cursor:  # the savepoint rolled back: the connection works
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
