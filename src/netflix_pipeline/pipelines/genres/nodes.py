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
from .films import distinct_values, film_genres
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
    distinct = distinct_values(film_genre_sources, rules)
    values = value_genres(distinct, rules)
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
    rejected = {
        "SOURCE_FILE": source_file,
        "LINE_NUMBER": F.col("SOURCE_LINE_NUMBER"),
        "REASON": F.concat(F.lit("genres: "), F.col("REASON")),
        "RAW_LINE": F.col("GENRES_RAW"),
        "STAGE": F.lit("genres"),
    }
    rejected_rows = frames.rejected.select(
        [rejected[name].alias(name) for name in REJECTED_ROWS.columns]
    )
    return frames.movie_genres, frames.movie_primary_genre, rejected_rows


def summarize_genres(
    movie_genres: DataFrame,
    movie_primary_genre: DataFrame,
    genre_rejected_rows: DataFrame,
    genres: dict,
) -> dict:
    """Counts of the written genre tables (three small aggregates), logged and returned."""
    rules = GenreRules.from_params(genres)
    primary = (
        movie_primary_genre.group_by("PRIMARY_GENRE")
        .agg(
            F.count(F.lit(1)).alias("FILMS"),
            F.sum(F.iff(F.col("GENRE_COUNT") == 0, F.lit(1), F.lit(0))).alias("WITHOUT"),
        )
        .to_pandas()
        .sort_values(["FILMS", "PRIMARY_GENRE"], ascending=[False, True])
    )
    by_genre = movie_genres.group_by("GENRE").agg(F.count(F.lit(1)).alias("FILMS")).to_pandas()
    unknown = by_genre.loc[~by_genre["GENRE"].isin(rules.hierarchy)].sort_values(
        ["FILMS", "GENRE"], ascending=[False, True]
    )
    unknown_counts = [
        (str(g), int(n)) for g, n in zip(unknown["GENRE"], unknown["FILMS"], strict=True)
    ]
    summary = {
        "films": int(primary["FILMS"].sum()),
        "genre_rows": int(by_genre["FILMS"].sum()),
        "rejected": genre_rejected_rows.count(),
        "unknown_genres": dict(unknown_counts[:SUMMARY_TOP_UNKNOWN]),
        "primary_genres": {
            str(g): int(n) for g, n in zip(primary["PRIMARY_GENRE"], primary["FILMS"], strict=True)
        },
    }
    films_without = int(primary["WITHOUT"].sum())
    _log_summary(summary, films_without, unknown_counts[: rules.log_top_unknown], rules)
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
