"""A CSV report written from a lazy Snowpark DataFrame, one batch at a time."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import fsspec
import pandas as pd
from kedro.io import AbstractDataset

logger = logging.getLogger(__name__)


class DataFrameCSVDataset(AbstractDataset[Any, pd.DataFrame]):
    """A CSV file saved from a Snowpark DataFrame (or a pandas one), with lower-case headers.

    The rows come from the warehouse in batches (``to_pandas_batches``) and each is appended as
    it arrives, so memory holds one batch however many rows there are. They go to a partial
    file that then becomes the report at once (renamed over it on disk, one upload to S3): a
    failed write leaves the previous report as it was. ``load`` reads the file into pandas.
    """

    def __init__(
        self,
        filepath: str,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = filepath
        self._fs, self._path = fsspec.core.url_to_fs(filepath, **(fs_args or {}))
        self._local = "file" in (
            self._fs.protocol if isinstance(self._fs.protocol, tuple) else (self._fs.protocol,)
        )
        self.metadata = metadata

    def save(self, data: Any) -> None:
        if self._local:
            folder = Path(self._path).parent
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = None  # the system's temporary folder, then one upload
        with tempfile.NamedTemporaryFile(
            "w", newline="", encoding="utf-8", dir=folder, suffix=".partial", delete=False
        ) as fh:
            partial = Path(fh.name)
        try:
            with partial.open("w", newline="", encoding="utf-8") as fh:
                rows = _write_batches(data, fh)
            if self._local:
                partial.replace(self._path)
            else:
                self._fs.put_file(str(partial), self._path)
        finally:
            partial.unlink(missing_ok=True)
        logger.info("Wrote %d rows to %s", rows, self._filepath)

    def load(self) -> pd.DataFrame:
        with self._fs.open(self._path, "r", encoding="utf-8") as fh:
            return pd.read_csv(fh)

    def _exists(self) -> bool:
        return self._fs.exists(self._path)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath}


def _write_batches(data: Any, fh) -> int:
    """Every row of ``data`` as CSV with one header; returns the rows written."""
    batches = [data] if isinstance(data, pd.DataFrame) else data.to_pandas_batches()
    rows = 0
    for batch in batches:
        batch.rename(columns=str.lower).to_csv(fh, index=False, header=rows == 0)
        rows += len(batch)
    if rows == 0:
        header = [str(c).strip('"').lower() for c in data.columns]
        pd.DataFrame(columns=header).to_csv(fh, index=False)
    return rows
