"""Genres of every film and its primary genre (DESIGN.md §4), as Snowpark DataFrames.

Everything per film runs in the warehouse: the source rows (one per raw genre value of a film)
are joined to the genres of each distinct value (:mod:`.values`), and window functions keep each
genre's first occurrence, number the genres and pick the primary one. Nothing here pulls rows
into Python; the frames are lazy until saved. Counts are cast to ``bigint`` (``number(38, 0)``,
as dbt's source declares them; Snowflake's window counts are ``number(18, 0)``).

A film's genres are the genres of its rows in ``genres.sources`` order, then ``ITEM_ORDER``,
then list order, each kept where first seen. Its primary genre is the one highest in
``genres.hierarchy``, else its first genre, else ``genres.unknown_genre``.
"""

from __future__ import annotations

from dataclasses import dataclass

from snowflake.snowpark import Column, DataFrame, Window
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import LongType

from .rules import GenreRules

__all__ = ["SOURCE_COLUMNS", "GenreFrames", "distinct_values", "film_genres"]

# The table the stage reads (dbt's int_film_genre_sources): one row per raw value of a film.
SOURCE_COLUMNS = ("FILM_ID", "SOURCE", "ITEM_ORDER", "GENRES_RAW", "SOURCE_LINE_NUMBER")


@dataclass(frozen=True)
class GenreFrames:
    """The stage's results, lazy.

    * ``movie_genres``: ``FILM_ID, GENRE, POSITION, SOURCE``: one row per film and canonical
      genre, ``POSITION`` 1-based in first-seen order, ``SOURCE`` where it was first seen;
    * ``movie_primary_genre``: ``FILM_ID, PRIMARY_GENRE, GENRE_COUNT``: one row per film;
    * ``rejected``: the source rows whose raw value is unparseable (``SOURCE_COLUMNS`` and
      ``REASON``); the film keeps the genres of its other rows.
    """

    movie_genres: DataFrame
    movie_primary_genre: DataFrame
    rejected: DataFrame


def distinct_values(sources: DataFrame, rules: GenreRules) -> list[str]:
    """The distinct raw values of the sources: what the stage reads into Python.

    One query, a row per raw value and source, which also refuses rows the rules cannot order:
    missing columns or keys, and sources not in ``genres.sources``.
    """
    missing = [c for c in SOURCE_COLUMNS if c not in sources.columns]
    if missing:
        raise ValueError(f"genre sources lack columns {missing}")
    incomplete = F.col("FILM_ID").is_null() | F.col("ITEM_ORDER").is_null()
    rows = (
        sources.group_by("GENRES_RAW", "SOURCE")
        .agg(F.max(F.iff(incomplete, F.lit(1), F.lit(0))).alias("INCOMPLETE"))
        .to_pandas()
    )
    unknown = sorted({str(s) for s in rows["SOURCE"]} - set(rules.sources))
    if unknown:
        raise ValueError(
            f"genre sources hold sources {unknown!r} that are not in genres.sources "
            f"{list(rules.sources)}"
        )
    if rows["INCOMPLETE"].any():
        raise ValueError("genre sources have rows without a film_id or an item_order")
    return rows["GENRES_RAW"].dropna().unique().tolist()


def _source_rank(rules: GenreRules) -> Column:
    """Rank of a row's source in ``genres.sources``."""
    rank = F.when(F.col("SOURCE") == F.lit(rules.sources[0]), F.lit(0))
    for i, source in enumerate(rules.sources[1:], start=1):
        rank = rank.when(F.col("SOURCE") == F.lit(source), F.lit(i))
    return rank


def _first_seen(sources: DataFrame, values: DataFrame, rules: GenreRules) -> DataFrame:
    """Every genre of every film where first seen, numbered 1, 2, … in genre order."""
    genres = values.filter(F.col("REASON").is_null()).select(
        "GENRES_RAW", F.col("POSITION").alias("VALUE_POSITION"), "GENRE", "HIERARCHY_RANK"
    )
    rows = sources.select("FILM_ID", "SOURCE", "ITEM_ORDER", "GENRES_RAW").with_column(
        "SOURCE_RANK", _source_rank(rules)
    )
    # A film's rows of one source have distinct ITEM_ORDERs; GENRES_RAW only makes the order
    # total should the input break that.
    order = ("SOURCE_RANK", "ITEM_ORDER", "GENRES_RAW", "VALUE_POSITION")
    occurrences = rows.join(genres, on="GENRES_RAW")
    occurrence = F.row_number().over(Window.partition_by("FILM_ID", "GENRE").order_by(*order))
    first = occurrences.with_column("OCCURRENCE", occurrence).filter(F.col("OCCURRENCE") == 1)
    position = F.row_number().over(Window.partition_by("FILM_ID").order_by(*order))
    return first.with_column("POSITION", position.cast(LongType())).select(
        "FILM_ID", "GENRE", "POSITION", "SOURCE", "HIERARCHY_RANK"
    )


def _primary(sources: DataFrame, genres: DataFrame, rules: GenreRules) -> DataFrame:
    """The primary genre and the number of genres of every film of the sources."""
    by_film = Window.partition_by("FILM_ID")
    pick = F.row_number().over(
        by_film.order_by(F.col("HIERARCHY_RANK").asc_nulls_last(), F.col("POSITION"))
    )
    picked = (
        genres.with_column("PICK", pick)
        .with_column("GENRE_COUNT", F.count(F.lit(1)).over(by_film))
        .filter(F.col("PICK") == 1)
        .select("FILM_ID", "GENRE", "GENRE_COUNT")
    )
    films = sources.select("FILM_ID").distinct()
    return films.join(picked, on="FILM_ID", how="left").select(
        "FILM_ID",
        F.coalesce(F.col("GENRE"), F.lit(rules.unknown_genre)).alias("PRIMARY_GENRE"),
        F.coalesce(F.col("GENRE_COUNT"), F.lit(0)).cast(LongType()).alias("GENRE_COUNT"),
    )


def film_genres(sources: DataFrame, values: DataFrame, rules: GenreRules) -> GenreFrames:
    """The genres and the primary genre of every film of ``sources``, lazily.

    ``sources`` has :data:`SOURCE_COLUMNS`; ``values`` is the value table of
    :func:`.values.value_genres` in the warehouse.
    """
    genres = _first_seen(sources, values, rules)
    reasons = values.filter(F.col("REASON").is_not_null()).select("GENRES_RAW", "REASON")
    return GenreFrames(
        movie_genres=genres.select("FILM_ID", "GENRE", "POSITION", "SOURCE"),
        movie_primary_genre=_primary(sources, genres, rules),
        rejected=sources.select(*SOURCE_COLUMNS).join(reasons, on="GENRES_RAW"),
    )
