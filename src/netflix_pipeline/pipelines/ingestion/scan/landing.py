"""Step 3 of the structural pass: the landed Parquet file, which the warehouse loads.

A file with a key is written again from ``kept``, each row with its line
(:attr:`..contracts.FileContract.numbered`) and its faults as :func:`..sql.landing_ddl` names
them: the warehouse keeps the first row of each key in file order. A file without one lands as
the first step wrote it: every kept record, typed, ``_FAULT`` null where it has no fault
(:data:`.records.FAULT`). The warehouse loads its rows without a fault straight into the RAW
table (its faulty rows are among the rejects already): no scratch table as big as the RAW
table, and no second pass here to write those rows again.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..contracts import FileContract
from ..sql import quote
from .lines import LineNumbers
from .records import FAULT, FAULT_COLUMN

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
        faults = f"{FAULT['reason']} as _REASON, {FAULT['kind']} as _REASON_KIND, _RAW_LINE"
        con.execute(
            f"copy ({lines.kept_lines_sql(f'{columns}, {faults}')}) "
            f"to {quote(str(target))} (format parquet)"
        )
        return NO_ROWS  # the warehouse finds them, with the duplicates of the key
    faulty = lines.kept_lines_sql(
        ", ".join(f"{expr} as {name}" for name, expr in FAULT.items()),
        f"where {FAULT_COLUMN} is not null",
    )
    return f"select _LINE_NUMBER as line, reason, raw, kind from ({faulty})"
