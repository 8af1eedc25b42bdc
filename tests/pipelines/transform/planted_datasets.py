"""A catalog dataset for tests that plants bad data where a real run would write good data.

Importable by `kedro run` child processes when this folder is on PYTHONPATH.
"""

from __future__ import annotations

import pandas as pd

from netflix_pipeline.warehouse.datasets import SnowflakeTableDataset


class DuplicateFirstRowTableDataset(SnowflakeTableDataset):
    """Writes the table plus a second copy of its first row: a duplicate primary key."""

    def save(self, data: pd.DataFrame) -> None:
        super().save(pd.concat([data, data.head(1)], ignore_index=True))
