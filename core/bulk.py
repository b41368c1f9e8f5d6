"""Set-based writes shared by the bulk imports: a staging table filled by one COPY, and row
history (django-pghistory) attributed to the acting user and the job at a fixed cost.

Measured before choosing (20,000 recommendations, one INSERT ... SELECT, 2-core machine):
pghistory's per-row triggers under ``pghistory.context()`` took 16.3 s, without any context
29 s, and with the three settings they read set once for the transaction 2.2 s, against 1.0 s
with the triggers off — the worst cost was the exception blocks in which a trigger reads a
missing setting (a subtransaction rolled back per row): ``history_context`` sets them once.
Under load the triggers were still half of the merge's time (3.7 of 7.8 s, EXPLAIN ANALYZE),
so the merge of a large import switches its model's insert and update triggers off for that
one statement (``triggers_off``) and writes the same history rows itself, from the rows the
statement returns (``history_rows``): the same table, columns, label and context, set-based.
Every other write keeps its history through the triggers.
"""

import json
import uuid

import pgtrigger
from django.apps import apps
from django.db import connection

from .copy import copy_in


def history_context(**metadata):
    """Attribute every history row the triggers write in the current transaction to
    ``metadata`` (e.g. user=..., import=...): pghistory's context id and metadata, and
    pgtrigger's (empty) ignore list, set once with SET LOCAL semantics. One query; returns the
    context id (a row in pghistory_context is created by the first trigger that fires).

    Inside pghistory.context() (the request middleware) that context wins: it sets its own
    values again before every statement."""
    context_id = str(uuid.uuid4())
    with connection.cursor() as cursor:
        # The context row exists from here on (the subquery's settings come first), so that
        # history rows written by a statement rather than a trigger may point to it.
        cursor.execute(
            "SELECT _pgh_attach_context() FROM (SELECT set_config('pgtrigger.ignore', "
            "COALESCE(NULLIF(current_setting('pgtrigger.ignore', true), ''), '{}'), true), "
            "set_config('pghistory.context_id', %s, true), "
            "set_config('pghistory.context_metadata', %s, true)) AS settings",
            [context_id, json.dumps(metadata, default=str)],
        )
    return context_id


def _trigger_ids(model, names):
    """pgtrigger's ids of the model's triggers ``names`` (as its ignore list spells them)."""
    ids = []
    for registered, trigger in pgtrigger.registry.registered():
        if registered is model and trigger.name in names:
            pgid = trigger.get_pgid(model)
            ids += [f"{model._meta.db_table}:{pgid}", pgid]
    return ids


def triggers_off(model, names=("insert_insert", "update_update")):
    """Switch the model's pghistory triggers ``names`` off for what follows in the transaction
    (until triggers_on); one query. The caller writes their history rows (history_rows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)",
            ["{" + ",".join(_trigger_ids(model, names)) + "}"],
        )


def triggers_on():
    """Every trigger on again (pgtrigger's ignore list empty, not missing); one query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def history_rows(model, *, source, label):
    """SQL of an INSERT of the model's pghistory event rows for the rows of ``source`` (a CTE
    returning the model's columns, e.g. ``RETURNING *``), labelled by the SQL expression
    ``label`` ('insert', 'update' or a CASE), with the context id as its one parameter —
    what the model's triggers would have written, one row per row."""
    event = apps.get_model(model._meta.app_label, f"{model.__name__}Event")
    columns = [f.column for f in event._meta.concrete_fields if not f.name.startswith("pgh_")]
    listed = ", ".join(columns)
    return (
        f"INSERT INTO {event._meta.db_table} "
        f"({listed}, pgh_context_id, pgh_created_at, pgh_label, pgh_obj_id) "
        f"SELECT {listed}, %s::uuid, NOW(), {label}, {model._meta.pk.column} FROM {source}"
    )


def staging_table(name, columns):
    """A temporary table, empty, dropped at the end of the transaction: ``columns`` maps a
    column name to its SQL type. One query (a second use in the same transaction, e.g. in a
    savepoint, replaces the first)."""
    spec = ", ".join(f"{column} {sqltype}" for column, sqltype in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TABLE IF EXISTS pg_temp.{name}; "
            f"CREATE TEMPORARY TABLE {name} ({spec}) ON COMMIT DROP"
        )
    return name


def stage(name, columns, frame):
    """Create the staging table ``name`` and fill it with ``frame`` (its columns named as in
    ``columns``) in one COPY. An empty text cell arrives as NULL (CSV COPY): COALESCE it."""
    staging_table(name, columns)
    return copy_in(name, list(columns), frame)
