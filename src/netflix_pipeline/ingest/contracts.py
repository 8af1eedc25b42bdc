"""The raw input contract (DESIGN §3) as data: files, columns, types and keys.

Each column has a *kind*; :mod:`netflix_pipeline.ingest.sql` turns a kind into a Snowflake SQL
cast and a check, so the rules live here once and are applied where the data is.
"""

from __future__ import annotations

from dataclasses import dataclass

# kind -> what a valid value looks like (used in reject reasons)
KIND_DESCRIPTIONS = {
    "id": "a positive integer",
    "optional_id": "empty or a positive integer",
    "count": "empty or a non-negative whole number",
    "rating": "a rating from 0.5 to 5.0 in steps of 0.5",
    "epoch": "epoch seconds (a non-negative integer)",
    "money": "empty or a non-negative number",
    "number": "empty or a number",
    "date": "empty or a date (YYYY-MM-DD)",
    "text": "text",
    "required_text": "non-empty text",
}


@dataclass(frozen=True)
class Column:
    source: str  # header name in the file
    target: str  # column name in the RAW table
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KIND_DESCRIPTIONS:
            raise ValueError(f"unknown column kind {self.kind!r} for {self.source}")


@dataclass(frozen=True)
class FileContract:
    name: str  # dataset name suffix: movies -> raw_movies
    path: str  # relative to raw_uri
    table: str  # RAW table name
    columns: tuple[Column, ...]
    key: str | None = None  # source column that must be unique
    optional: bool = False

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.source for c in self.columns)

    def column(self, source: str) -> Column:
        return next(c for c in self.columns if c.source == source)


CONTRACTS: tuple[FileContract, ...] = (
    FileContract(
        name="movies",
        path="movielens/movies.csv",
        table="MOVIES",
        columns=(
            Column("movieId", "MOVIE_ID", "id"),
            Column("title", "TITLE", "text"),
            Column("genres", "GENRES", "text"),
        ),
        key="movieId",
    ),
    FileContract(
        name="ratings",
        path="movielens/ratings.csv",
        table="RATINGS",
        columns=(
            Column("userId", "USER_ID", "id"),
            Column("movieId", "MOVIE_ID", "id"),
            Column("rating", "RATING", "rating"),
            Column("timestamp", "RATED_AT_EPOCH", "epoch"),
        ),
    ),
    FileContract(
        name="links",
        path="movielens/links.csv",
        table="LINKS",
        columns=(
            Column("movieId", "MOVIE_ID", "id"),
            Column("imdbId", "IMDB_ID", "optional_id"),
            Column("tmdbId", "TMDB_ID", "optional_id"),
        ),
        key="movieId",
    ),
    FileContract(
        name="tags",
        path="movielens/tags.csv",
        table="TAGS",
        columns=(
            Column("userId", "USER_ID", "id"),
            Column("movieId", "MOVIE_ID", "id"),
            Column("tag", "TAG", "text"),
            Column("timestamp", "TAGGED_AT_EPOCH", "epoch"),
        ),
        optional=True,
    ),
    FileContract(
        name="movies_metadata",
        path="tmdb/movies_metadata.csv",
        table="MOVIES_METADATA",
        columns=(
            Column("id", "TMDB_ID", "id"),
            Column("title", "TITLE", "text"),
            Column("release_date", "RELEASE_DATE", "date"),
            Column("budget", "BUDGET", "money"),
            Column("revenue", "REVENUE", "money"),
            Column("genres", "GENRES", "text"),
            Column("vote_average", "VOTE_AVERAGE", "number"),
            Column("vote_count", "VOTE_COUNT", "count"),
        ),
        key="id",
    ),
)

CONTRACTS_BY_NAME = {c.name: c for c in CONTRACTS}
