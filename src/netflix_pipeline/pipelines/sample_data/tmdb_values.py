"""Per-film values of the metadata file: money, votes, runtime, language, status, extras."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .films import Films
from .genre_table import CANONICAL
from .timeline import FIRST_YEAR
from .tmdb_text import poster_paths
from .vocabulary import LANGUAGES, TAGLINES


@dataclass(frozen=True)
class MetadataValues:
    """One item per metadata row; lists where rows are built item by item."""

    budget: np.ndarray
    revenue: np.ndarray
    vote_count: np.ndarray
    vote_avg: np.ndarray
    popularity: list[float]
    runtime: np.ndarray
    no_runtime: list[bool]
    dates: np.ndarray  # YYYY-MM-DD
    lang: list[int]  # index in LANGUAGES
    status: list[str]
    has_tagline: list[bool]
    tagline: np.ndarray  # index in TAGLINES
    newline: np.ndarray  # the overview holds line breaks
    posters: list[str]
    collection: list[bool]
    homepage: list[bool]
    n_companies: list[int]


def draw_values(rng: np.random.Generator, films: Films, kaggle: bool) -> MetadataValues:
    """The metadata values of ``films``, drawn in a fixed order from ``rng``."""
    money = _money_and_votes(rng, films, kaggle)
    return MetadataValues(**money, **_details(rng, films, kaggle))


def _money_and_votes(rng: np.random.Generator, films: Films, kaggle: bool) -> dict:
    n = films["year"].size
    pos = films["year"] - FIRST_YEAR
    # zero budget / revenue: common, and more so for old films and in Kaggle's file
    p_no_budget = (0.85 if kaggle else 0.35) - (0.40 if kaggle else 0.20) * pos / 100
    has_budget = rng.random(n) >= p_no_budget
    has_revenue = np.where(has_budget, rng.random(n) >= 0.3, rng.random(n) >= 0.85)
    vote_count = np.round(
        np.exp(3.0 + 1.2 * films["hype"] + 0.02 * pos + rng.normal(0, 0.8, n)) - 2
    ).astype(np.int64)
    vote_count = np.maximum(vote_count, 0)
    vote_avg = np.clip(6.1 + 1.6 * films["quality"] + rng.normal(0, 0.5, n), 1.0, 9.5)
    return {
        "budget": np.where(has_budget, films["budget"], 0),
        "revenue": np.where(has_revenue, films["revenue"], 0),
        "vote_count": vote_count,
        "vote_avg": np.where(vote_count > 0, np.round(vote_avg, 1), 0.0),
        "popularity": (films["popularity"] * rng.lognormal(0.0, 0.3, n)).tolist(),
    }


def _details(rng: np.random.Generator, films: Films, kaggle: bool) -> dict:
    n = films["year"].size
    pos = films["year"] - FIRST_YEAR
    runtime = np.clip(
        rng.normal(92 + 0.15 * pos, 18, n) - 12 * films["member"][:, CANONICAL.index("Animation")],
        45,
        240,
    ).astype(np.int64)
    no_runtime = rng.random(n) < 0.01
    lang_p = np.array([x[2] for x in LANGUAGES])
    lang = rng.choice(len(LANGUAGES), size=n, p=lang_p / lang_p.sum())
    status = rng.choice(
        np.array(["Released", "Rumored", "Post Production"], dtype=object),
        size=n,
        p=[0.985, 0.01, 0.005],
    )
    has_tagline = rng.random(n) < 0.45
    tagline = rng.integers(0, len(TAGLINES), n)
    newline = rng.random(n) < (0.01 if kaggle else 0.0)
    posters = poster_paths(rng, n)
    collection = rng.random(n) < 0.1
    homepage = rng.random(n) < 0.15
    n_companies = rng.choice(4, size=n, p=[0.25, 0.4, 0.25, 0.1]).tolist()
    return {
        "runtime": runtime,
        "no_runtime": no_runtime.tolist(),
        "dates": np.datetime_as_string(films["release"], unit="D"),
        "lang": lang.tolist(),
        "status": status.tolist(),
        "has_tagline": has_tagline.tolist(),
        "tagline": tagline,
        "newline": newline,
        "posters": posters,
        "collection": collection.tolist(),
        "homepage": homepage.tolist(),
        "n_companies": n_companies,
    }
