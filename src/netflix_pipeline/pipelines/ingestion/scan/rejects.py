"""Step 4 of the structural pass: the rejects file of a raw file, and its counts by kind.

The rejects file has the shape of :data:`...warehouse.schemas.REJECTED_ROWS`. Relations made
here, in this order:

- ``malformed_rejects`` from ``set_aside_lines`` (:mod:`.lines`) and the broken lines of the
  line walk (:mod:`.physical`): the row of each set-aside record or line, with its kind
  (``_KIND``) and the lines it spans (``_LINES``).
- ``value_rejects`` from the rows the landing names: the faulty rows of a file without a key,
  numbered; none for a file with a key, whose faulty rows the warehouse finds with its
  duplicates.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from ....warehouse.schemas import REJECTED_ROWS
from ..contracts import FileContract
from ..limits import Limits
from ..sql import DATE, quote

WRONG_COUNT = "error_type in ('MISSING COLUMNS', 'TOO MANY COLUMNS')"


def _csv_field(line: str | None, index: int) -> str | None:
    if line is None:
        return None
    row = next(csv.reader([line]), [])
    return row[index].strip() if index < len(row) else None


def _shifted_row(contract: FileContract, header: list[str], wrong: str) -> tuple[str, str]:
    """``case`` branches (reason, kind) of a set-aside record whose key holds a date: a broken
    field shifted its columns (Kaggle's malformed rows). Empty for a file without a key."""
    key = contract.key_column
    if key is None:
        return "", ""
    holds = f"csv_field(raw, {header.index(key.source)})"
    shifted = f"{WRONG_COUNT} and regexp_full_match(coalesce({holds}, ''), '{DATE}')"
    reason = (
        f"when {shifted} then 'shifted row: {key.source} holds the date ''' || {holds} "
        f"|| ''' where {key.source} belongs (a broken field shifts the columns); ' || {wrong}"
    )
    return reason, f"when {shifted} then 'shifted row'"


def set_aside_reasons(contract: FileContract, header: list[str], limits: Limits) -> tuple[str, str]:
    """SQL over ``set_aside_lines``: the reason of a set-aside record, and its kind."""
    found = "regexp_extract(error_message, 'Found: ([0-9]+)', 1)"
    wrong = f"'wrong number of columns: expected {len(header)}, found ' || {found}"
    shifted_reason, shifted_kind = _shifted_row(contract, header, wrong)
    kind = f"""
        case {shifted_kind}
            when {WRONG_COUNT} then 'wrong number of columns'
            when error_type = 'UNQUOTED VALUE' then 'malformed quoting'
            when error_type = 'LINE SIZE OVER MAXIMUM' then 'record too long'
            else 'malformed record'
        end
    """
    reason = f"""
        case {shifted_reason}
            when {WRONG_COUNT} then {wrong}
            when error_type = 'UNQUOTED VALUE' and nl > 0
                then 'malformed quoting: a quote opened here is not closed where it should '
                  || 'be, so lines ' || line || '-' || (line + nl) || ' read as one record'
            when error_type = 'UNQUOTED VALUE'
                then 'malformed quoting: a quoted field is not closed properly (a quote '
                  || 'inside a quoted field must be doubled)'
            when error_type = 'LINE SIZE OVER MAXIMUM'
                then 'record too long: more than ingest.limits.max_record_bytes '
                  || '({limits.max_record_bytes:,} bytes)'
            else 'malformed record: ' || error_message
        end
    """
    return reason, kind


def write_rejects(
    con: duckdb.DuckDBPyConnection,
    contract: FileContract,
    header: list[str],
    limits: Limits,
    broken: Path | None,
    value_rows: str,
    target: Path,
) -> None:
    """``malformed_rejects`` (with the ``broken`` lines of the line walk, a Parquet file of
    ``line``, ``reason``, ``raw``, ``kind``), ``value_rejects`` from ``value_rows`` (SQL of the
    same columns), and both to ``target`` in the order of their lines."""
    if contract.key_column is not None:
        con.create_function(
            "csv_field", _csv_field, ["VARCHAR", "INTEGER"], "VARCHAR", null_handling="special"
        )
    reason, kind = set_aside_reasons(contract, header, limits)
    source = quote(contract.path)
    walked = (
        f"union all select {source}, line, reason, raw, 'ingest', kind, 1 "
        f"from read_parquet({quote(str(broken))})"
        if broken is not None
        else ""
    )
    con.execute(
        f"""
        create temp table malformed_rejects as
        select {source} as SOURCE_FILE, line as LINE_NUMBER, {reason} as REASON,
               {limits.clip_sql("raw")} as RAW_LINE, 'ingest' as STAGE, {kind} as _KIND,
               nl + 1 as _LINES
        from set_aside_lines
        {walked}
        """
    )
    con.execute(
        f"""
        create temp table value_rejects as
        select {source} as SOURCE_FILE, line as LINE_NUMBER, reason as REASON,
               raw as RAW_LINE, 'ingest' as STAGE, kind as _KIND
        from ({value_rows})
        """
    )
    columns = ", ".join(REJECTED_ROWS.columns)
    con.execute(
        f"copy (select {columns} from malformed_rejects union all select {columns} "
        f"from value_rejects order by LINE_NUMBER) to {quote(str(target))} (format parquet)"
    )


def reject_counts(
    con: duckdb.DuckDBPyConnection,
) -> tuple[int, int, dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """(set-aside records, the lines they span, their kinds, the kinds of the value rejects);
    a kind maps to (rows, first line)."""
    rejected, lines = con.execute(
        "select count(*), coalesce(sum(_LINES), 0) from malformed_rejects"
    ).fetchone()
    kinds, value_kinds = (
        {
            kind: (int(rows), int(line))
            for kind, rows, line in con.execute(
                f"select _KIND, count(*), min(LINE_NUMBER) from {table} "
                "group by 1 order by 2 desc, 1"
            ).fetchall()
        }
        for table in ("malformed_rejects", "value_rejects")
    )
    return int(rejected), int(lines), kinds, value_kinds
