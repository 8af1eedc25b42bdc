"""Distinct values of a column of strings, exact for every string.

Raw genre values and genre names repeat a lot, so the genre stage works once per distinct value.
Arrow's hash table finds them: pandas' string hash table compares C strings and would merge
values that differ after a NUL character.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["factorize_column", "factorize_python", "is_na"]


def is_na(value: Any) -> bool:
    """True for ``None``, ``pd.NA``, ``pd.NaT`` and a float NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _arrow_strings(raw: pd.Series) -> pa.Array | None:
    """The Arrow string array behind ``raw`` when it is Arrow-backed, else None."""
    dtype = raw.dtype
    if isinstance(dtype, pd.ArrowDtype):
        arrow_backed = pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(
            dtype.pyarrow_dtype
        )
    else:
        arrow_backed = isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    if not arrow_backed:
        return None
    arr = pa.array(raw.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def factorize_python(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for NA) and distinct values through a Python dict (exact, one pass)."""
    index: dict[Any, int] = {}
    codes = np.fromiter(
        (-1 if is_na(v) else index.setdefault(v, len(index)) for v in values),
        dtype=np.int64,
        count=len(values),
    )
    return codes, np.asarray(list(index), dtype=object)


def factorize_column(column: pd.Series) -> tuple[np.ndarray, np.ndarray | pa.Array]:
    """Codes (-1 for NA) and distinct values of a column of strings.

    Distinct values come back as an Arrow string array; a column holding other objects (numbers,
    lone surrogates) goes through a Python dict instead and its distinct values are read as text.
    """
    arrow = _arrow_strings(column)
    if arrow is None:
        values = column.to_numpy(dtype=object)
        try:
            arrow = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowException, UnicodeError, TypeError):  # rare: not only str / NA
            codes, uniques = factorize_python(values)
            text = [u if isinstance(u, str) else str(u) for u in uniques]
            return codes, np.asarray(text, dtype=object)
    encoded = pc.dictionary_encode(arrow)
    codes = pc.fill_null(encoded.indices.cast(pa.int64()), -1).to_numpy(zero_copy_only=False)
    return np.asarray(codes, dtype=np.int64), encoded.dictionary
