"""Genre normalization nodes: the distinct raw values in Python, every film in the warehouse.

1. :func:`genre_values` reads the distinct raw values of ``INT_FILM_GENRE_SOURCES`` (a few
   thousand where there are tens of thousands of films) and returns their genres, which the
   catalog saves as ``GENRES.GENRE_VALUES``;
2. :func:`normalize_genres` joins them to the films as Snowpark DataFrames (:mod:`.films`),
   which the catalog saves as the ``GENRES`` tables;
3. :func:`summarize_genres` counts what was written, for the log and the run's record.
"""

from __future__ import annotations

import logging

import pandas as pd
from snowflake.snowpark import DataFrame
from snowflake.snowpark import functions as F

from ...warehouse.schemas import REJECTED_ROWS
from ..ingestion.contracts import CONTRACTS_BY_NAME
from .films import check_sources, film_genres
from .rules import GenreRules
from .values import value_genres

logger = logging.getLogger(__name__)

# The raw file each genre source comes from, as rejected rows name it.
SOURCE_FILES = {
    "tmdb": CONTRACTS_BY_NAME["movies_metadata"].path,
    "movielens": CONTRACTS_BY_NAME["movies"].path,
}
# How many unknown genre names the summary lists.
SUMMARY_TOP_UNKNOWN = 20


def genre_values(staging_built: dict, film_genre_sources: DataFrame, genres: dict) -> pd.DataFrame:
    """The genres of each distinct raw genre value of the films (:func:`.values.value_genres`).

    ``staging_built`` (the first dbt build's results) only orders this node after the build
    that makes ``film_genre_sources``.
    """
    rules = GenreRules.from_params(genres)
    check_sources(film_genre_sources, rules)
    raw = F.col("GENRES_RAW")
    distinct = film_genre_sources.select(raw).filter(raw.is_not_null()).distinct().to_pandas()
    values = value_genres(distinct["GENRES_RAW"].tolist(), rules)
    logger.info(
        "genres: %d distinct raw values parsed, %d unparseable",
        len(distinct),
        int(values["REASON"].notna().sum()),
    )
    return values


def normalize_genres(
    film_genre_sources: DataFrame, genre_values: DataFrame, genres: dict
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Canonical genres and the primary genre of every film; unparseable values quarantined."""
    rules = GenreRules.from_params(genres)
    frames = film_genres(film_genre_sources, genre_values, rules)
    source_file = F.col("SOURCE")
    for source, path in SOURCE_FILES.items():
        source_file = F.iff(F.col("SOURCE") == F.lit(source), F.lit(path), source_file)
    rejected = frames.rejected.select(
        source_file.alias("SOURCE_FILE"),
        F.col("SOURCE_LINE_NUMBER").alias("LINE_NUMBER"),
        F.concat(F.lit("genres: "), F.col("REASON")).alias("REASON"),
        F.col("GENRES_RAW").alias("RAW_LINE"),
        F.lit("genres").alias("STAGE"),
    )
    assert tuple(rejected.columns) == REJECTED_ROWS.columns
    return frames.movie_genres, frames.movie_primary_genre, rejected


def summarize_genres(
    movie_genres: DataFrame,
    movie_primary_genre: DataFrame,
    genre_rejected_rows: DataFrame,
    genres: dict,
) -> dict:
    """Counts of the written genre tables (small aggregates), logged and returned."""
    rules = GenreRules.from_params(genres)
    primary = {
        str(row["PRIMARY_GENRE"]): int(row["FILMS"])
        for row in movie_primary_genre.group_by("PRIMARY_GENRE")
        .agg(F.count(F.lit(1)).alias("FILMS"))
        .sort(F.col("FILMS").desc(), F.col("PRIMARY_GENRE"))
        .collect()
    }
    unknown = [
        (str(row["GENRE"]), int(row["FILMS"]))
        for row in movie_genres.filter(~F.col("GENRE").isin(list(rules.hierarchy)))
        .group_by("GENRE")
        .agg(F.count(F.lit(1)).alias("FILMS"))
        .sort(F.col("FILMS").desc(), F.col("GENRE"))
        .limit(max(SUMMARY_TOP_UNKNOWN, rules.log_top_unknown))
        .collect()
    ]
    films_without = movie_primary_genre.filter(F.col("GENRE_COUNT") == 0).count()
    summary = {
        "films": sum(primary.values()),
        "genre_rows": movie_genres.count(),
        "rejected": genre_rejected_rows.count(),
        "unknown_genres": dict(unknown[:SUMMARY_TOP_UNKNOWN]),
        "primary_genres": primary,
    }
    _log_summary(summary, films_without, unknown[: rules.log_top_unknown], rules)
    return summary


def _log_summary(summary: dict, films_without: int, top: list, rules: GenreRules) -> None:
    logger.info(
        "genres: %d films, %d film-genre rows, %d without genre (%s), %d unparseable values",
        summary["films"],
        summary["genre_rows"],
        films_without,
        rules.unknown_genre,
        summary["rejected"],
    )
    if top:
        logger.info(
            "genres: unknown genre names kept as title-cased; top %d: %s",
            len(top),
            ", ".join(f"{name} ({count})" for name, count in top),
        )
    if summary["rejected"]:
        logger.warning(
            "genres: %d raw genre values could not be parsed and contribute no genres",
            summary["rejected"],
        )
