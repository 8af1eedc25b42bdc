"""Catalog dataset types that talk to the warehouse: the warehouse itself and its tables.

A table is a pandas DataFrame (:class:`SnowflakeTableDataset`: loaded through the connector's
Arrow path, saved through a stage and ``COPY INTO``) or a lazy Snowpark DataFrame
(:class:`SnowparkTableDataset`), where the node's work runs in the warehouse.
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
from snowflake.snowpark import DataFrame

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
        new = f"{self._table}__NEW"
        definition = f"({_ddl(frame)})"
        try:
            ensure_schemas(cur, [self._table.split(".", 1)[0]])
            self._copy_into(cur, new, definition, frame, run_id)
            replace_from(cur, self._table, new, tuple(frame.columns), definition)
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


def replace_from(cur: Any, table: str, new: str, columns: tuple[str, ...], definition: str) -> None:
    """Replace the rows of ``table`` with those of the scratch table ``new``, then drop it.

    The rows change in one transaction (:func:`.tables.replace_tables`); a table that is missing
    or whose columns differ is first (re-)created from ``definition``.
    """
    schema, name = table.split(".", 1)
    existing = table_columns(cur, schema, [name]).get(name)
    found = tuple(column[0].upper() for column in existing or ())
    replacement = Replacement(
        table=table,
        source=new,
        columns=columns,
        definition=definition,
        exists=existing is not None,
        shape_change="" if found == columns else f"has the columns {', '.join(found)}",
    )
    replace_tables(cur, [replacement], on_shape_change="replace")
    cur.execute(f"drop table if exists {new}")


class SnowparkTableDataset(snowpark_datasets.SnowparkTableDataset):
    """A warehouse table as a lazy Snowpark DataFrame: kedro-datasets' dataset, with two changes.

    - The session is the run's (:meth:`.connection.Warehouse.snowpark`), made from the same
      credentials as every connection: the emulator's address is known only once it runs, and a
      run keeps one session.
    - Saving replaces the table's rows in one transaction, so that readers see the old rows or
      the new, never an empty or half-written table (kedro-datasets' ``save_as_table`` of the
      table itself would show them one). A Snowpark DataFrame is saved with ``save_as_table``
      into a transient scratch table beside it, in the warehouse; a pandas frame (data that
      starts in Python) goes through the stage as :class:`SnowflakeTableDataset` saves it, in
      every environment: Snowpark's ``create_dataframe`` and ``write_pandas`` fail on the
      emulator, and on Snowflake they would need a temporary stage of their own where the
      stage path uses the one stage ``dbt/setup/snowflake_setup.sql`` grants.
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

    def save(self, data: pd.DataFrame | DataFrame) -> None:
        if isinstance(data, pd.DataFrame):
            self._frames.save(data)
        elif isinstance(data, DataFrame):
            self._save_snowpark(data)
        else:
            raise DatasetError(
                f"{self._table_name}: expected a Snowpark or pandas DataFrame, got {type(data)}"
            )

    def _save_snowpark(self, data: DataFrame) -> None:
        started = time.monotonic()
        table = f"{self._schema}.{self._table_name}".upper()
        new = f"{table}__NEW"
        warehouse = get_warehouse(self._credentials)
        with warehouse.connection() as conn:
            cur = conn.cursor()
            ensure_schemas(cur, [self._schema.upper()])
            data.write.save_as_table(new, mode="overwrite", table_type="transient")
            rows = cur.execute(f"select count(*) from {new}").fetchone()[0]
            replace_from(cur, table, new, tuple(c.upper() for c in data.columns), f"like {new}")
        logger.info(
            "Wrote %d rows to %s in the warehouse in %.1f s",
            rows,
            table,
            time.monotonic() - started,
        )


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
