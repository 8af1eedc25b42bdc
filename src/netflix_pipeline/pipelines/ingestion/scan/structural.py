"""The structural pass over one raw file: one DuckDB session, its steps in their order."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from ..contracts import FileContract
from ..limits import Limits
from ..source import FileShape, RawFileError, RawSource, as_source
from .landing import land
from .lines import LineNumbers
from .physical import map_lines
from .records import read_records
from .rejects import reject_counts, write_rejects
from .scanned import ScannedFile


def connect(out_dir: Path, duckdb_config: dict | None, limits: Limits) -> duckdb.DuckDBPyConnection:
    """A DuckDB session that spills to ``out_dir`` and keeps the order rows are inserted in.

    The SQL of a file nests an expression per column (the record's text, its newlines), so
    the nesting allowed follows ``limits.max_columns``."""
    tmp = out_dir / "duckdb_tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    config = {
        "temp_directory": str(tmp),
        "preserve_insertion_order": True,
        "max_expression_depth": max(1000, 4 * limits.max_columns + 100),
    }
    config.update({k: v for k, v in (duckdb_config or {}).items() if v is not None})
    return duckdb.connect(config=config)


class StructuralPass:
    """One DuckDB session over one file: read, number, land, write the rejects (:meth:`run`)."""

    def __init__(
        self,
        local: Path | RawSource,
        contract: FileContract,
        uri: str,
        shape: FileShape,
        out_dir: Path,
        duckdb_config: dict | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.source = as_source(local, uri)
        self.contract, self.uri, self.shape = contract, uri, shape
        self.limits = limits or Limits()
        self.out_dir = out_dir
        self.first = out_dir / f"{contract.name}.records.parquet"
        # a file without a key lands as the first step writes it (see .landing)
        self.landed = out_dir / f"{contract.name}.parquet" if contract.numbered else self.first
        self.rejects = out_dir / f"{contract.name}.rejects.parquet"
        self.con = connect(out_dir, duckdb_config, self.limits)

    def run(self) -> ScannedFile:
        """The steps in their order, each making its relations from those before it."""
        started = time.monotonic()
        found = None
        try:
            found = map_lines(
                self.source, self.shape, self.limits, self.out_dir, self.contract.name
            )
            records = read_records(
                self.con, found.source, self.contract, self.shape, self.limits, self.uri, self.first
            )
            lines = LineNumbers(self.con, records, self.shape.lines, self.uri)
            lines.number(found)
            value_rows = land(self.con, self.contract, lines, self.landed)
            write_rejects(
                self.con,
                self.contract,
                self.shape.header,
                self.limits,
                found.broken,
                value_rows,
                self.rejects,
            )
            return self._result(records, time.monotonic() - started)
        except duckdb.Error as exc:
            raise RawFileError(
                f"{self.uri}: the CSV reader failed ({str(exc).splitlines()[0]}). Nothing was "
                "loaded; the RAW tables are as they were."
            ) from exc
        finally:
            self.con.close()
            if self.landed != self.first:
                self.first.unlink(missing_ok=True)
            if found is not None:
                found.remove_scratch(self.source)

    def _result(self, records: int, seconds: float) -> ScannedFile:
        rejected, lines, kinds, value_kinds = reject_counts(self.con)
        return ScannedFile(
            contract=self.contract,
            uri=self.uri,
            landed=self.landed,
            rejects=self.rejects,
            records=int(records),
            rejected=rejected,
            rejected_lines=lines,
            reject_kinds=kinds,
            value_kinds=value_kinds,
            seconds=seconds,
        )


def structural_pass(
    local: Path | RawSource,
    contract: FileContract,
    uri: str,
    shape: FileShape,
    out_dir: Path,
    duckdb_config: dict | None = None,
    limits: Limits | None = None,
) -> ScannedFile:
    """Parse one file (a local path, or a :class:`..source.RawSource` read where it lies), set
    aside malformed records, land the rest typed (numbered when the file has a key)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return StructuralPass(local, contract, uri, shape, out_dir, duckdb_config, limits).run()
