"""Catalog dataset types that talk to the warehouse: the warehouse itself and its tables.

Warehouse tables load into pandas through the connector's Arrow path and save through a stage
and ``COPY INTO`` (the connector's ``write_pandas`` does not work on the emulator; this path
works on both).
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets.snowflake import snowpark_dataset as snowpark_datasets

from .connection import Warehouse, get_warehouse
from .stage import StageSettings, cleanup_stage, copy_from_stage, create_stage, write_stage_file
from .tables import Replacement, ensure_schemas, replace_tables, table_columns

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


class SnowflakeTableDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """One warehouse table as a pandas DataFrame.

    ``save`` replaces the table as a whole: the frame is written to Parquet, staged and copied
    into a scratch table beside it, whose rows then replace the table's in one transaction
    (:func:`.tables.replace_tables`), so readers never see a half-written table. A frame whose
    columns differ from the table's re-creates it. Column names are upper-cased, as Snowflake
    folds unquoted names.
    """

    def __init__(
        self,
        table: str,
        credentials: dict[str, Any],
        stage_uri: str = StageSettings.uri,
        stage_name: str = StageSettings.name,
        columns: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if "." not in table:
            raise DatasetError(f"table {table!r} must be schema-qualified (SCHEMA.TABLE)")
        self._table = table.upper()
        self._columns = [c.upper() for c in columns] if columns else None
        self._credentials = dict(credentials or {})
        # A local folder is the emulator's stage, which the run creates; a URL is an external
        # stage made by dbt/setup/snowflake_setup.sql.
        self._stage = StageSettings(name=stage_name, uri=stage_uri, create="://" not in stage_uri)
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

    def save(self, data: pd.DataFrame) -> None:
        started = time.monotonic()
        frame = data.rename(columns=str.upper)
        run_id = f"table-{uuid.uuid4().hex[:12]}"
        with self._warehouse.connection() as conn:
            self._replace(conn.cursor(), frame, run_id)
        logger.info(
            "Wrote %d rows to %s in %.1f s", len(frame), self._table, time.monotonic() - started
        )

    def _replace(self, cur: Any, frame: pd.DataFrame, run_id: str) -> None:
        """Copy the frame into ``<TABLE>__NEW``, then replace the table's rows with its rows."""
        schema, name = self._table.split(".", 1)
        new = f"{self._table}__NEW"
        definition = f"({_ddl(frame)})"
        columns = tuple(frame.columns)
        try:
            ensure_schemas(cur, [schema])
            self._copy_into(cur, new, definition, frame, run_id)
            existing = table_columns(cur, schema, [name]).get(name)
            found = tuple(column[0].upper() for column in existing or ())
            replacement = Replacement(
                table=self._table,
                source=new,
                columns=columns,
                definition=definition,
                exists=existing is not None,
                shape_change="" if found == columns else f"has the columns {', '.join(found)}",
            )
            replace_tables(cur, [replacement], on_shape_change="replace")
            cur.execute(f"drop table if exists {new}")
        finally:
            cleanup_stage(self._stage, run_id)

    def _copy_into(
        self, cur: Any, table: str, definition: str, frame: pd.DataFrame, run_id: str
    ) -> None:
        """Create ``table`` and copy the frame into it, as Parquet through the stage."""
        create_stage(cur, self._stage)
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / f"{self._table.lower()}.parquet"
            frame.to_parquet(local, index=False)
            relative = write_stage_file(self._stage, run_id, local.name, local)
        cur.execute(f"create or replace table {table} {definition}")
        copy_from_stage(cur, table, self._stage, relative, len(frame))

    def _describe(self) -> dict[str, Any]:
        return {"table": self._table, "columns": self._columns}


class SnowparkTableDataset(snowpark_datasets.SnowparkTableDataset):
    """A warehouse table as a lazy Snowpark DataFrame: kedro-datasets' dataset, with two changes.

    - The session is the run's (:meth:`.connection.Warehouse.snowpark`), made from the same
      credentials as every connection: the emulator's address is known only once it runs, and a
      run keeps one session.
    - A pandas frame is saved as :class:`SnowflakeTableDataset` saves it, through the stage with
      the table's rows replaced in one transaction: Snowpark's ``create_dataframe`` does not work
      on the emulator, and ``save_as_table`` would leave readers an empty or half-written table.
    """

    def __init__(
        self,
        table: str,
        credentials: dict[str, Any],
        stage_uri: str = StageSettings.uri,
        stage_name: str = StageSettings.name,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._frames = SnowflakeTableDataset(table, credentials, stage_uri, stage_name)
        schema, name = table.upper().split(".", 1)
        database = get_warehouse(credentials).database
        super().__init__(
            table_name=name,
            schema=schema,
            database=database,
            credentials={"database": database},
            metadata=metadata,
        )
        self._credentials = dict(credentials or {})

    @property
    def session(self):
        return get_warehouse(self._credentials).snowpark()

    def save(self, data: pd.DataFrame) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DatasetError(
                f"{self._table_name}: expected a pandas DataFrame to save, got {type(data)}"
            )
        self._frames.save(data)


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
