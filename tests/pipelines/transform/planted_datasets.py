"""A catalog dataset for tests that plants bad data where a real run would write good data.

Importable by `kedro run` child processes when this folder is on PYTHONPATH.
"""

from __future__ import annotations

from snowflake.snowpark import DataFrame

from netflix_pipeline.warehouse import get_warehouse
from netflix_pipeline.warehouse.datasets import SnowparkTableDataset


class DuplicateFirstRowTableDataset(SnowparkTableDataset):
    """Writes the table plus a second copy of its first row: a duplicate primary key."""

    def save(self, data: DataFrame) -> None:
        super().save(data)
        table = f"{self._schema}.{self._table_name}"
        # Not a Snowpark union with limit(1): the emulator answers a LIMIT inside a UNION ALL
        # with HTTP 500.
        with get_warehouse(self._credentials).cursor() as cur:
            cur.execute(f"insert into {table} select * from {table} limit 1")
