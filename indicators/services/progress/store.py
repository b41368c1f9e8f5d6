"""Step 3, store: binary COPY of the judged rows into the snapshot's partition (and, once per
indicator, its frame: node, entity, baseline and target) and of the roll-ups.

Result rows live in a table partitioned by snapshot (migration 0003). A full run works on two
connections, so that PostgreSQL works on both cores: its own reads the approved values range
of indicators after range, and judges each range in batches, while a writer connection
(_ResultsWriter) stores the rows of the range before into a plain table of the snapshot's, with
no index; the writer then builds the one index in a single sort (while the run writes the
frames and sums the roll-ups) and commits the table, which no reader can see: the results
table does not have it (see switch.py for the rest).
"""

import logging

import numpy as np
import pandas as pd
from django.db import connection, transaction
from psycopg.copy import QueuedLibpqWriter

from core import phases
from core.copy import BINARY_HEADER, BINARY_TRAILER, binary_rows, copy_in_binary

from ... import progress
from ...models import NodeRollup, ProgressFrame, ProgressResult
from .judge import judge_batch
from .rollup import ROLLUP_TYPES, leaf_counts

log = logging.getLogger(__name__)

# Rows judged and sent per batch of a full run (PostgreSQL stores one while the next is judged).
BATCH_ROWS = 100_000


# PostgreSQL binary COPY: the column types of ProgressResult.
RESULT_TYPES = {
    "snapshot_id": "int8", "plan_id": "int8", "indicator_id": "int8", "period_id": "int8",
    "period_year": "int2", "value_id": "int8", "previous_value_id": "int8", "actual": "float8",
    "previous": "float8", "percent_of_way": "float8", "achieved": "bool",
    "compact_class": "text", "on_track_status": "text", "trend": "text",
}  # fmt: skip
# ... and of ProgressFrame (one row per indicator).
FRAME_TYPES = {
    "snapshot_id": "int8", "indicator_id": "int8", "node_id": "int8", "plan_id": "int8",
    "entity_id": "int8", "baseline": "float8", "baseline_year": "int2", "target": "float8",
    "target_year": "int2",
}  # fmt: skip


def _result_columns(snapshot_id, rows, judged):
    """One batch in the shape binary_rows() writes (value ids 0 are NULL)."""
    return {
        "snapshot_id": np.full(len(rows["indicator_id"]), snapshot_id, dtype=np.int64),
        **{k: rows[k] for k in ("plan_id", "indicator_id", "period_id", "period_year")},
        "value_id": (rows["value_id"], rows["value_id"] == 0),
        "previous_value_id": (rows["previous_value_id"], rows["previous_value_id"] == 0),
        "actual": rows["actual"],
        "previous": rows["previous"],
        "percent_of_way": judged["percent_of_way"],
        "achieved": judged["achieved"],
        "compact_class": pd.Categorical.from_codes(judged["compact_class"], progress.CLASSES),
        "on_track_status": pd.Categorical.from_codes(judged["on_track_status"], progress.STATUSES),
        "trend": pd.Categorical.from_codes(judged["trend"], progress.TRENDS),
    }


def write_frames(snapshot, read, table=ProgressFrame._meta.db_table):
    """One ProgressFrame per indicator of `read` (a Frame or Inputs; years -1 are NULL)."""
    ind = read.indicators
    columns = {
        "snapshot_id": np.full(len(ind["indicator_id"]), snapshot.pk, dtype=np.int64),
        **{k: ind[k] for k in ("indicator_id", "node_id", "plan_id", "entity_id")},
        "baseline": ind["baseline"],
        "baseline_year": (ind["baseline_year"], ind["baseline_year"] < 0),
        "target": ind["target"],
        "target_year": (ind["target_year"], ind["target_year"] < 0),
    }
    return copy_in_binary(table, columns, FRAME_TYPES)


def _stream_results(copy, snapshot, inputs, *, as_of, tolerance):
    """Judge the rows batch by batch into an open binary COPY, between its header and its
    trailer (PostgreSQL stores one batch while the next is judged); returns the leaf counts
    of the roll-ups, counted batch by batch (batches end between indicators)."""
    leaves = []
    for start, stop in inputs.batches(BATCH_ROWS):
        with phases.phase("judge"):
            rows, judged = judge_batch(inputs, start, stop, as_of=as_of, tolerance=tolerance)
        with phases.phase("encode and send rows"):
            for block in binary_rows(_result_columns(snapshot.pk, rows, judged), RESULT_TYPES):
                copy.write(block)
        with phases.phase("count leaves"):
            classes = pd.Categorical.from_codes(judged["compact_class"], progress.CLASSES)
            statuses = pd.Categorical.from_codes(judged["on_track_status"], progress.STATUSES)
            leaves.append(
                leaf_counts(
                    pd.DataFrame(
                        {
                            "indicator_id": rows["indicator_id"],
                            "node_id": rows["node_id"],
                            "period_year": rows["period_year"],
                            "compact_class": classes,
                            "on_track_status": statuses,
                        }
                    )
                )
            )
    return pd.concat(leaves, ignore_index=True) if leaves else leaf_counts(pd.DataFrame())


def _copy_sql(table):
    return f"COPY {table} ({', '.join(RESULT_TYPES)}) FROM STDIN WITH (FORMAT binary)"


class _ResultsWriter:
    """The results partition of a full run, written on a connection of its own.

    The run's own connection reads the approved values range after range while this one's
    server process stores the rows of the range before (PostgreSQL works on two cores), then
    builds the partition's index while the run writes the frames and sums the roll-ups. The
    partition is committed here as a plain table that no reader can see — the results table
    does not have it yet — and the run attaches it in its own transaction, with the switch;
    a run that fails drops it (and progress_prune() drops any left by a crash).

    The table is created by the statement the run's connection wrote (_create_sql), which
    never refers to the results table: this connection never waits for a lock on it that the
    run's own transaction may hold."""

    def __init__(self, snapshot_id, create_sql):
        self.snapshot_id = snapshot_id
        self.table = partition_name(_RESULTS, snapshot_id)
        # The run's connection's error translation (this may finish in another thread, where
        # `connection` is another one): psycopg's errors reach the caller as Django's.
        self._errors = connection.wrap_database_errors
        self._copying = None
        self.conn = connection.get_new_connection(connection.get_connection_params())
        try:
            with self._errors:
                self.conn.execute("SET synchronous_commit TO OFF")
                self.conn.execute("SET maintenance_work_mem TO '256MB'")
                self.conn.execute(f"DROP TABLE IF EXISTS {self.table}")
                self.conn.execute(create_sql)
                cursor = self.conn.cursor()
                copying = cursor.copy(_copy_sql(self.table), writer=QueuedLibpqWriter(cursor))
                self.copy = copying.__enter__()
                self._copying = copying
                self.copy.write(BINARY_HEADER)
                # The server storing the rows, while the run reads and judges (ends in finish).
                phases.start(
                    "COPY into the partition (writer)", phases.backend_pid(self.conn), python=False
                )
        except BaseException:
            self.close()
            raise

    def finish(self):
        """End the COPY, build the index (in one sort) and commit the table."""
        with self._errors:
            self.copy.write(BINARY_TRAILER)
            copying, self._copying = self._copying, None
            copying.__exit__(None, None, None)
            phases.stop("COPY into the partition (writer)")
            with phases.phase("index build (writer)", phases.backend_pid(self.conn)):
                self.conn.execute(_index_sql(_RESULTS, self.snapshot_id))
            with phases.phase("commit (writer)", phases.backend_pid(self.conn)):
                self.conn.commit()

    def close(self):
        """Close the connection (again: no-op); a COPY still open is abandoned, and what was
        not committed rolls back."""
        if self.conn.closed:
            return
        try:
            if self._copying is not None:
                copying, self._copying = self._copying, None
                abandoned = RuntimeError("progress: full run abandoned")
                copying.__exit__(RuntimeError, abandoned, None)
        except Exception:  # the connection is closed below whatever state the COPY is in
            log.debug("progress: abandoning the writer's COPY", exc_info=True)
        finally:
            self.conn.close()


def write_rollups(snapshot, table):
    if table.empty:
        return 0
    table = table.assign(snapshot_id=snapshot.pk)
    return copy_in_binary(NodeRollup._meta.db_table, table, ROLLUP_TYPES)


# --- partitions -----------------------------------------------------------------------------

_RESULTS = ProgressResult._meta.db_table
_FRAMES = ProgressFrame._meta.db_table
# Each partition's one unique index: the table's primary key without its snapshot_id, which
# is one constant in a partition (so the index is smaller and faster to build, and the
# partitioned parent needs no index of its own).
_KEYS = {_RESULTS: "plan_id, indicator_id, period_id", _FRAMES: "indicator_id"}


def partition_name(parent, snapshot_id):
    return f"{parent}_{int(snapshot_id)}"


def _create_sql(cursor, parent, snapshot_id):
    """CREATE TABLE for the snapshot's partition of `parent`, without an index yet: the
    parent's columns and CHECK constraints read from the catalogue — not LIKE, which would
    lock `parent` on the connection that runs it (see _ResultsWriter) — and a CHECK on the
    snapshot, which spares ATTACH a scan."""
    cursor.execute(
        """
        SELECT string_agg(format('%%I %%s%%s', attname, format_type(atttypid, atttypmod),
                                 CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END),
                          ', ' ORDER BY attnum)
        FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
        """,
        [parent],
    )
    parts = [cursor.fetchone()[0]]
    cursor.execute(
        "SELECT format('CONSTRAINT %%I %%s', conname, pg_get_constraintdef(oid)) "
        "FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' ORDER BY conname",
        [parent],
    )
    parts += [row[0] for row in cursor.fetchall()]
    parts.append(f"CHECK (snapshot_id = {int(snapshot_id)})")
    return f"CREATE TABLE {partition_name(parent, snapshot_id)} ({', '.join(parts)})"


def _index_sql(parent, snapshot_id):
    """The partition's one unique index, built in one sort once its rows are in."""
    table = partition_name(parent, snapshot_id)
    return f"CREATE UNIQUE INDEX {table}_key ON {table} ({_KEYS[parent]})"


def _attach_sql(parent, snapshot_id):
    table = partition_name(parent, snapshot_id)
    return f"ALTER TABLE {parent} ATTACH PARTITION {table} FOR VALUES IN ({int(snapshot_id)})"


def _create_partition(cursor, parent, snapshot_id):
    """An empty partition table of `parent` for one snapshot, not attached, without index."""
    cursor.execute(_create_sql(cursor, parent, snapshot_id))
    return partition_name(parent, snapshot_id)


def _attach_partition(cursor, parent, snapshot_id):
    """Index the partition in one sort and attach it."""
    cursor.execute(_index_sql(parent, snapshot_id))
    cursor.execute(_attach_sql(parent, snapshot_id))


def create_empty_partitions(snapshot):
    """The partitions of a snapshot whose rows are written one by one (tests, benchmarks)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for parent in _KEYS:
            _create_partition(cursor, parent, snapshot.pk)
            _attach_partition(cursor, parent, snapshot.pk)


def drop_partitions(cursor, snapshot_id):
    for parent in _KEYS:
        cursor.execute(f"DROP TABLE IF EXISTS {partition_name(parent, snapshot_id)}")
