"""Genres of every film and its primary genre (DESIGN.md §4), as Snowpark DataFrames.

Everything per film runs in the warehouse: the source rows (one per raw genre value of a film)
are joined once to the genres of each distinct value (:mod:`.values`), and window functions
keep each genre's first occurrence, number the genres and pick the primary one; the three
results are read off that one join. Nothing here pulls rows into Python; the frames are lazy
until saved. Counts are cast to ``bigint`` (``number(38, 0)``,
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


def film_genres(sources: DataFrame, values: DataFrame, rules: GenreRules) -> GenreFrames:
    """The genres and the primary genre of every film of ``sources``, lazily.

    ``sources`` has :data:`SOURCE_COLUMNS`; ``values`` is the value table of
    :func:`.values.value_genres` in the warehouse. One left join gives every source row its
    genres; a row without any (a value without genres, an unparseable one, a missing one) keeps
    a null ``GENRE``, so that every film is still there for its primary genre, ``Unknown``.
    """
    rows = sources.select(*SOURCE_COLUMNS, _source_rank(rules).alias("SOURCE_RANK"))
    genres = values.select(
        "GENRES_RAW", F.col("POSITION").alias("VALUE_POSITION"), "GENRE", "HIERARCHY_RANK", "REASON"
    )
    joined = rows.join(genres, on="GENRES_RAW", how="left")
    # A film's rows of one source have distinct ITEM_ORDERs; GENRES_RAW only makes the order
    # total should the input break that.
    order = ("SOURCE_RANK", "ITEM_ORDER", "GENRES_RAW", "VALUE_POSITION")
    without = F.col("GENRE").is_null()
    seen = F.row_number().over(Window.partition_by("FILM_ID", "GENRE").order_by(*order))
    # Each genre of a film where first seen, and one row without a genre if the film has any.
    first = joined.select(
        "FILM_ID", "GENRE", "SOURCE", "HIERARCHY_RANK", *order, seen.alias("SEEN")
    ).filter(F.col("SEEN") == 1)
    by_film = Window.partition_by("FILM_ID")
    position = F.row_number().over(Window.partition_by("FILM_ID", without).order_by(*order))
    # The genre highest in the hierarchy, then the first; the row without a genre comes last.
    pick = F.row_number().over(
        by_film.order_by(without, F.col("HIERARCHY_RANK").asc_nulls_last(), *order)
    )
    numbered = first.select(
        "FILM_ID",
        "GENRE",
        "SOURCE",
        position.cast(LongType()).alias("POSITION"),
        pick.alias("PICK"),
        F.count("GENRE").over(by_film).cast(LongType()).alias("GENRE_COUNT"),
    )
    return GenreFrames(
        movie_genres=numbered.filter(~without).select("FILM_ID", "GENRE", "POSITION", "SOURCE"),
        movie_primary_genre=numbered.filter(F.col("PICK") == 1).select(
            "FILM_ID",
            F.coalesce(F.col("GENRE"), F.lit(rules.unknown_genre)).alias("PRIMARY_GENRE"),
            "GENRE_COUNT",
        ),
        rejected=joined.filter(F.col("REASON").is_not_null()).select(*SOURCE_COLUMNS, "REASON"),
    )
