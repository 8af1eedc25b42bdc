"""Step 3 of the structural pass: the landed Parquet file, which the warehouse loads.

A file with a key is written again from ``kept``, each row with its line
(:attr:`..contracts.FileContract.numbered`): the warehouse keeps the first row of each key in
file order. A file without one lands as the first step wrote it: every kept record, typed,
``_REASON`` null where it has no fault. The warehouse loads its rows without a fault straight
into the RAW table (its faulty rows are among the rejects already): no scratch table as big as
the RAW table, and no second pass here to write those rows again.
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
    """The landed file ``target`` of a file with a key, from ``kept`` (the first step's file,
    itself the landed file of one without); returns the SQL of the rows that belong among the
    rejects (``line``, ``reason``, ``raw``, ``kind``)."""
    if contract.numbered:
        columns = ", ".join(c.target for c in contract.columns)
        con.execute(
            f"copy ({lines.kept_lines_sql(f'{columns}, {FAULTS}')}) "
            f"to {quote(str(target))} (format parquet)"
        )
        return NO_ROWS  # the warehouse finds them, with the duplicates of the key
    faulty = lines.kept_lines_sql(FAULTS, "where _REASON is not null")
    return (
        "select _LINE_NUMBER as line, _REASON as reason, _RAW_LINE as raw, "
        f"_REASON_KIND as kind from ({faulty})"
    )
