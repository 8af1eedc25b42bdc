"""A CSV report written from a lazy Snowpark DataFrame, one batch at a time."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset

logger = logging.getLogger(__name__)


class DataFrameCSVDataset(AbstractDataset[Any, pd.DataFrame]):
    """A CSV file saved from a Snowpark DataFrame (or a pandas one), with lower-case headers.

    The rows come from the warehouse in batches (``to_pandas_batches``) and each is appended as
    it arrives, so memory holds one batch however many rows there are. They go to a temporary
    file beside the report, renamed over it at the end: a failed write leaves the previous
    report as it was. ``load`` reads the file into pandas.
    """

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = Path(filepath)
        self.metadata = metadata

    def save(self, data: Any) -> None:
        batches = [data] if isinstance(data, pd.DataFrame) else data.to_pandas_batches()
        self._path.parent.mkdir(parents=True, exist_ok=True)
        partial = self._path.with_name(f".{self._path.name}.partial")
        rows = 0
        try:
            with partial.open("w", newline="", encoding="utf-8") as fh:
                for batch in batches:
                    batch.rename(columns=str.lower).to_csv(fh, index=False, header=rows == 0)
                    rows += len(batch)
                if rows == 0:
                    header = [str(c).strip('"').lower() for c in data.columns]
                    pd.DataFrame(columns=header).to_csv(fh, index=False)
            partial.replace(self._path)
        finally:
            partial.unlink(missing_ok=True)
        logger.info("Wrote %d rows to %s", rows, self._path)

    def load(self) -> pd.DataFrame:
        return pd.read_csv(self._path)

    def _exists(self) -> bool:
        return self._path.exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._path)}
