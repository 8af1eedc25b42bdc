"""Step 1 of the structural pass: the one read of a raw file, its records typed and checked.

DuckDB's CSV reader (multi-threaded, streaming, memory bounded by ``memory_limit``) parses the
quoting, byte-order mark and CRLF line ends, and sets aside every record with the wrong number of
columns or broken quoting. The records it keeps are typed and checked against the contract as
they stream by (:func:`..sql.value_checks`: each faulty row keeps its reasons and its text) and
written in file order to a Parquet file; a record's position there numbers its line
(:mod:`.lines`).

Relations made here, in this order:

- ``set_aside`` (table, from DuckDB's ``reject_errors``): one row per record the reader set
  aside: its logical line ``s`` (DuckDB's numbering), ``error_type``, ``error_message`` and its
  text ``raw``.
- ``kept`` (view over the Parquet file): the kept records, ``k`` being a record's position
  among them, with their typed values, their faults (``_FAULT``, :data:`FAULT`), the text of
  every record of a file with a key (``_RAW_LINE``) and the newlines their fields hold
  (``_NL``, 0 throughout a file without quotes).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ..contracts import FileContract
from ..limits import Limits
from ..source import FileShape, RawFileError, RawSource
from ..sql import csv_record, quote, value_checks

# The faults of a faulty record, in one column that is null for the others: reason, kind and
# text (clipped). One list column instead of three mostly empty ones took a seventh off the CPU
# of writing a 32M-row file (README 'Performance').
FAULT_COLUMN = "_FAULT"
FAULT = {name: f"{FAULT_COLUMN}[{i}]" for i, name in enumerate(("reason", "kind", "raw"), 1)}

SET_ASIDE = r"""
    select line::bigint as s, error_type::varchar as error_type, error_message,
           regexp_replace(regexp_replace(csv_line, '^[\r\n]+', ''), '[\r\n]+$', '') as raw
    from reject_errors
    qualify row_number() over (partition by line order by byte_position) = 1
"""


def newlines(expr: str) -> str:
    """SQL: the newlines in the text ``expr`` (0 when it is null)."""
    return f"coalesce(length({expr}) - length(replace({expr}, chr(10), '')), 0)"


def reader_sql(location: str, width: int, limits: Limits) -> str:
    """DuckDB's reader of the file: ``width`` text columns named by position (c0, c1, …), so
    headers need no quoting; the records it sets aside go to ``reject_errors``. Its line limit
    only backs up the line walk (:mod:`.physical`), which sets aside longer lines first."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    return (
        f"read_csv({quote(location)}, header = true, auto_detect = false, "
        f"columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"', "
        f"store_rejects = true, max_line_size = {limits.max_record_bytes + 2})"
    )


def first_pass_sql(
    location: str, contract: FileContract, shape: FileShape, limits: Limits, target: Path
) -> str:
    """The copy that writes the kept records of the file to ``target``: typed values, the faults
    of each row (:data:`FAULT`), and what the line numbering needs: the newlines the fields
    hold, when the file has quotes (none can hold one otherwise)."""
    fields = [f"c{i}" for i in range(len(shape.header))]
    checks = value_checks(
        contract, {c.target: f"c{shape.header.index(c.source)}" for c in contract.columns}
    )
    record = limits.clip_sql(csv_record(fields))
    # The text of every row of a file with a key, whose duplicates only the warehouse finds.
    raw = f", cast({record} as varchar) as _RAW_LINE" if contract.key else ""
    held = " + ".join(newlines(f) for f in fields)
    nl = f", ({held})::integer as _NL" if shape.quoted else ""
    # Whether a row is faulty is decided once (_BAD): each expression that repeated the checks
    # cost DuckDB a second or two of CPU on a 32M-row file. Snappy (DuckDB's default, also for
    # the landed files): several times faster to write than zstd here, read by every warehouse.
    return f"""
        copy (
            select {", ".join(c.target for c in contract.columns)},
                   case when _BAD then [
                       cast({checks.reason} as varchar), cast({checks.kind} as varchar), {record}
                   ] end as {FAULT_COLUMN}{raw}{nl}
            from (
                select *, {checks.any_bad} as _BAD
                from (select {", ".join(fields)}, {", ".join(checks.typed)}
                      from {reader_sql(location, len(fields), limits)})
            )
        ) to {quote(str(target))} (format parquet, compression snappy)
    """


def copy_in_file_order(
    con: duckdb.DuckDBPyConnection, copy: str, uri: str, contract: FileContract
) -> None:
    """Run a ``copy … to`` whose rows must stay in file order (their positions number the
    lines). On several threads DuckDB keeps the order only in a plan it can write batch by
    batch; any other plan (an expression planned as a join, say) would number lines wrongly,
    so it is refused rather than run. One thread reads and writes in order whatever the plan."""
    plan = "".join(row[1] for row in con.execute(f"explain {copy}").fetchall())
    threads = int(con.execute("select current_setting('threads')").fetchone()[0])
    if threads > 1 and "BATCHCOPYTOFILE" not in re.sub(r"[\s_]", "", plan).upper():
        raise RuntimeError(
            f"{uri}: DuckDB would not keep the records in file order for this contract "
            f"({contract.name}), so the line numbers would be wrong; its plan was:\n{plan}"
        )
    con.execute(copy)


def point_kept_at(con: duckdb.DuckDBPyConnection, parquet: Path, quoted: bool) -> None:
    """The view ``kept`` over a Parquet file of kept records, each with its position ``k`` (and
    ``_NL`` 0 when the file has no quotes)."""
    none_held = "" if quoted else ", 0 as _NL"
    con.execute(
        f"create or replace temp view kept as select file_row_number as k, *{none_held} "
        f"from read_parquet({quote(str(parquet))}, file_row_number = true)"
    )


def read_records(
    con: duckdb.DuckDBPyConnection,
    source: RawSource,
    contract: FileContract,
    shape: FileShape,
    limits: Limits,
    uri: str,
    target: Path,
) -> int:
    """``set_aside`` and ``kept`` (written to ``target``) from ``source`` (the raw file or its
    cleaned copy); the records kept."""
    location = source.duckdb_path(con)
    copy_in_file_order(
        con, first_pass_sql(location, contract, shape, limits, target), uri, contract
    )
    con.execute(f"create temp table set_aside as {SET_ASIDE}")
    line, count = con.execute(
        "select min(s), count(*) from set_aside where error_type = 'INVALID ENCODING'"
    ).fetchone()
    if count:
        raise RawFileError(f"{uri}: line {line} is not valid UTF-8; expected a UTF-8 CSV file.")
    point_kept_at(con, target, shape.quoted)
    return con.execute("select count(*) from kept").fetchone()[0]
