"""Set-based writes shared by the imports: a frame copied into a staging table that lives until
the end of the transaction, for one merge statement to read."""

import csv

from django.db import connection

# NULL in the CSV: a marker no cell holds (private-use characters around a word), matched by
# FORCE_NULL even when quoted.
NULL = "\ue000NULL\ue000"


def stage(table, columns, frame):
    """Create the temporary table `table` ({name: SQL type}, dropped at commit) and COPY
    `frame` (the same columns, in order) into it, in one round trip. Text stays text: empty
    text is empty, None is NULL."""
    with connection.cursor() as cursor:
        # Dropped first: two imports in one outer transaction (a test's) meet the first's table.
        cursor.execute(
            f"DROP TABLE IF EXISTS pg_temp.{table}; "
            f"CREATE TEMP TABLE {table} ("  # our own names and types, never user input
            + ", ".join(f"{name} {kind}" for name, kind in columns.items())
            + ") ON COMMIT DROP"
        )
        if frame.empty:
            return 0
        data = frame[list(columns)].to_csv(
            index=False, header=False, na_rep=NULL, quoting=csv.QUOTE_NONNUMERIC
        )
        names = ", ".join(columns)
        with cursor.cursor.copy(
            f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}', "
            f"FORCE_NULL ({names}))"
        ) as copy:
            copy.write(data.encode())
    return len(frame)


def history_triggers(model, names=("insert_insert", "update_update")):
    """The entries of `pgtrigger.ignore` that silence the django-pghistory row triggers `names`
    of `model` (both spellings pgtrigger checks: "table:pgid" and "pgid")."""
    import pgtrigger

    entries = []
    for registered, trigger in pgtrigger.registered():
        if registered is model and trigger.name in names:
            pgid = trigger.get_pgid(model)
            entries += [f"{model._meta.db_table}:{pgid}", pgid]
    return entries


def set_statement_capture(ignored):
    """For the rest of the transaction: the row triggers `ignored` (history_triggers()) do
    nothing — the caller writes those history rows itself with history_insert() — and no JIT
    compilation (a merge of many rows is planned on a staging table without statistics, and
    PostgreSQL would spend seconds compiling it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true), set_config('jit', 'off', true)",
            ["{" + ",".join(ignored) + "}"],
        )


def history_insert(model, *, join_sql, label_sql, params=()):
    """The django-pghistory rows of every row of `model` (aliased t) that `join_sql` selects,
    in one statement, as its row triggers would write them: every tracked column, the label
    (`label_sql`), the time, and the transaction's history context (pghistory's own
    _pgh_attach_context(), called once). Returns the number of rows written."""
    event = model.pgh_event_model
    tracked = [f.column for f in event._meta.concrete_fields if not f.column.startswith("pgh_")]
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH ctx AS (SELECT _pgh_attach_context() AS id) "
            f"INSERT INTO {event._meta.db_table} "
            f"(pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {', '.join(tracked)}) "
            f"SELECT now(), {label_sql}, t.id, ctx.id, {', '.join(f't.{c}' for c in tracked)} "
            f"FROM {model._meta.db_table} t {join_sql} CROSS JOIN ctx",
            params,
        )
        return cursor.rowcount
