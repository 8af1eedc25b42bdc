"""Step 3 of the structural pass: the landed Parquet file, which the warehouse loads.

A file with a key is written again from ``kept``, each row with its line
(:attr:`..contracts.FileContract.numbered`): the warehouse keeps the first row of each key in
file order. A file without one is landed as the first step wrote it, ``kept`` pointed at it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..contracts import FileContract
from ..sql import quote
from .lines import LineNumbers
from .records import point_kept_at

FAULTS = "_REASON, _REASON_KIND, _RAW_LINE"
NO_ROWS = "select null::bigint as line, '' as reason, '' as raw, '' as kind limit 0"


def land(
    con: duckdb.DuckDBPyConnection,
    contract: FileContract,
    lines: LineNumbers,
    first: Path,
    target: Path,
) -> str:
    """The landed file ``target`` from ``kept`` (the first step's file ``first``); returns the
    SQL of its rows that belong among the rejects (``line``, ``reason``, ``raw``, ``kind``)."""
    columns = ", ".join(c.target for c in contract.columns)
    if contract.numbered:
        con.execute(
            f"copy ({lines.kept_lines_sql(f'{columns}, {FAULTS}')}) "
            f"to {quote(str(target))} (format parquet)"
        )
        return NO_ROWS  # the warehouse finds them, with the duplicates of the key
    first.replace(target)
    point_kept_at(con, target)
    faulty = lines.kept_lines_sql(FAULTS, "where _REASON is not null")
    return (
        "select _LINE_NUMBER as line, _REASON as reason, _RAW_LINE as raw, "
        f"_REASON_KIND as kind from ({faulty})"
    )
