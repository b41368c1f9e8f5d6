"""Set-based writes shared by the bulk imports (indicator values, recommendations): a staging
table filled by one COPY, and row history (django-pghistory) attributed to the acting user and
the job at a fixed cost.

Measured before choosing (2-core machine). Recommendations, 20,000 rows, one INSERT ... SELECT:
pghistory's per-row triggers under ``pghistory.context()`` took 16.3 s, without any context
29 s, and with the three settings they read set once for the transaction 2.2 s, against 1.0 s
with the triggers off — the worst cost was the exception blocks in which a trigger reads a
missing setting (a subtransaction rolled back per row): ``history_context`` sets them once.
Values: a row trigger still cost about 145 µs a value, most of a 50,000-value commit. So the
merge of a large import either switches its model's insert and update triggers off for that one
statement (``triggers_off``) and writes the same history rows itself (``history_rows`` from the
rows a statement returns, ``history_insert`` from the rows a join selects): the same table,
columns, label and context, set-based — or its model's triggers are statement-level
(``entities.models.track_history(level=pghistory.Statement)``, indicator values), which write
the same rows from the statement's transition tables with no per-row call at all (a row
trigger that only finds itself ignored still cost 15 µs a row). Every other write keeps its
history through the triggers.
"""

import csv
import json
import uuid

import pgtrigger
from django.db import connection

# NULL in the staging CSV: a marker no cell holds (private-use characters around a word),
# matched by FORCE_NULL even when quoted — so empty text stays empty text.
NULL = "\ue000NULL\ue000"


def staging_table(name, columns, *, unlogged=False):
    """A temporary table, empty, dropped at the end of the transaction: ``columns`` maps a
    column name to its SQL type (our own names and types, never user input). One query; a
    second use in the same transaction (e.g. two imports in a test) replaces the first.

    ``unlogged``: an UNLOGGED table of the database instead, kept across transactions and
    connections until dropped (a job's checked rows, kept from its preview for its write;
    PostgreSQL empties it after a crash, so its reader must cope with it missing or empty)."""
    spec = ", ".join(f"{column} {sqltype}" for column, sqltype in columns.items())
    if unlogged:
        create = f"DROP TABLE IF EXISTS {name}; CREATE UNLOGGED TABLE {name} ({spec})"
    else:
        create = (
            f"DROP TABLE IF EXISTS pg_temp.{name}; "
            f"CREATE TEMPORARY TABLE {name} ({spec}) ON COMMIT DROP"
        )
    with connection.cursor() as cursor:
        cursor.execute(create)
    return name


def stage(name, columns, frame, *, unlogged=False):
    """Create the staging table ``name`` ({column: SQL type}; ``unlogged``: see
    staging_table) and COPY ``frame`` (the same columns) into it in one round trip. Text
    stays text: empty text is empty, None/NaN is NULL. Returns the number of rows."""
    return stage_csv(name, columns, frame_csv(columns, frame), rows=len(frame), unlogged=unlogged)


def frame_csv(columns, frame):
    """``frame``'s ``columns`` as the CSV text that stage_csv() copies (kept as a file, it lets a
    later transaction stage the same rows without building the frame again)."""
    if frame.empty:
        return ""
    return frame[list(columns)].to_csv(
        index=False, header=False, na_rep=NULL, quoting=csv.QUOTE_NONNUMERIC
    )


def stage_csv(name, columns, data, *, rows=None, unlogged=False):
    """Create the staging table ``name`` (``unlogged``: see staging_table) and COPY ``data``
    (frame_csv() of the same columns) into it. Returns ``rows`` if given, else the number of
    rows copied."""
    staging_table(name, columns, unlogged=unlogged)
    if not data:
        return 0
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {name} ({names}) FROM STDIN "
            f"WITH (FORMAT csv, NULL '{NULL}', FORCE_NULL ({names}))"
        ) as copy:
            copy.write(data.encode() if isinstance(data, str) else data)
        copied = cursor.cursor.rowcount
    return copied if rows is None else rows


def history_context(**metadata):
    """Attribute every history row written in the current transaction to ``metadata`` (e.g.
    user=..., import_id=...): pghistory's context id and metadata, and pgtrigger's (empty)
    ignore list, set once with SET LOCAL semantics. One query; returns the context id (its
    row in pghistory_context exists from here on, so that history rows written by a statement
    rather than a trigger may point to it).

    Inside pghistory.context() (the request middleware) that context wins: it sets its own
    values again before every statement."""
    context_id = str(uuid.uuid4())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT _pgh_attach_context() FROM (SELECT set_config('pgtrigger.ignore', "
            "COALESCE(NULLIF(current_setting('pgtrigger.ignore', true), ''), '{}'), true), "
            "set_config('pghistory.context_id', %s, true), "
            "set_config('pghistory.context_metadata', %s, true)) AS settings",
            [context_id, json.dumps(metadata, default=str)],
        )
    return context_id


def _trigger_ids(model, names):
    """pgtrigger's ids of the model's triggers ``names``, in both spellings its ignore list
    checks ("table:pgid" and "pgid")."""
    ids = []
    for registered, trigger in pgtrigger.registry.registered():
        if registered is model and trigger.name in names:
            pgid = trigger.get_pgid(model)
            ids += [f"{model._meta.db_table}:{pgid}", pgid]
    return ids


def triggers_off(model, names=("insert_insert", "update_update")):
    """Until triggers_on() or the end of the transaction: the model's pghistory triggers
    ``names`` do nothing — the caller writes those history rows itself — and no JIT
    compilation (a merge of many rows is planned on a staging table without statistics, and
    PostgreSQL would spend seconds compiling it). One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true), set_config('jit', 'off', true)",
            ["{" + ",".join(_trigger_ids(model, names)) + "}"],
        )


def bulk_settings(work_mem="64MB"):
    """Until the end of the transaction: no JIT compilation (a statement over a staging table
    without statistics is planned as if huge, and PostgreSQL would spend seconds compiling it)
    and ``work_mem`` to sort and hash a staged file in memory rather than on disk. One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)", [work_mem]
        )


def triggers_on():
    """Every trigger on again (pgtrigger's ignore list empty, not missing); one query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def _tracked(model):
    """The event model of ``model`` and the columns its triggers copy (all but pgh_*)."""
    event = model.pgh_event_model
    return event, [f.column for f in event._meta.concrete_fields if not f.name.startswith("pgh_")]


def history_rows(model, *, source, label):
    """SQL of an INSERT of the model's pghistory event rows for the rows of ``source`` (a CTE
    returning the model's columns, e.g. ``RETURNING *``), labelled by the SQL expression
    ``label`` ('insert', 'update' or a CASE), with the context id (history_context()) as its
    one parameter — what the model's triggers would have written, one row per row."""
    event, columns = _tracked(model)
    listed = ", ".join(columns)
    return (
        f"INSERT INTO {event._meta.db_table} "
        f"({listed}, pgh_context_id, pgh_created_at, pgh_label, pgh_obj_id) "
        f"SELECT {listed}, %s::uuid, NOW(), {label}, {model._meta.pk.column} FROM {source}"
    )


def history_insert(model, *, join_sql, label_sql, params=()):
    """Write the model's pghistory event rows for every row of ``model`` (aliased t) that
    ``join_sql`` selects, in one statement, as its row triggers would: every tracked column,
    the label (``label_sql``), the time, and the transaction's history context (pghistory's own
    _pgh_attach_context(), called once). Returns the number of rows written."""
    event, columns = _tracked(model)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH ctx AS (SELECT _pgh_attach_context() AS id) "
            f"INSERT INTO {event._meta.db_table} "
            f"(pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {', '.join(columns)}) "
            f"SELECT now(), {label_sql}, t.id, ctx.id, {', '.join(f't.{c}' for c in columns)} "
            f"FROM {model._meta.db_table} t {join_sql} CROSS JOIN ctx",
            params,
        )
        return cursor.rowcount
