"""Bulk writes with PostgreSQL COPY FROM STDIN: CSV for small frames, binary built by numpy
for a million rows."""

import numpy as np
import pandas as pd
from django.db import connection


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


def copy_in_binary(table, frame, types):
    """Many rows into `table` with binary COPY FROM STDIN (see binary_copy_payload)."""
    if frame.empty:
        return 0
    payload = binary_copy_payload(frame, types)
    sql = f"COPY {table} ({', '.join(types)}) FROM STDIN WITH (FORMAT binary)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(payload)
    return len(frame)


_NUMPY = {"int8": ">i8", "int2": ">i2", "float8": ">f8", "bool": "u1"}
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8


def binary_copy_payload(frame, types):
    """The rows of `frame` in PostgreSQL's binary COPY format, built by numpy.

    pandas' to_csv formats a million rows of floats in seconds, one value at a time. A binary
    tuple is fixed-width once its NULLs and its text values are known, and COPY does not care
    about row order; so rows are grouped by (which fields are NULL, which label each text
    field holds) — a few dozen groups — and each group is one packed numpy structured array.
    """
    names = list(types)
    fields = []  # (values, null mask or None, numpy format or labels)
    key = np.zeros(len(frame), dtype=np.int64)
    scale = 1
    for name in names:
        column = frame[name]
        if types[name] == "text":
            codes, labels = pd.factorize(column.astype(object).fillna(""), sort=True)
            fields.append((codes, None, [str(x).encode() for x in labels]))
            key += codes * scale
            scale *= max(len(labels), 1)
            continue
        if isinstance(column.dtype, pd.api.extensions.ExtensionDtype):
            null = column.isna().to_numpy()
            values = column.to_numpy(dtype="float64" if types[name] == "float8" else "int64",
                                     na_value=0)  # fmt: skip
        else:
            values = column.to_numpy()
            null = pd.isna(values) if values.dtype == object else np.isnan(values)
            if values.dtype == object or types[name] != "float8":
                values = np.where(null, 0, values)
        null = np.asarray(null, dtype=bool)
        if null.any():
            key += null.astype(np.int64) * scale
            scale *= 2
        else:
            null = None
        fields.append((values, null, _NUMPY[types[name]]))
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]])
    chunks = [_BINARY_HEADER]
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
        chunks.append(packed.tobytes())
    chunks.append(b"\xff\xff")
    return b"".join(chunks)
