"""Bulk load of scanned raw files into the warehouse: stage, COPY INTO, check, publish.

Every landed file (:mod:`.scan`) is put at the stage (:mod:`netflix_pipeline.warehouse.stage`).
A file with a key (typed rows, each with its reasons when faulty) is copied into
``RAW_LOAD.<T>__LANDING``, and one statement ranks its keys into the scratch table
``RAW_LOAD.<T>`` (:func:`.sql.keyed_table_sql`), whose faulty rows and duplicates go to
``RAW_LOAD.REJECTED_ROWS``. A file without a key (ratings, tags: the big ones) is landed with
its rows checked by the scan already, and waits at the stage. The scan's rejects
(malformed records, and the faulty rows of a file without a key) are copied into
``RAW_LOAD.REJECTED_ROWS`` from their own file. Nothing passes through Python but counts.

Only when every file is within ``max_reject_rate`` are the ``RAW`` tables and
``RAW.REJECTED_ROWS`` replaced, all together, in one transaction
(:func:`netflix_pipeline.warehouse.tables.replace_tables`): from the scratch tables, and straight
from the stage for the files without a key (their rows without a fault), so the biggest table
is written once, not copied from a scratch table of its own size. A failure at any point
leaves the previous tables as they were, and the same input always gives the same tables.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from ...runs import identity
from ...warehouse import Warehouse
from ...warehouse.schemas import RAW, RAW_LOAD, REJECTED_ROWS
from ...warehouse.stage import (
    StagedFile,
    StageSettings,
    cleanup_stage,
    copy_from_stage,
    create_stage,
    write_stage_file,
)
from ...warehouse.tables import (
    Columns,
    Replacement,
    replace_tables,
    table_columns,
)
from .contracts import FileContract
from .scan import FAULT_COLUMN, ScannedFile
from .sql import keyed_table_sql, landing_ddl, quote, raw_table_columns, raw_table_ddl

logger = logging.getLogger(__name__)

LOAD_REJECTED = f"{RAW_LOAD}.{REJECTED_ROWS.name}"


class RejectRateError(RuntimeError):
    """A file has more faulty rows than the run accepts; nothing was replaced."""


# ---------------------------------------------------------------------------------------------
# reject rate


def reject_rate_error(
    uri: str, rows: int, rejected: int, kinds: dict[str, tuple[int, int]], threshold: float
) -> RejectRateError | None:
    """The error for a file whose share of rejected rows exceeds ``threshold``, else None.

    ``kinds`` maps a reason to (rows, first line). A malformed record counts once per line it
    spans, so that a quote left open cannot hide the rows it swallows.
    """
    total = rows + rejected
    rate = rejected / total if total else 0.0
    if rate <= threshold:
        return None
    top = sorted(kinds.items(), key=lambda kv: (-kv[1][0], kv[0]))[:3]
    reasons = "; ".join(
        f"{kind} ({n:,} row{'s' if n != 1 else ''}, first at line {line})"
        for kind, (n, line) in top
    )
    return RejectRateError(
        f"{uri}: {rate:.1%} of its rows were rejected ({rejected:,} of {total:,}), more than "
        f"ingest.max_reject_rate = {threshold:.1%}. Most common reasons: {reasons}. Nothing was "
        "replaced: the RAW tables and the reports are as they were. Fix the export, or accept "
        "more for one run with --params=ingest.max_reject_rate=<fraction>."
    )


def merge_kinds(*parts: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    merged: dict[str, tuple[int, int]] = {}
    for part in parts:
        for kind, (rows, line) in part.items():
            old_rows, old_line = merged.get(kind, (0, line))
            merged[kind] = (old_rows + rows, min(old_line, line))
    return merged


# ---------------------------------------------------------------------------------------------
# the loader


class RawTableLoader:
    """Loads scanned files into ``RAW_LOAD`` and publishes them to ``RAW`` in one transaction.

    The steps are methods so that a test can make one of them fail (an interrupted load).
    """

    def __init__(
        self,
        warehouse: Warehouse,
        *,
        stage: StageSettings,
        max_reject_rate: float,
        run_id: str | None = None,
    ) -> None:
        if not 0 <= max_reject_rate <= 1:
            raise ValueError(
                f"ingest.max_reject_rate must be a fraction from 0 to 1, not {max_reject_rate!r}"
            )
        self.warehouse = warehouse
        self.stage = stage
        self.max_reject_rate = max_reject_rate
        self.run_id = run_id or identity.current()  # names the run's landing folder
        # the files without a key, by table: copied into RAW when it is replaced
        self.staged: dict[str, StagedFile] = {}

    # -- the whole load

    def load(self, scanned: list[ScannedFile]) -> dict[str, dict]:
        """Load every file; replace the RAW tables together or not at all."""
        try:
            with self.warehouse.cursor() as cur:
                self.prepare(cur)
                report = self.load_files(cur, scanned)
                self.publish(cur, scanned)
                self.drop_scratch(cur, scanned)
        finally:
            cleanup_stage(self.stage, self.run_id)
        return report

    def load_files(self, cur, scanned: list[ScannedFile]) -> dict[str, dict]:
        """Land every file into ``RAW_LOAD`` (or at the stage); the biggest beside the others.

        The biggest file is bulk work (its upload to the stage; its COPY too, when it has a
        key), the others are a few small statements each: on a second connection they run
        meanwhile instead of after it.
        """
        entries: dict[str, dict] = {}

        def land(items: list[ScannedFile], cursor) -> None:
            for item in items:
                entries[item.contract.name] = self.load_file(cursor, item)

        def land_alone(item: ScannedFile) -> None:
            with self.warehouse.cursor() as cursor:
                land([item], cursor)

        present = [item for item in scanned if item.present]
        if len(present) < 2:
            land(scanned, cur)
        else:
            big = max(present, key=lambda item: item.records)
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="load") as pool:
                beside = pool.submit(land_alone, big)
                try:
                    land([item for item in scanned if item is not big], cur)
                finally:
                    wait([beside])
                beside.result()
        return {item.contract.name: entries[item.contract.name] for item in scanned}

    def prepare(self, cur) -> None:
        self.warehouse.ensure_schemas(cur, [RAW, RAW_LOAD])
        create_stage(cur, self.stage)
        cur.execute(f"create or replace transient table {LOAD_REJECTED} ({REJECTED_ROWS.ddl})")

    def stage_file(self, local: Path, name: str) -> str:
        return write_stage_file(self.stage, self.run_id, name, local)

    # -- one file

    def load_file(self, cur, item: ScannedFile) -> dict:
        """Land one file into ``RAW_LOAD``, rank its keys; raise when it rejects too much."""
        started = time.monotonic()
        value_kinds = self.land_file(cur, item)
        value_rejects = sum(rows for rows, _ in value_kinds.values())
        loaded = item.records - value_rejects
        kinds = merge_kinds(item.reject_kinds, value_kinds)
        weight = value_rejects + item.rejected_lines
        seconds = item.seconds + time.monotonic() - started
        entry = file_entry(item, loaded, value_rejects + item.rejected, weight, kinds, seconds)
        error = reject_rate_error(item.uri, loaded, weight, kinds, self.max_reject_rate)
        if error is not None:
            raise error
        return entry

    def land_file(self, cur, item: ScannedFile) -> dict[str, tuple[int, int]]:
        """Land one file and copy its faulty rows into ``REJECTED_ROWS``.

        A file with a key is copied into ``RAW_LOAD.<T>__LANDING`` and ranked into
        ``RAW_LOAD.<T>``; one without waits at the stage, its faulty values among the scan's
        rejects already. Returns the kinds of faulty values among the landed rows: (rows, first
        line) by kind.
        """
        c = item.contract
        if c.key:
            landing = f"{RAW_LOAD}.{c.table}__LANDING"
            cur.execute(f"create or replace transient table {landing} ({landing_ddl(c)})")
            if item.records:
                relative = self.stage_file(item.landed, f"{c.name}.parquet")
                copy_from_stage(cur, landing, self.stage, relative, item.records)
            value_kinds = self.rank_keys(cur, c, landing, f"{RAW_LOAD}.{c.table}")
        else:
            relative = ""
            if item.landed_rows:
                relative = self.stage_file(item.landed, f"{c.name}.parquet")
            self.staged[c.table] = StagedFile(
                self.stage,
                relative,
                item.landed_rows,
                # its faulty rows stay out of RAW; with none, COPY INTO loads it whole
                skip_marked=FAULT_COLUMN if item.value_rejected else None,
                columns=tuple((col.target, col.sql_type) for col in c.columns),
            )
            value_kinds = item.value_kinds
        if item.rejects_rows:
            relative = self.stage_file(item.rejects, f"{c.name}.rejects.parquet")
            copy_from_stage(cur, LOAD_REJECTED, self.stage, relative, item.rejects_rows)
        return value_kinds

    def rank_keys(
        self, cur, contract: FileContract, landing: str, checked: str
    ) -> dict[str, tuple[int, int]]:
        """Keep the first row of each key; set aside the faulty rows and the duplicates."""
        cur.execute(keyed_table_sql(contract, landing, checked))
        cur.execute(f"drop table if exists {landing}")
        cur.execute(
            f"insert into {LOAD_REJECTED} ({', '.join(REJECTED_ROWS.columns)}) "
            f"select {quote(contract.path)}, _LINE_NUMBER, _REASON, _RAW_LINE, 'ingest' "
            f"from {checked} where _REASON is not null"
        )
        counts = cur.execute(
            f"select _REASON_KIND, count(*), min(_LINE_NUMBER) from {checked} "
            "where _REASON_KIND is not null group by 1"
        ).fetchall()
        return {kind: (int(rows), int(line)) for kind, rows, line in counts}

    # -- publishing

    def replacements(self, cur, contracts: list[FileContract]) -> list[Replacement]:
        """Every RAW table, and RAW.REJECTED_ROWS, with the rows that replace its rows: a
        scratch table's, or a staged file's (a file without a key).

        A table whose columns are not its contract's is rebuilt and swapped in (a contract
        change).
        """
        wanted = {
            c.table: (raw_table_columns(c), raw_table_ddl(c), "_REASON is null") for c in contracts
        }
        wanted[REJECTED_ROWS.name] = (list(REJECTED_ROWS.columns), REJECTED_ROWS.ddl, None)
        existing = table_columns(cur, RAW, wanted)
        replacements = []
        for table, (columns, ddl, where) in wanted.items():
            change = _contract_change(existing.get(table), columns)
            if change:
                logger.warning(
                    "%s.%s %s: rebuilt in its new shape and swapped in (a contract change)",
                    RAW,
                    table,
                    change,
                )
            staged = self.staged.get(table)
            replacements.append(
                Replacement(
                    table=f"{RAW}.{table}",
                    source=str(staged) if staged else f"{RAW_LOAD}.{table}",
                    columns=tuple(columns),
                    definition=f"({ddl})",
                    where=None if staged else where,
                    exists=table in existing,
                    shape_change=change,
                    staged=staged,
                )
            )
        # The copies from staged files (the big tables of events) go last: on the emulator a
        # copy fills DuckDB's memory limit, and every insert after it waits for blocks to move
        # out (at large, 45K rows of metadata took 0.9 s after the ratings, 0.04 s before). On
        # Snowflake the order changes nothing.
        return sorted(replacements, key=lambda r: r.staged is not None)

    def publish(self, cur, scanned: list[ScannedFile]) -> None:
        started = time.monotonic()
        contracts = [item.contract for item in scanned]
        replace_tables(
            cur,
            self.replacements(cur, contracts),
            on_shape_change="replace",
            verify=lambda: self.warehouse.verify_run(cur),
        )
        tables = ", ".join(f"{RAW}.{c.table}" for c in contracts)
        logger.info(
            "Replaced %s and %s.%s in one transaction in %.1f s",
            tables,
            RAW,
            REJECTED_ROWS.name,
            time.monotonic() - started,
        )

    def drop_scratch(self, cur, scanned: list[ScannedFile]) -> None:
        for item in scanned:
            if item.contract.key:
                cur.execute(f"drop table if exists {RAW_LOAD}.{item.contract.table}")
        cur.execute(f"drop table if exists {LOAD_REJECTED}")


def _contract_change(existing: Columns | None, columns: list[str]) -> str:
    """How a RAW table's columns differ from its contract's ('' when they match or it is new)."""
    found = [column[0].upper() for column in existing or ()]
    if existing is None or found == [c.upper() for c in columns]:
        return ""
    return f"has the columns {', '.join(found)}, the contract wants {', '.join(columns)}"


def file_entry(
    item: ScannedFile,
    loaded: int,
    rejected: int,
    weight: int,
    kinds: dict[str, tuple[int, int]],
    seconds: float,
) -> dict:
    """One file's entry of the load report, logged when the file was there.

    ``weight`` counts a malformed record once per line it spans (:func:`reject_rate_error`).
    """
    c = item.contract
    rate = weight / (loaded + weight) if loaded + weight else 0.0
    top = sorted(kinds.items(), key=lambda kv: (-kv[1][0], kv[0]))[:3]
    entry = {
        "file": c.path,
        "uri": item.uri,
        "table": f"{RAW}.{c.table}",
        "present": item.present,
        "rows_loaded": loaded,
        "rows_rejected": rejected,
        "reject_rate": round(rate, 6),
        "top_reasons": {kind: rows for kind, (rows, _) in top},
        "seconds": round(seconds, 3),
    }
    if item.present:
        logger.info(
            "%s: %d rows loaded, %d rejected (%.2f%%)%s in %.1f s",
            c.path,
            loaded,
            rejected,
            100 * rate,
            "".join(f"; {kind}: {rows}" for kind, (rows, _) in top),
            entry["seconds"],
        )
    return entry


def load_raw_tables(
    scanned: list[ScannedFile],
    warehouse: Warehouse,
    *,
    stage: StageSettings,
    max_reject_rate: float,
    run_id: str | None = None,
) -> dict[str, dict]:
    """Load every scanned file; replace the RAW tables together or not at all."""
    loader = RawTableLoader(warehouse, stage=stage, max_reject_rate=max_reject_rate, run_id=run_id)
    return loader.load(scanned)
