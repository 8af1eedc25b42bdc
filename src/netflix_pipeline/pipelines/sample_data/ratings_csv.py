"""Ratings blocks as CSV bytes through pyarrow, with planted raw lines spliced in."""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .layout import RATINGS_COLUMNS

_WRITE_OPTIONS = pacsv.WriteOptions(include_header=False, batch_size=65_536)


def ratings_table(
    user: np.ndarray, movie_id: np.ndarray, rating_x10: np.ndarray, ts: np.ndarray
) -> pa.Table:
    """A block of ratings (given in tenths of a star) as an Arrow table."""
    # ratings as decimal(4, 1) so that pyarrow writes 4.0 (not 4) without string conversion
    words = np.empty((len(rating_x10), 2), dtype="<i8")
    words[:, 0] = rating_x10
    words[:, 1] = rating_x10 >> 63
    rating = pa.Array.from_buffers(
        pa.decimal128(4, 1), len(rating_x10), [None, pa.py_buffer(words)]
    )
    columns = [_int_array(user, pa.int32()), _int_array(movie_id, pa.int32()), rating]
    columns.append(_int_array(ts, pa.int64()))
    return pa.Table.from_arrays(columns, names=RATINGS_COLUMNS)


def _int_array(values: np.ndarray, type_: pa.DataType) -> pa.Array:
    # zero-copy from the numpy buffer (pa.array would import pandas, seconds without .pyc)
    data = np.ascontiguousarray(values, dtype=type_.to_pandas_dtype())
    return pa.Array.from_buffers(type_, len(data), [None, pa.py_buffer(data)])


def write_header(f: BinaryIO) -> None:
    """The header line of ratings.csv."""
    f.write((",".join(RATINGS_COLUMNS) + "\n").encode())


def write_block(f: BinaryIO, table: pa.Table, raw: list[tuple[int, str]]) -> None:
    """The table's rows, each ``(position, line)`` of ``raw`` in place of the row at position."""
    at = 0
    for p, line in raw:
        if p > at:
            pacsv.write_csv(table.slice(at, p - at), f, _WRITE_OPTIONS)
        f.write(line.encode())
        at = p + 1
    if at < table.num_rows:
        pacsv.write_csv(table.slice(at), f, _WRITE_OPTIONS)
