"""Bulk writes with PostgreSQL COPY (CSV for small frames, binary built by numpy for a million
rows) and bulk reads as one binary array per column, parsed by numpy (fetch_columns).

Hand-written because no library in the stack turns numpy columns into PostgreSQL's binary
COPY format or back (psycopg's Copy.write_row() converts one Python tuple at a time, about
ten times slower here); the format itself is documented and stable ("COPY ... Binary Format"
in the PostgreSQL manual): a 19-byte header, then per row an int16 field count and, per field,
an int32 length (-1 = NULL) followed by the bytes, then an int16 -1 trailer.
"""

import struct

import numpy as np
import pandas as pd
import psycopg
from django.db import connection
from psycopg.adapt import Loader
from psycopg.pq import Format

BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
BINARY_TRAILER = b"\xff\xff"
_NUMPY = {"int8": ">i8", "int4": ">i4", "int2": ">i2", "float8": ">f8", "bool": "u1"}


def copy_in(table, columns, frame):
    """A few thousand rows into `table` with COPY FROM STDIN (CSV), one round trip."""
    if frame.empty:
        return 0
    data = frame[columns].to_csv(index=False, header=False, na_rep="").encode()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        ) as copy,
    ):
        copy.write(data)
    return len(frame)


def copy_in_binary(table, columns, types):
    """Many rows into `table` with binary COPY FROM STDIN (see binary_rows)."""
    count = _length(columns, types)
    if not count:
        return 0
    sql = f"COPY {table} ({', '.join(types)}) FROM STDIN WITH (FORMAT binary)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(BINARY_HEADER)
        for block in binary_rows(columns, types):
            copy.write(block)
        copy.write(BINARY_TRAILER)
    return count


def _length(columns, types):
    first = columns[next(iter(types))]
    return len(first[0] if isinstance(first, tuple) else first)


def _field(column, pgtype):
    """(values, null mask or None) for a numeric column; (codes, labels) for text.

    A column is a numpy array (float NaN = NULL), a (values, null mask) pair, a pandas
    Series or extension array (NA = NULL), or for text a Categorical (NaN = empty text) or
    anything pandas can factorize."""
    if pgtype == "text":
        if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):
            categorical = pd.Categorical(column)
            labels = [str(c).encode() for c in categorical.categories] + [b""]
            codes = np.asarray(categorical.codes, dtype=np.int64)
            return np.where(codes < 0, len(labels) - 1, codes), labels
        codes, labels = pd.factorize(pd.Series(column, dtype=object).fillna(""), sort=True)
        return codes, [str(x).encode() for x in labels]
    if isinstance(column, tuple):
        values, null = column
        return np.asarray(values), (np.asarray(null, dtype=bool) if np.any(null) else None)
    if isinstance(column, pd.Series | pd.api.extensions.ExtensionArray):
        null = np.asarray(pd.isna(column), dtype=bool)
        kind = "float64" if pgtype == "float8" else ("bool" if pgtype == "bool" else "int64")
        values = pd.Series(column).to_numpy(dtype=kind, na_value=0)
        return values, (null if null.any() else None)
    values = np.asarray(column)
    if values.dtype.kind == "f":
        null = np.isnan(values)
        return values, (null if null.any() else None)
    return values, None


def binary_rows(columns, types):
    """The rows of `columns` (name -> column, see _field) as blocks of PostgreSQL binary COPY
    tuples, without the header and trailer (so that several batches go into one COPY).

    A binary tuple is fixed-width once its NULLs and its text values are known, and COPY does
    not care about row order; so rows are grouped by (which fields are NULL, which label each
    text field holds) — a few dozen groups — and each group is one packed numpy structured
    array: no Python work per row.
    """
    fields = []  # (values, null mask or None, numpy format or labels)
    key = np.zeros(_length(columns, types), dtype=np.int64)
    scale = 1
    for name, pgtype in types.items():
        values, extra = _field(columns[name], pgtype)
        if pgtype == "text":
            fields.append((values, None, extra))
            key += values * scale
            scale *= max(len(extra), 1)
            continue
        if extra is not None:
            key += extra.astype(np.int64) * scale
            scale *= 2
        fields.append((values, extra, _NUMPY[pgtype]))
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    for start, end in zip(starts, [*starts[1:], len(order)], strict=True):
        rows = order[start:end]
        first = rows[0]
        dtype, fill = [("n", ">i2")], []
        for i, (values, null, form) in enumerate(fields):
            if isinstance(form, list):  # text: this group's label
                label = form[values[first]]
                dtype.append((f"l{i}", ">i4"))
                fill.append((f"l{i}", len(label)))
                if label:
                    dtype.append((f"v{i}", f"S{len(label)}"))
                    fill.append((f"v{i}", label))
            elif null is not None and null[first]:
                dtype.append((f"l{i}", ">i4"))
                fill.append((f"l{i}", -1))
            else:
                dtype.append((f"l{i}", ">i4"))
                fill.append((f"l{i}", np.dtype(form).itemsize))
                dtype.append((f"v{i}", form))
                fill.append((f"v{i}", values[rows]))
        packed = np.empty(len(rows), dtype=np.dtype(dtype))
        packed["n"] = len(fields)
        for name, value in fill:
            packed[name] = value
        yield packed.data


class _RawArray(Loader):
    """A binary array as its bytes, for numpy to parse in one step (psycopg would build a
    Python list of a million ints)."""

    format = Format.BINARY

    def load(self, data):
        return bytes(data)


# PostgreSQL's type oids: each declared column type, and the array of it.
_ELEMENT_OID = {"int8": 20, "int2": 21, "int4": 23, "bool": 16, "float8": 701}
_ARRAY_OID = {"int8": 1016, "int2": 1005, "int4": 1007, "bool": 1000, "float8": 1022}
_MISMATCH = "fetch_columns: a NULL or a type other than declared in the answer"


def _parse_array(raw, pgtype):
    """A one-dimensional binary array without NULLs of `pgtype` as a native numpy array: a
    header (dimensions, null flag, element type; one size and lower bound per dimension),
    then per element its int32 length and its bytes."""
    form = np.dtype(_NUMPY[pgtype])
    native = bool if pgtype == "bool" else form.newbyteorder("=")
    if raw is None:  # array_agg() of no rows
        return np.empty(0, dtype=native)
    ndim, has_null, element = struct.unpack_from(">iiI", raw)
    if ndim != 1 or has_null or element != _ELEMENT_OID[pgtype]:
        raise ValueError(_MISMATCH)
    (count,) = struct.unpack_from(">i", raw, 12)
    items = np.frombuffer(raw, dtype=[("l", ">i4"), ("v", form)], offset=20)
    if len(items) != count or not (items["l"] == form.itemsize).all():
        raise ValueError(_MISMATCH)
    return items["v"].astype(native)


def fetch_columns(query, columns, params=None):
    """The rows of `query` as numpy columns, in no guaranteed order (sort them in numpy when
    order matters).

    `columns`: [(name, type)] in select order, types among int8 int4 int2 float8 bool. Each
    column comes back as ONE binary array (array_agg), parsed by numpy in one step: a binary
    COPY TO would send a message per row, and reading a million messages costs the client
    about a second of Python where this costs a few milliseconds. The query must not return
    NULL (COALESCE to a sentinel: NaN, 0, -1); a NULL, or a type other than declared, raises.
    """
    with PendingColumns(query, columns, params) as pending:
        return pending.result()


class PendingColumns:
    """fetch_columns() in two steps: the query is sent when this is made (in libpq's pipeline
    mode, so that the call returns at once) and its answer is read by result(), so that the
    server computes it while Python works on something else. Until result() (or close()),
    nothing else may run on the connection. Use it as a context manager, or call close()."""

    def __init__(self, query, columns, params=None):
        self.columns = columns
        names = [f"c{i}" for i in range(len(columns))]
        sql = (
            f"SELECT {', '.join(f'array_agg(q.{n})' for n in names)} "
            f"FROM ({query}) AS q({', '.join(names)})"
        )
        connection.ensure_connection()
        self._errors = connection.wrap_database_errors
        self._pipeline = None
        self._cursor = psycopg.Cursor(connection.connection)
        try:
            with self._errors:
                for pgtype in {t for _, t in columns}:
                    self._cursor.adapters.register_loader(_ARRAY_OID[pgtype], _RawArray)
                if psycopg.Pipeline.is_supported():
                    self._pipeline = connection.connection.pipeline()
                    self._pipeline.__enter__()
                self._cursor.execute(sql, params, binary=True)
        except BaseException:
            self.close()
            raise

    def result(self):
        with self._errors:
            row = self._cursor.fetchone()
            self.close()
        return {
            name: _parse_array(raw, pgtype)
            for (name, pgtype), raw in zip(self.columns, row, strict=True)
        }

    def close(self, *exc_info):
        """Leave the pipeline (again: no-op); a query still pending is abandoned."""
        pipeline, self._pipeline = self._pipeline, None
        try:
            if pipeline is not None:
                with self._errors:
                    pipeline.__exit__(*(exc_info or (None, None, None)))
        finally:
            self._cursor.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close(*exc_info)
