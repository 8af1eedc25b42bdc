"""Step 3 of the structural pass: the landed Parquet file, which the warehouse loads.

A file with a key is written again from ``kept``, each row with its line
(:attr:`..contracts.FileContract.numbered`): the warehouse keeps the first row of each key in
file order. A file without one is landed as its RAW table's rows: its rows without a fault, in
the table's columns, which the warehouse copies straight into the RAW table (its faulty rows
are among the rejects already). That costs one more pass here, over typed columns, and saves
the warehouse a scratch table as big as the RAW table and the copy of it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..contracts import FileContract
from ..sql import quote
from .lines import LineNumbers

FAULTS = "_REASON, _REASON_KIND, _RAW_LINE"
NO_ROWS = "select null::bigint as line, '' as reason, '' as raw, '' as kind limit 0"


def land(
    con: duckdb.DuckDBPyConnection,
    contract: FileContract,
    lines: LineNumbers,
    target: Path,
) -> str:
    """The landed file ``target`` from ``kept`` (the first step's file); returns the SQL of its
    rows that belong among the rejects (``line``, ``reason``, ``raw``, ``kind``)."""
    columns = ", ".join(c.target for c in contract.columns)
    if contract.numbered:
        con.execute(
            f"copy ({lines.kept_lines_sql(f'{columns}, {FAULTS}')}) "
            f"to {quote(str(target))} (format parquet)"
        )
        return NO_ROWS  # the warehouse finds them, with the duplicates of the key
    con.execute(
        f"copy (select {columns} from kept where _REASON is null) "
        f"to {quote(str(target))} (format parquet, compression snappy)"
    )
    faulty = lines.kept_lines_sql(FAULTS, "where _REASON is not null")
    return (
        "select _LINE_NUMBER as line, _REASON as reason, _RAW_LINE as raw, "
        f"_REASON_KIND as kind from ({faulty})"
    )
