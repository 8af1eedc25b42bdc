"""Shared pieces of the genre tests: the rules from the parameters, frames, strategies."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from netflix_pipeline.pipelines.genres.films import GenreResult
from netflix_pipeline.pipelines.genres.rules import GenreRules

REPO = Path(__file__).resolve().parents[3]
PARAMS_FILE = REPO / "conf" / "base" / "parameters_genres.yml"
SHARED_DATA = REPO.parent / "shared" / "data"


def load_params() -> dict:
    with PARAMS_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


RULES = GenreRules.from_params(load_params())


def sources_frame(rows: list[tuple[int, str, int, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["film_id", "source", "item_order", "genres_raw"]).astype(
        {"film_id": "int64", "item_order": "int64", "genres_raw": object}
    )


def genres_of(result: GenreResult, film_id: int) -> list[str]:
    frame = result.movie_genres
    return frame.loc[frame["film_id"] == film_id].sort_values("position")["genre"].tolist()


def primary_of(result: GenreResult, film_id: int) -> str:
    frame = result.movie_primary_genre.set_index("film_id")
    return frame.loc[film_id, "primary_genre"]


def assert_same_result(a: GenreResult, b: GenreResult) -> None:
    for field in ("movie_genres", "movie_primary_genre", "rejected"):
        pd.testing.assert_frame_equal(
            getattr(a, field).reset_index(drop=True), getattr(b, field).reset_index(drop=True)
        )
    pd.testing.assert_series_equal(a.unknown_counts, b.unknown_counts)


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
