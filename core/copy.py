"""Bulk reads and writes with PostgreSQL COPY: CSV for small frames, binary built and parsed
by numpy for a million rows.

Hand-written because no library in the stack turns numpy columns into PostgreSQL's binary
COPY format or back (psycopg's Copy.write_row() converts one Python tuple at a time, about
ten times slower here); the format itself is documented and stable ("COPY ... Binary Format"
in the PostgreSQL manual): a 19-byte header, then per row an int16 field count and, per field,
an int32 length (-1 = NULL) followed by the bytes, then an int16 -1 trailer.
"""

import numpy as np
import pandas as pd
from django.db import connection

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


def copy_out_fixed(query, columns, params=None):
    """The rows of `query` as numpy columns, through binary COPY TO STDOUT parsed in one step.

    `columns`: [(name, type)] in select order, types among int8 int4 int2 float8 bool. The
    query must not return NULL (COALESCE to a sentinel: NaN, 0, -1), so that every tuple has
    the same width and the whole answer is one numpy structured array; anything else raises.
    """
    buffer = bytearray()
    sql = f"COPY ({query}) TO STDOUT WITH (FORMAT binary)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as copy:
        for chunk in copy:
            buffer += chunk
    layout = [("n", ">i2")]
    for i, (name, pgtype) in enumerate(columns):
        layout += [(f"_l{i}", ">i4"), (name, _NUMPY[pgtype])]
    dtype = np.dtype(layout)
    start = 19 + int.from_bytes(buffer[15:19], "big")
    body = memoryview(buffer)[start : len(buffer) - 2]
    if len(body) % dtype.itemsize:
        raise ValueError("copy_out_fixed: a NULL or a type other than declared in the answer")
    rows = np.frombuffer(body, dtype=dtype)
    widths_ok = (rows["n"] == len(columns)).all() and all(
        (rows[f"_l{i}"] == np.dtype(_NUMPY[t]).itemsize).all() for i, (_, t) in enumerate(columns)
    )
    if not widths_ok:
        raise ValueError("copy_out_fixed: a NULL or a type other than declared in the answer")
    out = {}
    for name, pgtype in columns:
        native = rows[name].astype(np.dtype(_NUMPY[pgtype]).newbyteorder("="))
        out[name] = native.astype(bool) if pgtype == "bool" else native
    return out
