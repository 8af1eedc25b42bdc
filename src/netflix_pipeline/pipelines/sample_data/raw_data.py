"""``generate``: the five raw files, from one seed, in the raw input contract's layout."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from .films import catalogue
from .layout import (
    FLAVOURS,
    LINKS_FILE,
    METADATA_FILE,
    MOVIES_FILE,
    RATINGS_FILE,
    TAGS_FILE,
)
from .movielens import write_links, write_movies, write_tags
from .ratings import write_ratings
from .streams import FAULTS, stream
from .tmdb import write_metadata

log = logging.getLogger(__name__)


def generate(
    out_dir: str | Path,
    *,
    movies: int,
    ratings: int,
    users: int,
    metadata_rows: int | None = None,
    metadata_flavour: str = "kaggle",
    faults: bool = True,
    seed: int = 42,
    tags: int | None = None,
) -> dict:
    """Write MovieLens + TMDB shaped raw files under ``out_dir``; return counts per file.

    ``metadata_rows`` films get a metadata row: by default every movie with a tmdbId; fewer
    picks the more popular movies, more adds TMDB films that MovieLens does not know.
    ``tags`` defaults to 4% of ``ratings``. The result maps each file (relative path) to
    ``{"rows": data rows written, "faults": {kind: planted rows}}``.
    """
    if metadata_flavour not in FLAVOURS:
        raise ValueError(f"metadata_flavour must be one of {FLAVOURS}, not {metadata_flavour!r}")
    if movies < 2 or users < 1 or ratings < 0:
        raise ValueError("need movies >= 2, users >= 1 and ratings >= 0")
    out = Path(out_dir)
    (out / "movielens").mkdir(parents=True, exist_ok=True)
    (out / "tmdb").mkdir(parents=True, exist_ok=True)
    cat = catalogue(seed, movies)
    frng = stream(seed, FAULTS, 0)
    result: dict[str, Any] = {MOVIES_FILE: write_movies(out / MOVIES_FILE, frng, cat, faults)}
    result[LINKS_FILE], no_tmdb = write_links(out / LINKS_FILE, frng, cat, faults)
    t0 = time.perf_counter()
    result[RATINGS_FILE] = write_ratings(out / RATINGS_FILE, seed, cat, ratings, users, faults)
    log.debug("ratings written in %.1f s", time.perf_counter() - t0)
    n_tags = round(0.04 * ratings) if tags is None else tags
    result[TAGS_FILE] = write_tags(out / TAGS_FILE, seed, cat, n_tags, users)
    linked = np.flatnonzero(~no_tmdb)
    result[METADATA_FILE] = write_metadata(
        out / METADATA_FILE, seed, cat, linked, metadata_rows, metadata_flavour, faults
    )
    return result
