"""Shared pieces of the genre tests: the rules from the parameters, the stage on the emulator,
results, strategies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from netflix_pipeline.pipelines.genres.nodes import (
    genre_values,
    normalize_genres,
    summarize_genres,
)
from netflix_pipeline.pipelines.genres.rules import GenreRules
from netflix_pipeline.warehouse import get_warehouse
from netflix_pipeline.warehouse.datasets import SnowparkTableDataset

REPO = Path(__file__).resolve().parents[3]
PARAMS_FILE = REPO / "conf" / "base" / "parameters_genres.yml"
SHARED_DATA = REPO.parent / "shared" / "data"


def load_params() -> dict:
    with PARAMS_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


PARAMS = load_params()["genres"]
RULES = GenreRules.from_params(PARAMS)

SOURCE_COLUMNS = ["film_id", "source", "item_order", "genres_raw", "source_line_number"]


def sources_frame(rows: list[tuple[int, str, int, object]]) -> pd.DataFrame:
    """Source rows as the stage reads them; row i came from line i + 2 of its file."""
    frame = pd.DataFrame(rows, columns=SOURCE_COLUMNS[:4]).astype(
        {"film_id": "int64", "item_order": "int64", "genres_raw": object}
    )
    return frame.assign(source_line_number=range(2, len(frame) + 2))


@dataclass(frozen=True)
class StageResult:
    """What the genre stage wrote, in pandas, in a fixed order (lower-case columns).

    * ``movie_genres``: ``film_id, genre, position, source``;
    * ``movie_primary_genre``: ``film_id, primary_genre, genre_count``;
    * ``rejected``: REJECTED_ROWS' columns;
    * ``unknown``: films per genre outside the hierarchy, most first, ties by name.
    """

    movie_genres: pd.DataFrame
    movie_primary_genre: pd.DataFrame
    rejected: pd.DataFrame
    unknown: dict[str, int]


def tidy(movie_genres, movie_primary_genre, rejected, unknown) -> StageResult:
    """The frames in a fixed order with plain dtypes, so that two results compare equal."""
    genres = movie_genres.rename(columns=str.lower).astype(
        {"film_id": "int64", "genre": object, "position": "int64", "source": object}
    )
    primary = movie_primary_genre.rename(columns=str.lower).astype(
        {"film_id": "int64", "primary_genre": object, "genre_count": "int64"}
    )
    bad = rejected.rename(columns=str.lower).astype({"line_number": "int64"})
    return StageResult(
        movie_genres=genres.sort_values(["film_id", "position"]).reset_index(drop=True),
        movie_primary_genre=primary.sort_values("film_id").reset_index(drop=True),
        rejected=bad.sort_values(["source_file", "line_number"]).reset_index(drop=True),
        unknown=dict(sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


class GenreStage:
    """The genre stage's nodes on an emulator: source rows in, what they wrote out.

    The sources go into a table; :func:`genre_values` reads its distinct values and its result
    is saved as the catalog saves it (through the stage); :func:`normalize_genres` then runs on
    Snowpark DataFrames of both tables, and its lazy results are read back for the checks.
    """

    def __init__(self, credentials: dict, stage_uri: str) -> None:
        self.credentials = credentials
        self.warehouse = get_warehouse(credentials)
        self.values = SnowparkTableDataset("GENRE_TEST.GENRE_VALUES", credentials, stage_uri)
        self._sources = SnowparkTableDataset("GENRE_TEST.SOURCES", credentials, stage_uri)

    def sources(self, frame: pd.DataFrame):
        """``frame`` as the table ``GENRE_TEST.SOURCES``, read lazily.

        Through the stage, not as literals in an INSERT: the emulator reads ``$name`` in a
        string literal as a session variable.
        """
        self._sources.save(frame[SOURCE_COLUMNS].astype({"genres_raw": "string"}))
        return self._sources.load()

    def run(self, frame: pd.DataFrame, params: dict = PARAMS, summary: bool = True) -> StageResult:
        """What the stage makes of ``frame``; ``summary=False`` leaves ``unknown`` empty (five
        statements fewer, for the properties)."""
        sources = self.sources(frame)
        self.values.save(genre_values({}, sources, params))
        outputs = normalize_genres(sources, self.values.load(), params)
        unknown = summarize_genres(*outputs, params)["unknown_genres"] if summary else {}
        return tidy(*(output.to_pandas() for output in outputs), unknown)


def genres_of(result: StageResult, film_id: int) -> list[str]:
    frame = result.movie_genres
    return frame.loc[frame["film_id"] == film_id].sort_values("position")["genre"].tolist()


def primary_of(result: StageResult, film_id: int) -> str:
    frame = result.movie_primary_genre.set_index("film_id")
    return frame.loc[film_id, "primary_genre"]


def assert_same_result(a: StageResult, b: StageResult) -> None:
    for field in ("movie_genres", "movie_primary_genre", "rejected"):
        pd.testing.assert_frame_equal(getattr(a, field), getattr(b, field))
    top = min(len(a.unknown), len(b.unknown))  # the summary lists the first 20
    assert list(a.unknown.items())[:top] == list(b.unknown.items())[:top]


KNOWN_SPELLINGS = [
    *RULES.hierarchy,
    "sci-fi", " Sci-Fi ", "SCIFI", "science fiction", "Children's", "CHILDREN'S", "family",
    "Film Noir", "film-noir", "Sports", "drama", "  ACTION", "IMAX", "(no genres listed)",
    "TV Movie", "foreign", "", "  ", "Superhero", "post-apocalyptic", "Martial  Arts", "biopic",
    "rock 'n' roll", "Café", "3d",
]  # fmt: skip
# Names from a readable alphabet (letters, accents, digits, blanks, punctuation met in genres).
WORDS = st.text(alphabet="abcXYZéÉßø09 -'&.()\t", max_size=14)
NAMES = st.one_of(st.sampled_from(KNOWN_SPELLINGS), WORDS)

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def encode(names: list[str], encoding: str, ids: list[int]) -> str:
    if encoding == "tmdb":
        return json.dumps([{"id": i, "name": n} for i, n in zip(ids, names, strict=False)])
    if encoding == "kaggle":
        return repr([{"id": i, "name": n} for i, n in zip(ids, names, strict=False)])
    if encoding == "json_strings":
        return json.dumps(names)
    if encoding == "py_strings":
        return repr(names)
    if encoding == "pipe_spaced":
        return " | ".join(names)
    return "|".join(names)


ENCODINGS = ["tmdb", "kaggle", "json_strings", "py_strings", "pipe", "pipe_spaced"]
