"""The raw files of the input contract as catalog datasets (on disk or S3, through s3fs).

The raw files are read in bulk by the ingestion (DuckDB locally, COPY INTO in the warehouse), so
their dataset hands over a reference rather than a DataFrame.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import fsspec
from kedro.io import AbstractDataset, DatasetError

from .contracts import CONTRACTS_BY_NAME


@dataclass(frozen=True)
class RawFile:
    """Where one raw file of the input contract is expected."""

    uri: str
    optional: bool = False
    storage_options: dict | None = None


class RawFileDataset(AbstractDataset[None, RawFile]):
    """A raw CSV file on disk or S3 (through s3fs), read in bulk by the ingestion.

    ``path`` is the folder or ``s3://`` prefix the raw files lie under (``raw_uri``; Kedro makes
    a relative folder absolute against the project, as for any dataset's ``path``).
    ``contract`` names the file's entry in the raw input contract (:mod:`.contracts`), which
    says where it lies under ``path``, whether it is optional and what it must hold.

    Loading hands over a reference (:class:`RawFile`), not the rows: the ingestion checks and
    parses the file where it lies, or after a streamed download. ``credentials`` and ``fs_args``
    become the fsspec storage options. Without them, s3fs (botocore) finds everything the
    standard way: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` or ``AWS_PROFILE``, the endpoint
    from ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``, else the pod's IAM role. S3 calls time out
    and retry a bounded number of times, so that an unreachable endpoint fails within seconds.
    """

    S3_DEFAULTS: dict[str, Any] = {
        "config_kwargs": {
            "connect_timeout": 10,
            "read_timeout": 60,
            "retries": {"max_attempts": 3, "mode": "standard"},
        }
    }

    def __init__(
        self,
        path: str,
        contract: str,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if contract not in CONTRACTS_BY_NAME:
            raise DatasetError(
                f"contract {contract!r} is not a file of the raw input contract; "
                f"expected one of {', '.join(CONTRACTS_BY_NAME)}"
            )
        file = CONTRACTS_BY_NAME[contract]
        # raw_uri given with a trailing slash must not make S3 keys with "//" in them
        scheme, sep, rest = f"{path}/{file.path}".rpartition("://")
        self._filepath = scheme + sep + re.sub("/{2,}", "/", rest)
        self._optional = file.optional
        self._protocol = fsspec.utils.get_protocol(self._filepath)
        options: dict[str, Any] = {}
        if self._protocol in ("s3", "s3a"):
            options = copy.deepcopy(self.S3_DEFAULTS)
        for extra in (fs_args or {}, credentials or {}):
            for key, value in extra.items():
                if isinstance(value, dict) and isinstance(options.get(key), dict):
                    options[key] = {**options[key], **value}
                else:
                    options[key] = value
        self._storage_options = options or None
        self.metadata = metadata

    def load(self) -> RawFile:
        return RawFile(self._filepath, self._optional, self._storage_options)

    def save(self, data: None) -> None:
        raise DatasetError(f"{self._filepath} is a raw input; the pipeline never writes it.")

    def _exists(self) -> bool:
        fs, path = fsspec.core.url_to_fs(self._filepath, **(self._storage_options or {}))
        return fs.isfile(path)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "protocol": self._protocol, "optional": self._optional}
