"""Genre normalization node: the rules are parameters, the work is vectorized in films.py."""

from __future__ import annotations

import pandas as pd

from ...warehouse.schemas import REJECTED_ROWS
from ..ingestion.contracts import CONTRACTS_BY_NAME
from .films import film_genres
from .rules import GenreRules

# The raw file each genre source comes from, as rejected rows name it.
SOURCE_FILES = {
    "tmdb": CONTRACTS_BY_NAME["movies_metadata"].path,
    "movielens": CONTRACTS_BY_NAME["movies"].path,
}


def normalize_genres(
    staging_built: dict, film_genre_sources: pd.DataFrame, genres: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """Canonical genres and the primary genre of every film; unparseable lists quarantined.

    ``staging_built`` (the first dbt build's results) only orders this node after the build
    that makes ``film_genre_sources``.
    """
    sources = film_genre_sources.rename(columns=str.lower)
    rules = GenreRules.from_params(genres)
    result = film_genres(sources[["film_id", "source", "item_order", "genres_raw"]], rules)
    lines = sources[["film_id", "source", "genres_raw", "source_line_number"]].drop_duplicates(
        ["film_id", "source", "genres_raw"]
    )
    rejected = result.rejected.merge(lines, on=["film_id", "source", "genres_raw"], how="left")
    values = (
        rejected["source"].map(SOURCE_FILES).fillna(rejected["source"]),
        rejected["source_line_number"].astype("Int64"),
        "genres: " + rejected["reason"].astype(str),
        rejected["genres_raw"].astype(str),
        "genres",
    )
    rejected_rows = pd.DataFrame(dict(zip(REJECTED_ROWS.frame_columns, values, strict=True)))
    summary = {
        "films": int(len(result.movie_primary_genre)),
        "genre_rows": int(len(result.movie_genres)),
        "rejected": int(len(rejected_rows)),
        "unknown_genres": {str(k): int(v) for k, v in result.unknown_counts.head(20).items()},
        "primary_genres": {
            str(k): int(v)
            for k, v in result.movie_primary_genre["primary_genre"].value_counts().items()
        },
    }
    return result.movie_genres, result.movie_primary_genre, rejected_rows, summary
