"""Bulk load of scanned raw files into the warehouse: stage, COPY INTO, check, publish.

Each landed file (typed rows, each with its reasons when faulty: :mod:`.scan`) goes to the scratch
table ``RAW_LOAD.<T>`` with one ``COPY INTO`` from a stage (a ``file://`` folder on the emulator,
an S3 prefix behind an external stage in production: the same SQL). A file with a key lands in
``RAW_LOAD.<T>__LANDING`` first, and one statement ranks its keys into ``RAW_LOAD.<T>``
(:func:`.sql.keyed_table_sql`), whose faulty rows and duplicates go to
``RAW_LOAD.REJECTED_ROWS``; the scan's rejects (malformed records, and the faulty rows of a file
without a key) are copied there from their own file. Nothing passes through Python but counts.

Only when every file is within ``max_reject_rate`` are the ``RAW`` tables and
``RAW.REJECTED_ROWS`` replaced, all together, by DML inside one transaction (``delete`` +
``insert … select``). DML, not ``create or replace … clone``: Snowflake commits a DDL statement on
its own, whatever transaction is open, so only DML makes the multi-table swap all or nothing there.
A failure at any point leaves the previous tables as they were, and the same input always gives the
same tables.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, fields
from pathlib import Path

import fsspec

from ...warehouse import Warehouse
from .contracts import FileContract
from .scan import ScannedFile
from .source import is_remote
from .sql import (
    REJECTED_COLUMNS,
    REJECTED_DDL,
    keyed_table_sql,
    landing_ddl,
    quote,
    raw_table_columns,
    raw_table_ddl,
)

logger = logging.getLogger(__name__)

RAW_SCHEMA = "RAW"
LOAD_SCHEMA = "RAW_LOAD"
REJECTED_TABLE = "REJECTED_ROWS"


class RejectRateError(RuntimeError):
    """A file has more faulty rows than the run accepts; nothing was replaced."""


class LoadError(RuntimeError):
    """The warehouse did not load what was staged; nothing was replaced."""


# ---------------------------------------------------------------------------------------------
# the stage (also used by SnowflakeTableDataset)


@dataclass(frozen=True)
class StageSettings:
    """Where landed files are written and the warehouse stage that reads them.

    ``uri`` is a local folder (an external stage on ``file://`` is created for it when ``create``
    is true: the emulator reads it) or an ``s3://`` prefix behind an existing external stage
    (production, see ``dbt/setup/snowflake_setup.sql``).
    """

    name: str = f"{LOAD_SCHEMA}.LANDING_STAGE"
    uri: str = "data/02_intermediate/stage"
    create: bool = True

    @classmethod
    def from_params(cls, params: dict) -> StageSettings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in dict(params).items() if k in known}
        if isinstance(values.get("create"), str):
            values["create"] = values["create"].strip().lower() in ("1", "true", "yes")
        return cls(**values)


def stage_url(stage: StageSettings) -> str:
    if "://" in stage.uri:
        return stage.uri.rstrip("/") + "/"
    return Path(stage.uri).resolve().as_uri() + "/"


def write_stage_file(stage: StageSettings, run_id: str, name: str, local: Path) -> str:
    """Put a local file at the stage location; returns its path relative to the stage.

    A stage on the local disk gets a hard link (no copy of a file of hundreds of megabytes)
    where the file system allows one; S3 gets an upload.
    """
    relative = f"{run_id}/{name}"
    fs, path = fsspec.core.url_to_fs(f"{stage.uri.rstrip('/')}/{relative}")
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    if is_remote(fs):
        fs.put_file(str(local), path)
        return relative
    try:
        os.link(local, path)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(local, path)
    return relative


def cleanup_stage(stage: StageSettings, run_id: str) -> None:
    fs, path = fsspec.core.url_to_fs(f"{stage.uri.rstrip('/')}/{run_id}")
    if fs.exists(path):
        fs.rm(path, recursive=True)


def copy_from_stage(
    cur, table: str, stage: StageSettings, relative: str, expected_rows: int | None
) -> int:
    """``COPY INTO`` one staged Parquet file; checks that every row arrived."""
    folder, name = relative.rsplit("/", 1)
    result = cur.execute(
        f"copy into {table} from @{stage.name}/{folder}/ files = ({quote(name)}) "
        "file_format = (type = parquet) match_by_column_name = case_insensitive force = true"
    ).fetchall()
    loaded = sum(int(row[3] or 0) for row in result if len(row) > 3)
    statuses = {str(row[1]).upper() for row in result if len(row) > 1}
    if (expected_rows is not None and loaded != expected_rows) or statuses - {"LOADED"}:
        raise LoadError(
            f"COPY INTO {table} from @{stage.name}/{relative} loaded {loaded} rows, expected "
            f"{expected_rows}: {result}. Nothing was replaced."
        )
    return loaded


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
        self.run_id = run_id or f"run-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"

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
        """Land every file into ``RAW_LOAD``; the biggest beside the others.

        The biggest file's COPY is bulk work for the warehouse, the others are a few small
        statements each: on a second connection they run meanwhile instead of after it.
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
        database = self.warehouse.database
        existing = {
            row[0].upper()
            for row in cur.execute(
                f"select schema_name from {database}.information_schema.schemata"
            ).fetchall()
        }
        for schema in (RAW_SCHEMA, LOAD_SCHEMA):
            if schema not in existing:
                cur.execute(f"create schema if not exists {schema}")
        if self.stage.create:
            cur.execute(
                f"create or replace stage {self.stage.name} url = {quote(stage_url(self.stage))}"
            )
        cur.execute(f"create or replace table {LOAD_SCHEMA}.{REJECTED_TABLE} ({REJECTED_DDL})")

    def stage_file(self, local: Path, name: str) -> str:
        return write_stage_file(self.stage, self.run_id, name, local)

    # -- one file

    def load_file(self, cur, item: ScannedFile) -> dict:
        """Land one file into ``RAW_LOAD``, rank its keys; raise when it rejects too much."""
        c = item.contract
        started = time.monotonic()
        checked = f"{LOAD_SCHEMA}.{c.table}"
        # A file without a key is checked as it lands; one with a key lands beside and has
        # its duplicates found in a second table.
        landing = f"{checked}__LANDING" if c.key else checked
        cur.execute(f"create or replace table {landing} ({landing_ddl(c)})")
        if item.records:
            relative = self.stage_file(item.landed, f"{c.name}.parquet")
            copy_from_stage(cur, landing, self.stage, relative, item.records)
        if c.key:
            cur.execute(keyed_table_sql(c, landing, checked))
            cur.execute(f"drop table if exists {landing}")
            # the faulty rows and the duplicates, found here
            cur.execute(
                f"insert into {LOAD_SCHEMA}.{REJECTED_TABLE} ({', '.join(REJECTED_COLUMNS)}) "
                f"select {quote(c.path)}, _LINE_NUMBER, _REASON, _RAW_LINE, 'ingest' "
                f"from {checked} where _REASON is not null"
            )
            counts = cur.execute(
                f"select _REASON_KIND, count(*), min(_LINE_NUMBER) from {checked} "
                "where _REASON_KIND is not null group by 1"
            ).fetchall()
            value_kinds = {kind: (int(rows), int(line)) for kind, rows, line in counts}
        else:
            value_kinds = item.value_kinds  # already among the scan's rejects, with their lines
        if item.rejects_rows:
            relative = self.stage_file(item.rejects, f"{c.name}.rejects.parquet")
            copy_from_stage(
                cur, f"{LOAD_SCHEMA}.{REJECTED_TABLE}", self.stage, relative, item.rejects_rows
            )
        loaded = item.records - sum(rows for rows, _ in value_kinds.values())
        kinds = merge_kinds(item.reject_kinds, value_kinds)
        value_rejects = sum(rows for rows, _ in value_kinds.values())
        rejected = value_rejects + item.rejected
        weight = value_rejects + item.rejected_lines
        rate = weight / (loaded + weight) if loaded + weight else 0.0
        top = sorted(kinds.items(), key=lambda kv: (-kv[1][0], kv[0]))[:3]
        entry = {
            "file": c.path,
            "uri": item.uri,
            "table": f"{RAW_SCHEMA}.{c.table}",
            "present": item.present,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "reject_rate": round(rate, 6),
            "top_reasons": {kind: rows for kind, (rows, _) in top},
            "seconds": round(item.seconds + time.monotonic() - started, 3),
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
        error = reject_rate_error(item.uri, loaded, weight, kinds, self.max_reject_rate)
        if error is not None:
            raise error
        return entry

    # -- publishing

    def ensure_raw_tables(self, cur, contracts: list[FileContract]) -> None:
        """RAW tables in the shape of their contract, before the transaction (DDL commits)."""
        wanted = {c.table: (raw_table_ddl(c), raw_table_columns(c)) for c in contracts}
        wanted[REJECTED_TABLE] = (REJECTED_DDL, list(REJECTED_COLUMNS))
        existing: dict[str, list[str]] = {}
        for table, column in cur.execute(
            f"select table_name, column_name from {self.warehouse.database}.information_schema."
            f"columns where table_schema = '{RAW_SCHEMA}' order by table_name, ordinal_position"
        ).fetchall():
            existing.setdefault(table.upper(), []).append(column.upper())
        for table, (ddl, columns) in wanted.items():
            found = existing.get(table, [])
            if found == [c.upper() for c in columns]:
                continue
            if found:
                logger.warning(
                    "%s.%s has the columns %s, the contract wants %s: the table is recreated "
                    "empty before the load (a contract change)",
                    RAW_SCHEMA,
                    table,
                    ", ".join(found),
                    ", ".join(columns),
                )
            cur.execute(f"create or replace table {RAW_SCHEMA}.{table} ({ddl})")

    def publish_statements(self, scanned: list[ScannedFile]) -> list[str]:
        """The DML that replaces every RAW table's rows (run inside one transaction)."""
        statements = []
        for item in scanned:
            t = item.contract.table
            columns = ", ".join(raw_table_columns(item.contract))
            statements += [
                f"delete from {RAW_SCHEMA}.{t}",
                f"insert into {RAW_SCHEMA}.{t} ({columns}) "
                f"select {columns} from {LOAD_SCHEMA}.{t} where _REASON is null",
            ]
        columns = ", ".join(REJECTED_COLUMNS)
        statements += [
            f"delete from {RAW_SCHEMA}.{REJECTED_TABLE}",
            f"insert into {RAW_SCHEMA}.{REJECTED_TABLE} ({columns}) select {columns} "
            f"from {LOAD_SCHEMA}.{REJECTED_TABLE}",
        ]
        return statements

    def publish(self, cur, scanned: list[ScannedFile]) -> None:
        started = time.monotonic()
        self.ensure_raw_tables(cur, [item.contract for item in scanned])
        cur.execute("begin")
        try:
            for statement in self.publish_statements(scanned):
                cur.execute(statement)
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
        tables = ", ".join(f"{RAW_SCHEMA}.{item.contract.table}" for item in scanned)
        logger.info(
            "Replaced %s and %s.%s in one transaction in %.1f s",
            tables,
            RAW_SCHEMA,
            REJECTED_TABLE,
            time.monotonic() - started,
        )

    def drop_scratch(self, cur, scanned: list[ScannedFile]) -> None:
        for item in scanned:
            cur.execute(f"drop table if exists {LOAD_SCHEMA}.{item.contract.table}")
        cur.execute(f"drop table if exists {LOAD_SCHEMA}.{REJECTED_TABLE}")


def load_raw_tables(
    scanned: list[ScannedFile],
    warehouse: Warehouse,
    *,
    stage: StageSettings,
    max_reject_rate: float,
) -> dict[str, dict]:
    """Load every scanned file; replace the RAW tables together or not at all."""
    return RawTableLoader(warehouse, stage=stage, max_reject_rate=max_reject_rate).load(scanned)
