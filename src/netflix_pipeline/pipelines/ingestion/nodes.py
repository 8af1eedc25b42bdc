"""Ingestion nodes: check and land every raw file, then replace the RAW tables in one go."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ...datasets import RawFile
from ...ingest.contracts import CONTRACTS_BY_NAME
from ...ingest.load import StageSettings, load_raw_tables
from ...ingest.scan import RawFileError, ScannedFile, check_columns, localize, read_header, structural_pass
from ...warehouse import Warehouse

logger = logging.getLogger(__name__)


def scan_raw_files(
    raw_movies: RawFile,
    raw_ratings: RawFile,
    raw_links: RawFile,
    raw_tags: RawFile,
    raw_movies_metadata: RawFile,
    ingest: dict,
) -> list[ScannedFile]:
    """Check every raw file and land it as text; raise before the warehouse is touched."""
    workdir = Path(ingest["work_dir"])
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    files = {
        "movies": raw_movies,
        "ratings": raw_ratings,
        "links": raw_links,
        "tags": raw_tags,
        "movies_metadata": raw_movies_metadata,
    }
    # File-level checks for every file first, so a fault in the last file costs no parsing.
    located = {}
    for name, raw in files.items():
        contract = CONTRACTS_BY_NAME[name]
        local = localize(raw.uri, workdir, raw.storage_options)
        if local is None:
            if raw.optional:
                logger.info("%s: not found; optional, loading an empty %s table", raw.uri, contract.table)
                continue
            raise RawFileError(
                f"{raw.uri}: required file not found. Expected the raw layout "
                f"<raw_uri>/{contract.path} (see README, 'Raw input'); set raw_uri with "
                "--params=raw_uri=<folder or s3://bucket/prefix>."
            )
        check_columns(read_header(local, raw.uri), contract, raw.uri)
        located[name] = local
    scanned = []
    for name, raw in files.items():
        contract = CONTRACTS_BY_NAME[name]
        if name not in located:
            scanned.append(ScannedFile(contract=contract, uri=raw.uri, parquet_path=None))
            continue
        item = structural_pass(located[name], contract, raw.uri, workdir / f"{name}.parquet")
        logger.info(
            "%s: %d records parsed, %d malformed, in %.1f s",
            raw.uri, item.records, len(item.rejects), item.seconds,
        )
        scanned.append(item)
    return scanned


def load_raw(scanned_raw_files: list[ScannedFile], warehouse: Warehouse, ingest: dict) -> dict:
    """Copy the landed files into the warehouse, check them, and swap in the RAW tables."""
    return load_raw_tables(
        scanned_raw_files,
        warehouse,
        stage=StageSettings.from_params(ingest["stage"]),
        max_reject_rate=float(ingest["max_reject_rate"]),
        workdir=Path(ingest["work_dir"]),
    )
