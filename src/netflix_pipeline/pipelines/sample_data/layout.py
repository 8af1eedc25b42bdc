"""The raw input contract the generator writes: files, headers and the CSV dialect."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..ingestion.contracts import CONTRACTS_BY_NAME

# Where each file lies under the output folder: where the ingestion expects it.
MOVIES_FILE = CONTRACTS_BY_NAME["movies"].path
RATINGS_FILE = CONTRACTS_BY_NAME["ratings"].path
LINKS_FILE = CONTRACTS_BY_NAME["links"].path
TAGS_FILE = CONTRACTS_BY_NAME["tags"].path
METADATA_FILE = CONTRACTS_BY_NAME["movies_metadata"].path

# movies_metadata.csv as Kaggle's "The Movies Dataset" or as the TMDB 5000 export
FLAVOURS = ("kaggle", "tmdb")

MOVIES_COLUMNS = ["movieId", "title", "genres"]
RATINGS_COLUMNS = ["userId", "movieId", "rating", "timestamp"]
LINKS_COLUMNS = ["movieId", "imdbId", "tmdbId"]
TAGS_COLUMNS = ["userId", "movieId", "tag", "timestamp"]
KAGGLE_COLUMNS = [
    "adult", "belongs_to_collection", "budget", "genres", "homepage", "id", "imdb_id",
    "original_language", "original_title", "overview", "popularity", "poster_path",
    "production_companies", "release_date", "revenue", "runtime", "status", "tagline", "title",
    "video", "vote_average", "vote_count",
]  # fmt: skip
TMDB_COLUMNS = [
    "id", "title", "release_date", "budget", "revenue", "genres", "vote_average", "vote_count",
    "popularity", "runtime", "original_language", "original_title", "overview", "tagline",
    "status", "production_countries", "spoken_languages",
]  # fmt: skip


def write_csv(path: Path, header: list[str], rows: Iterable[Any]) -> None:
    """Write ``header`` and ``rows`` as UTF-8 CSV with ``\\n`` line ends."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
