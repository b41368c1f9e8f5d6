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
