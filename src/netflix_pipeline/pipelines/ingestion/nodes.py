"""Ingestion nodes: check and land every raw file, then replace the RAW tables in one go."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from ...warehouse import Warehouse
from ...warehouse.stage import StageSettings
from .contracts import CONTRACTS_BY_NAME, FileContract
from .limits import Limits
from .load import load_raw_tables, merge_kinds, reject_rate_error
from .raw_files import RawFile
from .scan import ScannedFile, structural_pass
from .source import FileShape, RawSource, check_raw_files

logger = logging.getLogger(__name__)


def scan_raw_files(
    raw_movies: RawFile,
    raw_ratings: RawFile,
    raw_links: RawFile,
    raw_tags: RawFile,
    raw_movies_metadata: RawFile,
    ingest: dict,
) -> list[ScannedFile]:
    """Check every raw file, then land each, typed and checked.

    Raises before the warehouse is touched when a file is unusable, or when the rows it already
    rejects (malformed records; faulty values of a file without a key) exceed
    ``ingest.max_reject_rate``.
    """
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
    limits = Limits.from_params(ingest.get("limits"))
    located = check_raw_files(files, limits)

    def scan(name: str) -> ScannedFile:
        source, shape = located[name]
        return _scan_file(
            files[name], CONTRACTS_BY_NAME[name], source, shape, workdir, ingest, limits
        )

    done = _scan_biggest_beside_the_rest(
        sorted(located, key=lambda name: located[name][1].size, reverse=True), scan
    )
    return [
        done.get(name) or ScannedFile(contract=CONTRACTS_BY_NAME[name], uri=raw.uri)
        for name, raw in files.items()
    ]


def _scan_file(
    raw: RawFile,
    contract: FileContract,
    source: RawSource,
    shape: FileShape,
    workdir: Path,
    ingest: dict,
    limits: Limits,
) -> ScannedFile:
    """Land one checked file; raises when the rows it rejects exceed the reject rate."""
    item = structural_pass(
        source,
        contract,
        raw.uri,
        shape,
        workdir / "landed",
        ingest.get("duckdb"),
        limits=limits,
    )
    logger.info(
        "%s: %d records parsed, %d malformed, in %.1f s",
        raw.uri,
        item.records,
        item.rejected,
        item.seconds,
    )
    error = reject_rate_error(
        raw.uri,
        item.records - item.value_rejected,
        item.rejected_lines + item.value_rejected,
        merge_kinds(item.reject_kinds, item.value_kinds),
        float(ingest["max_reject_rate"]),
    )
    if error is not None:
        raise error
    return item


def _scan_biggest_beside_the_rest(
    by_size: list[str], scan: Callable[[str], ScannedFile]
) -> dict[str, ScannedFile]:
    """Scan the biggest file beside the others, which go one after another: a small file leaves
    a core idle (DuckDB cannot split a small file), the big one does not.

    Each lane stops at its first file over the reject rate; the first lane's error wins.
    """

    def scan_in_turn(names: list[str]) -> dict[str, ScannedFile]:
        return {name: scan(name) for name in names}

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="scan") as pool:
        parts = [pool.submit(scan_in_turn, by_size[:1]), pool.submit(scan_in_turn, by_size[1:])]
        wait(parts)
    failed = [part.exception() for part in parts if part.exception() is not None]
    if failed:
        raise failed[0]
    return {name: item for part in parts for name, item in part.result().items()}


def load_raw(scanned_raw_files: list[ScannedFile], warehouse: Warehouse, ingest: dict) -> dict:
    """Copy the landed files into the warehouse, check them, and replace the RAW tables."""
    report = load_raw_tables(
        scanned_raw_files,
        warehouse,
        stage=StageSettings.from_params(ingest["stage"]),
        max_reject_rate=float(ingest["max_reject_rate"]),
        run_id=ingest.get("run_id"),
    )
    shutil.rmtree(ingest["work_dir"], ignore_errors=True)
    return report
