"""The raw input contract (DESIGN §3) as data: files, columns, kinds of value and keys.

Each column has a *kind*. :mod:`.sql` turns a kind into the SQL that casts a text value and says
when it is a fault, so each rule is written once here and applied where the bytes already are: in
the structural pass that reads every record of the file (:mod:`.scan`).
"""

from __future__ import annotations

from dataclasses import dataclass

# kind -> what a valid value looks like (the words of every reject reason)
KIND_DESCRIPTIONS = {
    "id": "a positive integer",
    "optional_id": "empty or a positive integer",
    "count": "empty or a non-negative whole number",
    "rating": "a rating from 0.5 to 5.0 in steps of 0.5",
    "epoch": "epoch seconds (a whole number from 0, before the year 2100)",
    "money": "empty or a non-negative number",
    "number": "empty or a number",
    "date": "empty or a date YYYY-MM-DD between 1870 and 2100",
    "text": "text",
}

# kind -> type of the column in the RAW table
KIND_SQL_TYPES = {
    "id": "bigint",
    "optional_id": "bigint",
    "count": "bigint",
    "rating": "number(2, 1)",
    "epoch": "bigint",
    "money": "double",
    "number": "double",
    "date": "date",
    "text": "varchar",
}


@dataclass(frozen=True)
class Column:
    source: str  # header name in the file
    target: str  # column name in the RAW table
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KIND_DESCRIPTIONS:
            raise ValueError(f"unknown column kind {self.kind!r} for {self.source}")

    @property
    def sql_type(self) -> str:
        return KIND_SQL_TYPES[self.kind]

    @property
    def expectation(self) -> str:
        return f"{self.source}: expected {KIND_DESCRIPTIONS[self.kind]}"


@dataclass(frozen=True)
class FileContract:
    name: str  # dataset name suffix: movies -> raw_movies
    path: str  # relative to raw_uri
    table: str  # RAW table name
    columns: tuple[Column, ...]
    key: str | None = None  # source column whose values must be unique; the first row wins
    optional: bool = False  # an absent file loads as an empty table

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.source for c in self.columns)

    def column(self, source: str) -> Column:
        return next(c for c in self.columns if c.source == source)

    @property
    def key_column(self) -> Column | None:
        return self.column(self.key) if self.key else None

    @property
    def numbered(self) -> bool:
        """Whether its RAW rows carry their line in the file (``_LINE_NUMBER``).

        Files with a key do: the first row of each key in file order is the one kept, and the
        models keep the line of each film. Numbering the rows of the big files without a key
        (ratings, tags) would cost a second pass over every row; their faulty rows keep their
        lines in ``REJECTED_ROWS`` all the same.
        """
        return self.key is not None


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
    # Both flavours (TMDB 5000 and Kaggle's "The Movies Dataset") carry these columns, in
    # different orders and among others; the other columns are not loaded.
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
