"""File-level checks and the structural pass over one raw CSV file.

Everything here happens before the warehouse is touched: a file that is missing, empty, not
UTF-8 or lacks a required column stops the run while the previous tables are still intact.

The structural pass uses DuckDB's CSV reader (multi-threaded, streaming, bounded memory): it
parses quoting, byte-order marks and CRLF line ends, and sets aside records with the wrong number
of columns together with their line numbers. What it keeps is written, as text, to a Parquet file
with the physical line number of every record; the warehouse casts and checks the values (see
:mod:`netflix_pipeline.ingest.load`).
"""

from __future__ import annotations

import csv
import io
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import fsspec
import pandas as pd

from .contracts import FileContract

logger = logging.getLogger(__name__)

REJECT_COLUMNS = ["source_file", "line_number", "reason", "raw_line"]


class RawFileError(RuntimeError):
    """A whole raw file is unusable; nothing was loaded."""


@dataclass
class ScannedFile:
    """A raw file that passed the file-level checks, landed as text with line numbers."""

    contract: FileContract
    uri: str
    parquet_path: Path | None  # None for an absent optional file
    records: int = 0
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    seconds: float = 0.0

    @property
    def present(self) -> bool:
        return self.parquet_path is not None


def join_uri(base: str, relative: str) -> str:
    return f"{str(base).rstrip('/')}/{relative}"


def _open_fs(uri: str, storage_options: dict | None):
    try:
        fs, path = fsspec.core.url_to_fs(uri, **(storage_options or {}))
    except Exception as exc:
        raise RawFileError(f"{uri}: cannot open the raw location: {exc}") from exc
    return fs, path


def _exists(fs, path: str, uri: str) -> bool:
    try:
        return fs.exists(path)
    except PermissionError as exc:
        raise RawFileError(
            f"{uri}: access denied ({exc}). Check the credentials or the pod's role for this bucket."
        ) from exc
    except Exception as exc:  # botocore / aiohttp errors for an unreachable endpoint
        raise RawFileError(
            f"{uri}: the storage is unreachable ({type(exc).__name__}: {exc}). "
            "Check raw_uri, the endpoint and the network."
        ) from exc


def localize(uri: str, workdir: Path, storage_options: dict | None = None) -> Path | None:
    """A local path holding the file's bytes; remote files are fetched into ``workdir``.

    Returns None when the file does not exist (the caller decides whether that is fatal).
    """
    fs, path = _open_fs(uri, storage_options)
    if not _exists(fs, path, uri):
        return None
    if "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)):
        return Path(path)
    target = workdir / "downloads" / Path(path).name
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        fs.get(path, str(target))
    except PermissionError as exc:
        raise RawFileError(f"{uri}: access denied while downloading ({exc}).") from exc
    except Exception as exc:
        raise RawFileError(f"{uri}: download failed ({type(exc).__name__}: {exc}).") from exc
    logger.info(
        "Fetched %s (%.1f MB) in %.1f s", uri, target.stat().st_size / 1e6, time.monotonic() - started
    )
    return target


def read_header(local: Path, uri: str) -> list[str]:
    """The header's column names; raises on an empty or undecodable file."""
    if local.stat().st_size == 0:
        raise RawFileError(f"{uri}: the file is empty; expected a CSV header and data rows.")
    with local.open("rb") as fh:
        head = fh.read(64 * 1024)
    first = head.split(b"\n", 1)[0]
    try:
        text = first.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise RawFileError(
            f"{uri}: line 1 is not valid UTF-8 ({exc.reason} at byte {exc.start}); "
            "re-export the file as UTF-8."
        ) from exc
    return [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]


def check_columns(header: list[str], contract: FileContract, uri: str) -> None:
    missing = [c for c in contract.required_columns if c not in header]
    if missing:
        raise RawFileError(
            f"{uri}: missing required column(s) {', '.join(missing)}; the header has "
            f"{', '.join(header) or 'no columns'}. Expected at least: {', '.join(contract.required_columns)}."
        )


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def structural_pass(local: Path, contract: FileContract, uri: str, out: Path) -> ScannedFile:
    """Parse the CSV, set aside malformed records and land the rest as text with line numbers."""
    started = time.monotonic()
    out.parent.mkdir(parents=True, exist_ok=True)
    first_pass = out.with_suffix(".records.parquet")
    con = duckdb.connect()
    try:
        con.execute("set preserve_insertion_order = true")
        renamed = ", ".join(f'"{c.source}" as {c.target}' for c in contract.columns)
        cols = ", ".join(c.target for c in contract.columns)
        reader = (
            f"read_csv({_sql_str(str(local))}, header = true, all_varchar = true, delim = ',', "
            "quote = '\"', escape = '\"', store_rejects = true, max_line_size = 10000000)"
        )
        newline_count = " + ".join(
            f"coalesce(length({c.target}) - length(replace({c.target}, chr(10), '')), 0)"
            for c in contract.columns
        )
        con.execute(
            f"copy (select *, ({newline_count})::bigint as _nl from (select {renamed} from {reader})) "
            f"to {_sql_str(str(first_pass))} (format parquet)"
        )
        errors = con.execute(
            "select line, error_type, error_message, csv_line from reject_errors order by line"
        ).fetchall()
        encoding = [e for e in errors if "ENCODING" in str(e[1]).upper()]
        if encoding:
            raise RawFileError(
                f"{uri}: line {encoding[0][0]} is not valid UTF-8; re-export the file as UTF-8 "
                f"({len(encoding)} line(s) affected)."
            )
        # Physical line of each kept record: the header is line 1; records move down by the
        # newlines inside earlier quoted fields and by the rejected records before them.
        # A rejected record at line L_i (the i-th, from 0) sits before compacted position
        # L_i - i, which never decreases: an as-of join counts the rejects before each record.
        con.execute("create temp table rejected_lines (pos bigint, before bigint)")
        if errors:
            before = {int(e[0]) - i: i + 1 for i, e in enumerate(errors)}  # last one per pos wins
            con.executemany("insert into rejected_lines values (?, ?)", list(before.items()))
        con.execute(
            f"""
            copy (
              with records as (
                select file_row_number as k, * exclude (file_row_number)
                from read_parquet({_sql_str(str(first_pass))}, file_row_number = true)
              ),
              based as (
                select *, 2 + k + coalesce(sum(_nl) over (
                  order by k rows between unbounded preceding and 1 preceding), 0) as _base
                from records
              )
              select _base + coalesce(r.before, 0) as _line_number, {cols}
              from based asof left join rejected_lines r on based._base >= r.pos
              order by k
            ) to {_sql_str(str(out))} (format parquet)
            """
        )
        records = con.execute(f"select count(*) from read_parquet({_sql_str(str(out))})").fetchone()[0]
    except duckdb.Error as exc:
        raise RawFileError(f"{uri}: the CSV cannot be parsed ({exc}).") from exc
    finally:
        con.close()
        first_pass.unlink(missing_ok=True)
    rejects = pd.DataFrame(
        {
            "source_file": contract.path,
            "line_number": [int(e[0]) for e in errors],
            "reason": [f"malformed row: {e[2]}" for e in errors],
            "raw_line": [str(e[3]).strip("\r\n") for e in errors],
        },
        columns=REJECT_COLUMNS,
    )
    return ScannedFile(
        contract=contract,
        uri=uri,
        parquet_path=out,
        records=int(records),
        rejects=rejects,
        seconds=time.monotonic() - started,
    )
