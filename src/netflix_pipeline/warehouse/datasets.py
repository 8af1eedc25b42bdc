"""Catalog dataset types that talk to the warehouse: the warehouse itself and its tables.

Warehouse tables load into pandas
through the connector's Arrow path and save through a stage and ``COPY INTO`` (the connector's
``write_pandas`` does not work on the emulator; this path works on both).
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError

from .connection import Warehouse, get_warehouse

logger = logging.getLogger(__name__)


class WarehouseDataset(AbstractDataset[None, Warehouse]):
    """The run's warehouse (Snowflake, or the local emulator started on first use)."""

    def __init__(self, credentials: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
        self._credentials = dict(credentials or {})
        self.metadata = metadata

    def load(self) -> Warehouse:
        return get_warehouse(self._credentials)

    def save(self, data: None) -> None:
        raise DatasetError("the warehouse dataset is read-only")

    def _describe(self) -> dict[str, Any]:
        return {"emulator": bool(self._credentials.get("emulator", False))}


@dataclass(frozen=True)
class TableWritten:
    """What a node returns for a table it built in the warehouse itself (COPY, SQL, dbt).

    Saving it to a :class:`SnowflakeTableDataset` writes nothing: it checks that the table
    exists and records the lineage, so the catalog and kedro-viz show who produced the table.
    """

    table: str
    rows: int | None = None


class SnowflakeTableDataset(AbstractDataset[pd.DataFrame, pd.DataFrame | TableWritten]):
    """One warehouse table as a pandas DataFrame.

    ``save`` replaces the table as a whole in one transaction: the frame is written to Parquet,
    staged, copied into a new table, then swapped in with a clone, so readers never see a
    half-written table. Column names are upper-cased, as Snowflake folds unquoted names.
    """

    def __init__(
        self,
        table: str,
        credentials: dict[str, Any],
        stage_uri: str = "data/02_intermediate/stage",
        stage_name: str = "RAW_LOAD.LANDING_STAGE",
        columns: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if "." not in table:
            raise DatasetError(f"table {table!r} must be schema-qualified (SCHEMA.TABLE)")
        self._table = table.upper()
        self._columns = [c.upper() for c in columns] if columns else None
        self._credentials = dict(credentials or {})
        self._stage_uri = stage_uri
        self._stage_name = stage_name
        self.metadata = metadata

    @property
    def _warehouse(self) -> Warehouse:
        return get_warehouse(self._credentials)

    def load(self) -> pd.DataFrame:
        columns = ", ".join(self._columns) if self._columns else "*"
        with self._warehouse.cursor() as cur:
            cur.execute(f"select {columns} from {self._table}")
            frame = cur.fetch_pandas_all()
        logger.info("Read %d rows from %s", len(frame), self._table)
        return frame

    def save(self, data: pd.DataFrame | TableWritten) -> None:
        if isinstance(data, TableWritten):
            self._check_written(data)
            return
        self._write(data)

    def _check_written(self, data: TableWritten) -> None:
        if data.table.upper() != self._table:
            raise DatasetError(f"the node built {data.table}, but this dataset is {self._table}")
        schema, name = self._table.split(".", 1)
        with self._warehouse.cursor() as cur:
            found = cur.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = %s and table_name = %s",
                (schema, name),
            ).fetchone()[0]
        if not found:
            raise DatasetError(f"{self._table} was reported built, but it does not exist")

    def _write(self, data: pd.DataFrame) -> None:
        """Stage the frame, then replace the table's rows in one transaction.

        DDL commits an open transaction on Snowflake, so the table is created (or recreated,
        when the frame's columns changed) before the transaction, and replaced with
        ``delete`` + ``insert`` inside it: readers see the old rows or the new ones.
        """
        from ..pipelines.ingestion.load import StageSettings

        started = time.monotonic()
        frame = data.rename(columns=str.upper)
        ddl = _ddl(frame)
        stage = StageSettings(name=self._stage_name, uri=self._stage_uri)
        run_id = f"table-{uuid.uuid4().hex[:12]}"
        with self._warehouse.connection() as conn:
            self._replace(conn.cursor(), frame, stage, run_id, ddl)
        logger.info(
            "Wrote %d rows to %s in %.1f s", len(frame), self._table, time.monotonic() - started
        )

    def _replace(self, cur, frame: pd.DataFrame, stage, run_id: str, ddl: str) -> None:
        """The steps of :meth:`_write`, on one cursor."""
        from ..pipelines.ingestion.load import (
            cleanup_stage,
            copy_from_stage,
            stage_url,
            write_stage_file,
        )

        schema, name = self._table.split(".", 1)
        new = f"{schema}.{name}__NEW"
        columns = ", ".join(frame.columns)
        try:
            schemas = {
                r[0].upper()
                for r in cur.execute(
                    "select schema_name from information_schema.schemata"
                ).fetchall()
            }
            if schema not in schemas:
                cur.execute(f"create schema if not exists {schema}")
            if "://" not in self._stage_uri:
                cur.execute(
                    f"create stage if not exists {self._stage_name} url = '{stage_url(stage)}'"
                )
            with tempfile.TemporaryDirectory() as tmp:
                local = Path(tmp) / f"{name.lower()}.parquet"
                frame.to_parquet(local, index=False)
                relative = write_stage_file(stage, run_id, local.name, local)
            cur.execute(f"create or replace table {new} ({ddl})")
            copy_from_stage(cur, new, stage, relative, len(frame))
            existing = [
                r[0].upper()
                for r in cur.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, name),
                ).fetchall()
            ]
            if existing != list(frame.columns):
                cur.execute(f"create or replace table {self._table} ({ddl})")
            cur.execute("begin")
            try:
                cur.execute(f"delete from {self._table}")
                cur.execute(f"insert into {self._table} ({columns}) select {columns} from {new}")
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise
            cur.execute(f"drop table if exists {new}")
        finally:
            cleanup_stage(stage, run_id)

    def _describe(self) -> dict[str, Any]:
        return {"table": self._table, "columns": self._columns}


def _ddl(frame: pd.DataFrame) -> str:
    def sql_type(dtype) -> str:
        if pd.api.types.is_bool_dtype(dtype):
            return "boolean"
        if pd.api.types.is_integer_dtype(dtype):
            return "bigint"
        if pd.api.types.is_float_dtype(dtype):
            return "double"
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return "timestamp_ntz"
        return "varchar"

    return ", ".join(f"{col} {sql_type(dtype)}" for col, dtype in frame.dtypes.items())
