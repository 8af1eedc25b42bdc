"""Catalog dataset types that talk to the warehouse: the warehouse itself and its tables.

A table loads as a lazy Snowpark DataFrame (:class:`SnowparkTableDataset`), so that a node's
work runs in the warehouse; it saves a Snowpark DataFrame or a pandas frame.
"""

from __future__ import annotations

import contextlib
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


class SnowparkTableDataset(snowpark_datasets.SnowparkTableDataset):
    """A warehouse table as a lazy Snowpark DataFrame: kedro-datasets' dataset, with two changes.

    - The session is the run's (:meth:`.connection.Warehouse.snowpark`), made from the same
      credentials as every connection: the emulator's address is known only once it runs, and a
      run keeps one session.
    - Saving replaces the table in one statement, ``save_as_table`` in ``overwrite`` mode:
      ``create or replace table … as select …``, which Snowflake applies atomically (readers
      see the old table or the new one, never an empty or half-written one). The new table gets
      its grants from its schema's future grants, which the administrator manages
      (``dbt/setup/snowflake_setup.sql``: managed-access schemas), not from its owner: no
      ``copy grants``, a grant decision managed access leaves to the schema's owner. A Snowpark
      DataFrame is saved so
      directly. A pandas frame (data that starts in Python) is first copied into a transient
      scratch table beside the table through the stage (Parquet, then ``COPY INTO``), in every
      environment: Snowpark's ``create_dataframe`` and ``write_pandas`` fail on the emulator, and
      on Snowflake they would need a temporary stage of their own where the stage path uses the
      one stage ``dbt/setup/snowflake_setup.sql`` grants. Column names are upper-cased, as
      Snowflake folds unquoted names.
    """

    def __init__(
        self,
        table: str,
        credentials: dict[str, Any],
        stage_uri: str = StageSettings.uri,
        stage_name: str = StageSettings.name,
        stage_create: bool | str = StageSettings.create,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if "." not in table:
            raise DatasetError(f"table {table!r} must be schema-qualified (SCHEMA.TABLE)")
        self._table = table.upper()
        schema, name = self._table.split(".", 1)
        self._credentials = dict(credentials or {})
        # The run creates the stage on a local folder (the emulator's); in production it is the
        # external stage made by dbt/setup/snowflake_setup.sql (globals: stage.create).
        self._stage = StageSettings.from_params(
            {"name": stage_name, "uri": stage_uri, "create": stage_create}
        )
        database = self._warehouse.database
        super().__init__(
            table_name=name,
            schema=schema,
            database=database,
            credentials={"database": database},
            metadata=metadata,
        )

    @property
    def _warehouse(self) -> Warehouse:
        return get_warehouse(self._credentials)

    @property
    def session(self):
        return self._warehouse.snowpark()

    def save(self, data: pd.DataFrame | DataFrame) -> None:
        started = time.monotonic()
        if not isinstance(data, pd.DataFrame | DataFrame):
            raise DatasetError(
                f"{self._table}: expected a Snowpark or pandas DataFrame, got {type(data)}"
            )
        with self._warehouse.connection() as conn:
            cur = conn.cursor()
            self._warehouse.ensure_schemas(cur, [self._schema])
            if isinstance(data, pd.DataFrame):
                self._save_frame(cur, data)
                rows = f"{len(data)} rows"
            else:  # the rows stay in the warehouse, uncounted: the nodes log what they wrote
                self._replace(data)
                rows = "the rows of a Snowpark DataFrame"
        logger.info("Wrote %s to %s in %.1f s", rows, self._table, time.monotonic() - started)

    def _replace(self, data: DataFrame) -> None:
        """Replace the table with the rows of ``data`` (one atomic statement)."""
        data.write.save_as_table(self._table, mode="overwrite")

    def _save_frame(self, cur: Any, frame: pd.DataFrame) -> None:
        """Copy the frame into ``<TABLE>__NEW`` through the stage, then replace the table."""
        frame = frame.rename(columns=str.upper)
        scratch = f"{self._table}__NEW"
        run_id = f"table-{uuid.uuid4().hex[:12]}"
        try:
            create_stage(cur, self._stage)
            with tempfile.TemporaryDirectory() as tmp:
                local = Path(tmp) / f"{self._table.lower()}.parquet"
                frame.to_parquet(local, index=False)
                relative = write_stage_file(self._stage, run_id, local.name, local)
            cur.execute(f"create or replace transient table {scratch} ({_ddl(frame)})")
            copy_from_stage(cur, scratch, self._stage, relative, len(frame))
            self._replace(self.session.table(f"{self._database}.{scratch}"))
        finally:
            # A scratch table left behind (transient) is replaced by the next save.
            with contextlib.suppress(Exception):
                cur.execute(f"drop table if exists {scratch}")
            cleanup_stage(self._stage, run_id)

    def _describe(self) -> dict[str, Any]:
        return {"table": self._table}


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
