"""Helpers of the sample-data tests: the generated files' contract and a CSV reader."""

from __future__ import annotations

import csv
from pathlib import Path

FILES = [
    "movielens/movies.csv",
    "movielens/ratings.csv",
    "movielens/links.csv",
    "movielens/tags.csv",
    "tmdb/movies_metadata.csv",
]
KAGGLE_HEADER = (
    "adult,belongs_to_collection,budget,genres,homepage,id,imdb_id,original_language,"
    "original_title,overview,popularity,poster_path,production_companies,release_date,revenue,"
    "runtime,status,tagline,title,video,vote_average,vote_count"
)
TMDB_HEADER_START = "id,title,release_date,budget,revenue,genres,vote_average,vote_count,"
VALID_RATINGS = {f"{x / 2:.1f}" for x in range(1, 11)}


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows of a generated CSV file."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]
