"""Deterministic generator of MovieLens + TMDB shaped raw files (DESIGN.md §3).

The files follow the raw input contract::

    <out>/movielens/movies.csv    movieId,title,genres
    <out>/movielens/ratings.csv   userId,movieId,rating,timestamp
    <out>/movielens/links.csv     movieId,imdbId,tmdbId
    <out>/movielens/tags.csv      userId,movieId,tag,timestamp
    <out>/tmdb/movies_metadata.csv   Kaggle "The Movies Dataset" or TMDB 5000 flavour

Everything is drawn from numpy generators seeded by ``seed`` (one independent stream per
component), so the same arguments give byte-identical files. Ratings are built per block of
users with vectorized numpy and written with pyarrow, so even ``large`` (32M ratings) takes
about a minute and little memory.

The data is shaped like the real thing: long-tailed popularity of movies and activity of users,
ratings skewed toward 3-4 stars (whole stars only before 2003, as on MovieLens), release years
1920-2020 with more films in later decades, genre mixes that drift by decade, log-normal budgets
that grow over the decades with revenues correlated to them (and some losses), zero budgets and
revenues for many metadata rows.

With ``faults=True`` a small number of bad rows is planted in every file (well under 2% of rows,
each kind counted in the returned dict): messy genre spellings, out-of-range ratings, ratings rows
with a wrong column count, a duplicate movieId, links with an empty tmdbId, a duplicate metadata id
(the later row differs and is the one to reject), a non-numeric budget, empty release dates and,
for the Kaggle flavour, rows shifted like Kaggle's real ones (``id`` holds a date).

Command line::

    python -m netflix_pipeline.pipelines.sample_data.generator --scale medium --out DIR \
        [--seed N] [--flavour tmdb]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

log = logging.getLogger(__name__)

SCALES: dict[str, dict] = {
    # for tests: generated in well under a second
    "tiny": {"movies": 300, "ratings": 5_000, "users": 100},
    # committed to data/01_raw: a few MB in total
    "sample": {"movies": 3_000, "ratings": 100_000, "users": 600},
    # about ml-latest-small
    "small": {"movies": 9_742, "ratings": 100_836, "users": 610},
    "medium": {"movies": 30_000, "ratings": 5_000_000, "users": 40_000},
    # about ml-32m joined with Kaggle's movies_metadata.csv
    "large": {"movies": 87_585, "ratings": 32_000_204, "users": 200_948, "metadata_rows": 45_466},
}

FLAVOURS = ("kaggle", "tmdb")

MOVIES_COLUMNS = ["movieId", "title", "genres"]
RATINGS_COLUMNS = ["userId", "movieId", "rating", "timestamp"]
LINKS_COLUMNS = ["movieId", "imdbId", "tmdbId"]
TAGS_COLUMNS = ["userId", "movieId", "tag", "timestamp"]
KAGGLE_COLUMNS = [
    "adult", "belongs_to_collection", "budget", "genres", "homepage", "id", "imdb_id",
    "original_language", "original_title", "overview", "popularity", "poster_path",
    "production_companies", "release_date", "revenue", "runtime", "status", "tagline", "title",
    "video", "vote_average", "vote_count",
]  # fmt: skip
TMDB_COLUMNS = [
    "id", "title", "release_date", "budget", "revenue", "genres", "vote_average", "vote_count",
    "popularity", "runtime", "original_language", "original_title", "overview", "tagline",
    "status", "production_countries", "spoken_languages",
]  # fmt: skip

FILES = (
    "movielens/movies.csv",
    "movielens/ratings.csv",
    "movielens/links.csv",
    "movielens/tags.csv",
    "tmdb/movies_metadata.csv",
)

FIRST_YEAR, LAST_YEAR = 1920, 2020
START_TS = 820_454_400  # 1996-01-01 00:00:00 UTC: first rating
END_TS = 1_704_067_199  # 2023-12-31 23:59:59 UTC: last rating
HALF_STARS_TS = 1_045_526_400  # 2003-02-18: MovieLens allows half stars from then on
TAGS_START_TS = 1_136_073_600  # 2006-01-01: MovieLens tags start about then
DAY = 86_400

# Canonical genres and how each source spells them (None: the source has no such genre).
# Per genre: weight by release year = floor + amp * exp(-((year - peak) / width)^2 / 2),
# log budget effect and log return (revenue / budget) effect.
#  canonical, MovieLens, TMDB (id, name), floor, amp, peak, width, budget, roi
_GENRES = [
    ("Action", "Action", (28, "Action"), 0.03, 0.55, 2012, 28, 0.7, 0.10),
    ("Adventure", "Adventure", (12, "Adventure"), 0.10, 0.25, 2010, 30, 0.8, 0.20),
    ("Animation", "Animation", (16, "Animation"), 0.01, 0.22, 2015, 22, 1.0, 0.40),
    ("Children", "Children", (10751, "Family"), 0.02, 0.22, 2005, 25, 0.4, 0.20),
    ("Comedy", "Comedy", (35, "Comedy"), 0.55, 0.30, 1995, 40, -0.1, 0.05),
    ("Crime", "Crime", (80, "Crime"), 0.25, 0.15, 1995, 30, -0.1, 0.00),
    ("Documentary", "Documentary", (99, "Documentary"), 0.005, 0.30, 2015, 15, -1.8, 0.30),
    ("Drama", "Drama", (18, "Drama"), 0.90, 0.20, 1990, 50, -0.3, -0.10),
    ("Fantasy", "Fantasy", (14, "Fantasy"), 0.03, 0.22, 2012, 22, 0.6, 0.10),
    ("Film-Noir", "Film-Noir", None, 0.003, 0.55, 1947, 6, -0.5, 0.10),
    ("History", None, (36, "History"), 0.05, 0.05, 1960, 30, 0.2, -0.10),
    ("Horror", "Horror", (27, "Horror"), 0.04, 0.45, 2015, 25, -0.7, 0.60),
    ("Musical", "Musical", (10402, "Music"), 0.02, 0.50, 1945, 14, 0.2, 0.00),
    ("Mystery", "Mystery", (9648, "Mystery"), 0.12, 0.08, 1945, 20, -0.1, 0.00),
    ("Romance", "Romance", (10749, "Romance"), 0.20, 0.35, 1950, 30, -0.2, 0.05),
    ("Science Fiction", "Sci-Fi", (878, "Science Fiction"), 0.02, 0.40, 2015, 28, 0.8, 0.30),
    ("Thriller", "Thriller", (53, "Thriller"), 0.10, 0.45, 2010, 30, 0.0, 0.10),
    ("War", "War", (10752, "War"), 0.05, 0.30, 1948, 15, 0.3, -0.05),
    ("Western", "Western", (37, "Western"), 0.01, 0.65, 1955, 13, 0.0, -0.20),
]
_G_CANON = [g[0] for g in _GENRES]
_G_ML = [g[1] for g in _GENRES]
_G_TMDB = [g[2] for g in _GENRES]
_G_BUDGET = np.array([g[7] for g in _GENRES])
_G_ROI = np.array([g[8] for g in _GENRES])
_G_COUNT_P = np.array([0.33, 0.33, 0.21, 0.09, 0.04])  # films with 1..5 genres


def _genre_year_weights() -> np.ndarray:
    """(years, genres) matrix of genre weights by release year."""
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)[:, None]
    floor, amp, peak, width = (np.array([g[i] for g in _GENRES])[None, :] for i in range(3, 7))
    return floor + amp * np.exp(-0.5 * ((years - peak) / width) ** 2)


# Messy spellings (all normalize back per DESIGN.md §4) and non-genres planted with faults=True.
_VARIANTS = {
    "Science Fiction": [" sci-fi ", "SciFi", "Science fiction", "SCI-FI"],
    "Children": ["CHILDREN'S", "Children's", " children"],
    "Film-Noir": ["Film Noir", "film-noir"],
}
_NON_GENRES = [(0, "IMAX"), (10770, "TV Movie"), (10769, "Foreign"), (0, "Sports")]
_VARIANT_OF = {v: c for c, vs in _VARIANTS.items() for v in vs}
_MESSY_RECIPES = [  # most important first: small files get only the first few
    ("variant", " sci-fi "), ("variant", "CHILDREN'S"), ("variant", "Film Noir"),
    ("add", "Sports"), ("variant", "SciFi"), ("variant", "Science fiction"), ("add", "IMAX"),
    ("duplicate", ""), ("empty_item", ""), ("add", "TV Movie"), ("add", "Foreign"),
    ("odd_case", ""), ("variant", "SCI-FI"), ("variant", "Children's"),
]  # fmt: skip

# Word lists for titles, overviews, taglines, tags and companies.


def _words(text: str) -> list[str]:
    return text.split()


_ADJ = _words(
    """Silent Broken Last Dark Golden Hidden Lost Secret Wild Burning Frozen Crimson Eternal
Forgotten Little Long Midnight Quiet Savage Sweet Bitter Electric Endless Final First Strange
Lonely Brave Crooked Distant Empty Fallen Glass Iron Lucky Northern Pale Perfect Red Blue Black
White Steel Velvet Wicked Young Ancient Restless Shattered Hollow Invisible Reckless Sacred
Deadly Happy Stolen True Cold Hot High"""
)
_NOUN = _words(
    """Harbor Road River City Night Storm Garden Empire Kingdom Mirror Shadow Heart Dream
Witness Stranger Promise Journey Island Mountain Station Bridge Letter Secret Hunter Soldier
Widow Saint Sinner Ghost Machine Planet Frontier Desert Ocean Forest Castle Prison Circus Horizon
Echo Legacy Memory Signal Code Verdict Affair Summer Winter Spring Autumn Game Gambit Chase
Escape Return Rebellion Exile Voyage Paradise Inferno Sky Star Moon Sun Wolf Tiger Falcon Raven
Dragon Angel Devil Queen King Prince Thief Spy Doctor Detective Cowboy Sheriff Outlaw"""
)
_FIRST = _words(
    """Anna Ben Clara David Elena Frank Grace Henry Iris Jack Kate Leo Maria Nick Olivia Paul
Rosa Sam Tom Vera Walter Zoë José Amélie Søren François Ingrid Mateo Yuki Ørnås"""
)
_LAST = _words(
    """Walker Stone Reyes Novak Fischer Moreau Quinn Hale Duarte Lindqvist Okafor Brennan
Castillo Weber Marsh Kowalski Tanaka Dubois Lang Ferreira"""
)
_JOBS = _words(
    """detective nurse soldier teacher journalist pilot boxer thief scientist widow lawyer
musician farmer priest dancer smuggler sheriff photographer hacker chef"""
)
_VERBS = _words("""find stop save escape expose outwit protect survive rescue confront""")
_EVENTS = [
    "the storm breaks",
    "the city wakes up",
    "it is too late",
    "the war reaches the village",
    "the last train leaves",
    "the truth comes out",
    "midnight",
    "the election",
    "the wedding",
    "the money runs out",
]
_TAGLINES = [
    "Some secrets never die.",
    "One night. One chance.",
    "Trust no one.",
    'The "perfect" plan.',
    "Every family has a story.",
    "Run, hide, survive.",
    "Nothing will ever be the same.",
    "Based on a true story.",
    "The legend begins.",
    "Love is a battlefield.",
]
_TAGS = [
    "atmospheric", "funny", "twist ending", "based on a book", "dark comedy",
    "visually appealing", "Highly quotable", "thought-provoking", "sci-fi", "classic",
    "nonlinear", "great soundtrack", "romance", "violence", "surreal", "cult film", "quirky",
    "predictable", "overrated", "Oscar (Best Picture)", "World War II", "space", "time travel",
    "heist", "revenge", "slow burn", "feel-good", "boring", "beautiful scenery",
    "black and white", "funny, but slow", 'the "twist"', "In Netflix queue", "remake",
    "female lead",
]  # fmt: skip
_COMPANIES = [
    (3, "Pixar Animation Studios"), (4, "Paramount"), (5, "Columbia Pictures"),
    (33, "Universal Pictures"), (174, "Warner Bros."), (2, "Walt Disney Pictures"),
    (25, "20th Century Fox"), (7, "DreamWorks"), (8411, "Metro-Goldwyn-Mayer (MGM)"),
    (1632, "Lionsgate"), (14, "Miramax"), (41, "Orion Pictures"), (60, "United Artists"),
    (11176, "Carousel Productions"), (591, "France 3 Cinéma"), (9993, "DC Entertainment"),
]  # fmt: skip
_LANGS = [
    ("en", "English", 0.74),
    ("fr", "Français", 0.06),
    ("it", "Italiano", 0.03),
    ("ja", "日本語", 0.03),
    ("de", "Deutsch", 0.03),
    ("es", "Español", 0.03),
    ("ru", "Pусский", 0.02),
    ("hi", "हिन्दी", 0.02),
    ("ko", "한국어/조선말", 0.02),
    ("sv", "svenska", 0.02),
]
_COUNTRIES = {
    "en": ("US", "United States of America"), "fr": ("FR", "France"), "it": ("IT", "Italy"),
    "ja": ("JP", "Japan"), "de": ("DE", "Germany"), "es": ("ES", "Spain"),
    "ru": ("RU", "Russia"), "hi": ("IN", "India"), "ko": ("KR", "South Korea"),
    "sv": ("SE", "Sweden"),
}  # fmt: skip

_RATINGS_BLOCK = 2_000_000  # ratings generated and written per block of users
_OUT_OF_RANGE = (70, 3, 0, 55, -10, 100)  # planted ratings x10: 7.0, 0.3, 0.0, 5.5, -1.0, 10.0

# Independent random streams, so e.g. the number of ratings does not change the movies.
_S_FILMS, _S_EXTRA, _S_IDS, _S_USERS, _S_RATINGS, _S_TAGS, _S_META, _S_FAULTS = range(8)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


# --------------------------------------------------------------------------------------------
# films


def _films(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Attributes of n films: release date, genres, popularity, quality, money, titles."""
    years_all = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    p_year = np.exp(0.035 * (years_all - FIRST_YEAR))
    year = rng.choice(years_all, size=n, p=p_year / p_year.sum())
    # (year - 1970) as datetime64[Y] is the 1st of January of the year: add a day of the year
    release = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(
        0, 365, n
    ).astype("timedelta64[D]")

    # genres: top-k of (log weight + Gumbel noise), per film, by the release year's mix
    n_genres = rng.choice(np.arange(1, 6), size=n, p=_G_COUNT_P)
    keys = np.log(_genre_year_weights()[year - FIRST_YEAR]) + rng.gumbel(size=(n, len(_GENRES)))
    order = np.argsort(-keys, axis=1)[:, : len(_G_COUNT_P)]
    order = np.where(np.arange(order.shape[1])[None, :] < n_genres[:, None], order, -1)
    no_genres = rng.random(n) < 0.005  # "(no genres listed)"
    order[no_genres] = -1
    member = np.zeros((n, len(_GENRES)), dtype=bool)
    rows, cols = np.nonzero(order >= 0)
    member[rows, order[rows, cols]] = True
    k = np.maximum(member.sum(axis=1), 1)

    hype = rng.normal(size=n)  # shared by popularity, budget and votes
    quality = rng.normal(0.0, 0.5, n)
    decade_pos = year - FIRST_YEAR
    log_budget = (
        np.log(3e5)
        + 0.044 * decade_pos
        + member @ _G_BUDGET / k
        + 0.6 * hype
        + rng.normal(0.0, 0.9, n)
    )
    budget = np.exp(np.clip(log_budget, np.log(1e4), np.log(4e8)))
    scale = 10.0 ** (np.floor(np.log10(budget)) - 1)
    budget = (np.round(budget / scale) * scale).astype(np.int64)  # two significant digits
    log_return = member @ _G_ROI / k + 0.4 * hype + 0.5 * quality + rng.normal(0.25, 1.0, n)
    revenue = np.round(budget * np.exp(np.clip(log_return, -6, 4.5))).astype(np.int64)

    popularity = np.exp(
        1.3 * hype + 1.0 * rng.normal(size=n) + 0.3 * quality + 0.02 * np.minimum(year - 2000, 0)
    )

    # titles: a few patterns over word lists; ML moves a leading "The" to the end
    adj = np.array(_ADJ, dtype=object)[rng.integers(0, len(_ADJ), n)]
    noun = np.array(_NOUN, dtype=object)[rng.integers(0, len(_NOUN), n)]
    noun2 = np.array(_NOUN, dtype=object)[rng.integers(0, len(_NOUN), n)]
    first = np.array(_FIRST, dtype=object)[rng.integers(0, len(_FIRST), n)]
    pattern = rng.choice(6, size=n, p=[0.3, 0.2, 0.15, 0.1, 0.15, 0.1])
    base = np.select(
        [pattern == 0, pattern == 1, pattern == 2, pattern == 3, pattern == 4],
        [
            "The " + adj + " " + noun,
            adj + " " + noun,
            noun + " of the " + noun2,
            first + "'s " + noun,
            "The " + noun,
        ],
        default=noun + ": " + adj + " " + noun2,
    )
    sequel = rng.random(n) < 0.05
    base = np.where(sequel, base + np.array([" 2", " 3", " II"], dtype=object)[year % 3], base)
    starts_the = np.array([t.startswith("The ") for t in base])
    moved = starts_the & (rng.random(n) < 0.6)
    ml_base = np.where(moved, np.array([t[4:] + ", The" for t in base], dtype=object), base)

    return {
        "year": year,
        "release": release,
        "order": order,
        "member": member,
        "hype": hype,
        "quality": quality,
        "budget": budget,
        "revenue": revenue,
        "popularity": popularity,
        "title": base,
        "ml_title": ml_base,
    }


def _unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """n distinct sorted ints in [low, high)."""
    return np.sort(rng.choice(high - low, size=n, replace=False) + low)


def _release_ts(films: dict[str, np.ndarray]) -> np.ndarray:
    return films["release"].astype("datetime64[s]").astype(np.int64)


# --------------------------------------------------------------------------------------------
# genre strings


def _apply_recipe(
    names: list[str], canon: list[str], recipe: tuple[str, str], rng: np.random.Generator
) -> list[str]:
    """A film's genre names made messy by one recipe (normalization undoes it)."""
    kind, value = recipe
    names = list(names)
    if kind == "variant":
        names[canon.index(_VARIANT_OF[value])] = value
        return names
    i = int(rng.integers(len(names)))
    if kind == "add":
        names.insert(i + 1, value)
    elif kind == "duplicate":
        names.insert(i + 1, names[i])
    elif kind == "empty_item":
        names.insert(i + 1, "")
    else:  # odd case or stray blanks
        change = [str.upper, str.lower, str.swapcase, lambda x: f" {x}  "][int(rng.integers(4))]
        names[i] = change(names[i])
    return names


def _plant_messy(
    rng: np.random.Generator, films: list[list[int]], spell: list[str | None]
) -> dict[int, list[str]]:
    """Messy genre lists for a few films: {film index: names}.

    ``films`` holds each film's canonical genre indexes in the file's order, ``spell`` the
    source's name of each canonical genre. Every recipe is used once (while there are enough
    rows, most important first), then random ones.
    """
    n = len(films)
    n_messy = max(min(len(_MESSY_RECIPES), n // 50), round(0.008 * n))
    with_genres = np.array([i for i, gs in enumerate(films) if gs], dtype=np.int64)
    pools = {
        c: np.array([i for i in with_genres if _G_CANON.index(c) in films[i]], dtype=np.int64)
        for c in _VARIANTS
    }
    taken: dict[int, list[str]] = {}
    for k in range(min(n_messy, with_genres.size)):
        if k < len(_MESSY_RECIPES):
            recipe = _MESSY_RECIPES[k]
        else:
            recipe = _MESSY_RECIPES[int(rng.integers(len(_MESSY_RECIPES)))]
        pool = with_genres
        if recipe[0] == "variant":
            pool = pools[_VARIANT_OF[recipe[1]]]
            if not np.isin(pool, list(taken), invert=True).any():
                recipe, pool = ("odd_case", ""), with_genres
        while (i := int(pool[rng.integers(pool.size)])) in taken:
            pass
        names = [spell[g] or "" for g in films[i]]
        canon = [_G_CANON[g] for g in films[i]]
        taken[i] = _apply_recipe(names, canon, recipe, rng)
    return taken


def _ml_genres(order: np.ndarray, messy: dict[int, list[str]]) -> list[str]:
    out = []
    for i, row in enumerate(order):
        if i in messy:
            out.append("|".join(messy[i]))
            continue
        names = sorted(_G_ML[g] for g in row if g >= 0 and _G_ML[g] is not None)
        out.append("|".join(names) if names else "(no genres listed)")
    return out


def _tmdb_genre_items(row: np.ndarray) -> list[tuple[int, str]]:
    return [_G_TMDB[g] for g in row if g >= 0 and _G_TMDB[g] is not None]


def _genre_id(name: str) -> int:
    """TMDB id of a (possibly messy) genre name; 0 for unknown names and empty items."""
    key = name.strip().lower()
    for canon, variants in _VARIANTS.items():
        if key in {v.strip().lower() for v in variants}:
            known = _G_TMDB[_G_CANON.index(canon)]
            return known[0] if known else 0
    ids = {n.lower(): gid for gid, n in [*(t for t in _G_TMDB if t), *_NON_GENRES]}
    return ids.get(key, 0)


# --------------------------------------------------------------------------------------------
# writers


def _write_csv(path: Path, header: list[str], rows: Any) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _int_array(values: np.ndarray, type_: pa.DataType) -> pa.Array:
    # zero-copy from the numpy buffer (pa.array would import pandas, seconds without .pyc)
    data = np.ascontiguousarray(values, dtype=type_.to_pandas_dtype())
    return pa.Array.from_buffers(type_, len(data), [None, pa.py_buffer(data)])


def _ratings_block_table(
    user: np.ndarray, movie_id: np.ndarray, rating_x10: np.ndarray, ts: np.ndarray
) -> pa.Table:
    # ratings as decimal(4, 1) so that pyarrow writes 4.0 (not 4) without string conversion
    words = np.empty((len(rating_x10), 2), dtype="<i8")
    words[:, 0] = rating_x10
    words[:, 1] = rating_x10 >> 63
    rating = pa.Array.from_buffers(
        pa.decimal128(4, 1), len(rating_x10), [None, pa.py_buffer(words)]
    )
    columns = [_int_array(user, pa.int32()), _int_array(movie_id, pa.int32()), rating]
    columns.append(_int_array(ts, pa.int64()))
    return pa.Table.from_arrays(columns, names=RATINGS_COLUMNS)


# --------------------------------------------------------------------------------------------
# ratings


def _user_counts(rng: np.random.Generator, ratings: int, users: int, cap: int) -> np.ndarray:
    """Ratings per user: at least 20 (as MovieLens), long-tailed, at most cap; sum = ratings."""
    minimum = min(20, ratings // users // 2)
    weights = rng.lognormal(0.0, 1.2, users)
    counts = minimum + rng.multinomial(ratings - minimum * users, weights / weights.sum())
    for _ in range(100):
        excess = int(np.maximum(counts - cap, 0).sum())
        if not excess:
            break
        counts = np.minimum(counts, cap)
        room = counts < cap
        w = np.where(room, weights, 0.0)
        counts += rng.multinomial(excess, w / w.sum())
    return counts


def _alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table: O(1) weighted draws (searchsorted on a CDF is 10x slower)."""
    n = weights.size
    p = (weights * (n / weights.sum())).tolist()
    prob, alias = [1.0] * n, list(range(n))
    small = [i for i, x in enumerate(p) if x < 1.0]
    large = [i for i, x in enumerate(p) if x >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = p[s], g
        p[g] += p[s] - 1.0
        (small if p[g] < 1.0 else large).append(g)
    return np.array(prob), np.array(alias, dtype=np.int64)


def _draw(rng: np.random.Generator, table: tuple[np.ndarray, np.ndarray], size: int) -> np.ndarray:
    prob, alias = table
    idx = rng.integers(0, prob.size, size)
    return np.where(rng.random(size) < prob[idx], idx, alias[idx])


def _sample_pairs(
    rng: np.random.Generator,
    need: np.ndarray,
    tables: list[tuple[np.ndarray, np.ndarray]],
    n_movies: int,
) -> np.ndarray:
    """Sorted keys user_local * n_movies + movie, need[u] distinct movies per local user.

    Movies are drawn by popularity with replacement; repeats are dropped and the shortfall is
    drawn again, from flatter distributions after a few rounds so that heavy users converge.
    """
    need = need.astype(np.int64).copy()
    n_users = len(need)
    keys = np.empty(0, dtype=np.int64)
    for rnd in range(500):
        if not need.any():
            return keys
        draw = need if rnd == 0 else need + (need + 1) // 2
        lu = np.repeat(np.arange(n_users, dtype=np.int64), draw)
        mv = _draw(rng, tables[min(rnd // 2, len(tables) - 1)], lu.size)
        cand = np.sort(lu * n_movies + mv)
        cand = cand[np.r_[True, cand[1:] != cand[:-1]]]  # np.unique hashes: 20x slower
        if keys.size:
            pos = np.minimum(np.searchsorted(keys, cand), keys.size - 1)
            cand = cand[keys[pos] != cand]
        cu = cand // n_movies
        starts = np.flatnonzero(np.r_[True, cu[1:] != cu[:-1]])
        rank = np.arange(cand.size) - np.repeat(starts, np.diff(np.r_[starts, cand.size]))
        cand = cand[rank < need[cu]]
        keys = np.sort(np.concatenate([keys, cand]), kind="stable")
        need -= np.bincount(cand // n_movies, minlength=n_users)
    raise RuntimeError("could not draw distinct movies per user")  # pragma: no cover


def _write_ratings(
    path: Path,
    seed: int,
    films: dict[str, np.ndarray],
    movie_ids: np.ndarray,
    ratings: int,
    users: int,
    faults: bool,
) -> dict[str, int]:
    n_movies = len(movie_ids)
    cap = max(1, int(0.4 * n_movies))
    if ratings > cap * users:
        raise ValueError(
            f"{ratings} ratings do not fit {users} users x 40% of {n_movies} movies; "
            "raise users or movies"
        )
    rng = _rng(seed, _S_USERS)
    counts = _user_counts(rng, ratings, users, cap)
    bias = rng.normal(0.0, 0.45, users)
    whole_stars = rng.random(users) < 0.35  # users who never give half stars
    start = rng.integers(START_TS, END_TS - DAY, users)
    one_session = rng.random(users) < 0.5
    span = np.where(
        one_session, rng.exponential(2 * 3600, users), rng.exponential(1.5 * 365 * DAY, users)
    ).astype(np.int64)
    span = np.minimum(span, END_TS - start)

    w = films["popularity"]
    tables = [_alias_table(w**a) for a in (1.0, 0.5, 0.0)]
    release_ts = _release_ts(films)
    quality = films["quality"]

    # faults: distinct global row positions for out-of-range ratings and wrong column counts
    frng = _rng(seed, _S_FAULTS, 1)
    n_oor = min(max(2, ratings // 20_000), 40, ratings // 200) if faults else 0
    n_cols = min(2, ratings // 200) if faults else 0
    spots = np.sort(frng.choice(ratings, size=n_oor + n_cols, replace=False))
    kinds = frng.permutation(np.r_[np.zeros(n_oor, int), np.ones(n_cols, int)])
    oor_at, cols_at = spots[kinds == 0], spots[kinds == 1]
    oor_values = np.array(_OUT_OF_RANGE)[np.arange(n_oor) % len(_OUT_OF_RANGE)]

    ends = np.cumsum(counts)
    block_of_user = (ends - 1) // _RATINGS_BLOCK
    bounds = np.r_[0, np.flatnonzero(np.diff(block_of_user)) + 1, users]
    bad_rows = {"rating_out_of_range": 0, "wrong_column_count": 0}

    def block(b: int) -> tuple[int, pa.Table, list[tuple[int, str]]]:
        a, z = bounds[b], bounds[b + 1]
        brng = _rng(seed, _S_RATINGS, b)
        keys = _sample_pairs(brng, counts[a:z], tables, n_movies)
        user = keys // n_movies + a
        mv = keys % n_movies
        n = keys.size
        ts = start[user] + (brng.random(n) * span[user]).astype(np.int64)
        after_release = release_ts[mv] + (brng.exponential(120, n) * DAY).astype(np.int64)
        ts = np.clip(np.maximum(ts, after_release), START_TS, END_TS)
        latent = 3.55 + quality[mv] + bias[user] + brng.normal(0.0, 0.8, n)
        halves = np.clip(np.rint(latent * 2), 1, 10)
        wholes = np.clip(np.rint(latent), 1, 5) * 2
        only_wholes = (ts < HALF_STARS_TS) | whole_stars[user]
        rating_x10 = (np.where(only_wholes, wholes, halves) * 5).astype(np.int64)
        offset = int(ends[a - 1]) if a else 0
        local = oor_at[(oor_at >= offset) & (oor_at < offset + n)] - offset
        rating_x10[local] = oor_values[np.searchsorted(oor_at, local + offset)]
        bad_rows["rating_out_of_range"] += local.size
        table = _ratings_block_table(
            (user + 1).astype(np.int32), movie_ids[mv].astype(np.int32), rating_x10, ts
        )
        raw = []
        for p in cols_at[(cols_at >= offset) & (cols_at < offset + n)] - offset:
            r = f"{rating_x10[p] // 10}.{rating_x10[p] % 10}"
            fields = [str(user[p] + 1), str(movie_ids[mv[p]]), r, str(ts[p])]
            # the first misses its timestamp, the second has one field too many
            missing = np.searchsorted(cols_at, p + offset) % 2 == 0
            fields = fields[:3] if missing else [*fields, str(ts[p])]
            raw.append((int(p), ",".join(fields) + "\n"))
            bad_rows["wrong_column_count"] += 1
        return n, table, raw

    opts = pacsv.WriteOptions(include_header=False, batch_size=65_536)

    def write(f: Any, table: pa.Table, raw: list[tuple[int, str]]) -> None:
        at = 0
        for p, line in raw:
            if p > at:
                pacsv.write_csv(table.slice(at, p - at), f, opts)
            f.write(line.encode())
            at = p + 1
        if at < table.num_rows:
            pacsv.write_csv(table.slice(at), f, opts)

    written = 0
    with path.open("wb") as f, ThreadPoolExecutor(max_workers=1) as pool:
        f.write((",".join(RATINGS_COLUMNS) + "\n").encode())
        pending = None
        for b in range(len(bounds) - 1):
            n, table, raw = block(b)  # next block is drawn while the previous one is written
            if pending is not None:
                pending.result()
            pending = pool.submit(write, f, table, raw)
            written += n
        if pending is not None:
            pending.result()
    return {"rows": written, **bad_rows}


def _write_tags(
    path: Path,
    seed: int,
    films: dict[str, np.ndarray],
    movie_ids: np.ndarray,
    tags: int,
    users: int,
) -> int:
    rng = _rng(seed, _S_TAGS)
    taggers = rng.choice(users, size=max(1, users // 7), replace=False)
    tw = rng.lognormal(0.0, 1.5, taggers.size)
    user = taggers[np.searchsorted(np.cumsum(tw) / tw.sum(), rng.random(tags), side="right")]
    mv = _draw(rng, _alias_table(films["popularity"]), tags)
    tag_w = 1.0 / np.arange(1, len(_TAGS) + 1)
    tag = rng.choice(len(_TAGS), size=tags, p=tag_w / tag_w.sum())
    low = np.maximum(_release_ts(films)[mv] + 30 * DAY, TAGS_START_TS)
    ts = low + (rng.random(tags) * (END_TS - low)).astype(np.int64)
    order = np.lexsort((ts, movie_ids[mv], user))
    names = np.array(_TAGS, dtype=object)
    rows = zip(
        (user[order] + 1).tolist(),
        movie_ids[mv[order]].tolist(),
        names[tag[order]].tolist(),
        ts[order].tolist(),
        strict=True,
    )
    _write_csv(path, TAGS_COLUMNS, rows)
    return tags


# --------------------------------------------------------------------------------------------
# metadata


def _random_paths(rng: np.random.Generator, n: int) -> list[str]:
    alphabet = np.frombuffer(
        b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8
    )
    chars = alphabet[rng.integers(0, alphabet.size, (n, 27))]
    return ["/" + s.decode() + ".jpg" for s in chars.view("S27").ravel()]


def _overviews(rng: np.random.Generator, titles: list[str], newline: np.ndarray) -> list[str]:
    """Plot summaries with commas, quotes and (where ``newline``) embedded line breaks."""
    n = len(titles)
    r = rng.integers(0, 2**31, (n, 12)).tolist()
    parts_order = np.argsort(rng.random((n, 4)), axis=1)
    n_parts = rng.integers(1, 4, n)
    chosen = [sorted(o[:k]) for o, k in zip(parts_order.tolist(), n_parts.tolist(), strict=True)]
    out = []
    for title, x, parts, nl in zip(titles, r, chosen, newline.tolist(), strict=True):
        text = []
        for part in parts:
            if part == 0:
                text.append(
                    f"{_FIRST[x[0] % len(_FIRST)]} {_LAST[x[1] % len(_LAST)]}, a "
                    f"{_JOBS[x[2] % len(_JOBS)]} with a {_ADJ[x[3] % len(_ADJ)].lower()} past, "
                    f"must {_VERBS[x[4] % len(_VERBS)]} the {_NOUN[x[5] % len(_NOUN)].lower()} "
                    f"before {_EVENTS[x[6] % len(_EVENTS)]}."
                )
            elif part == 1:
                text.append(
                    f'Known to everyone as "the {_NOUN[x[7] % len(_NOUN)].lower()}", '
                    f"{_FIRST[x[8] % len(_FIRST)]} has other plans, and little time."
                )
            elif part == 2:
                text.append(
                    f"When {_FIRST[x[9] % len(_FIRST)]} arrives in town, old debts, lies and "
                    "loyalties resurface."
                )
            else:
                text.append(
                    f"{title} is a story about the {_NOUN[x[10] % len(_NOUN)].lower()}, the "
                    f"{_NOUN[x[11] % len(_NOUN)].lower()} and what we owe each other."
                )
        out.append(("\n" if nl else " ").join(text))
    return out


def _metadata(
    seed: int,
    films: dict[str, np.ndarray],
    tmdb_ids: np.ndarray,
    imdb_ids: np.ndarray,
    flavour: str,
    faults: bool,
) -> tuple[list[list[str]], dict[str, int]]:
    """Rows of movies_metadata.csv (header excluded) and the planted faults."""
    rng = _rng(seed, _S_META)
    frng = _rng(seed, _S_FAULTS, 2)
    n = len(tmdb_ids)
    pos = films["year"] - FIRST_YEAR
    kaggle = flavour == "kaggle"

    # zero budget / revenue: common, and more so for old films and in Kaggle's file
    p_no_budget = (0.85 if kaggle else 0.35) - (0.40 if kaggle else 0.20) * pos / 100
    has_budget = rng.random(n) >= p_no_budget
    has_revenue = np.where(has_budget, rng.random(n) >= 0.3, rng.random(n) >= 0.85)
    budget = np.where(has_budget, films["budget"], 0)
    revenue = np.where(has_revenue, films["revenue"], 0)
    vote_count = np.round(
        np.exp(3.0 + 1.2 * films["hype"] + 0.02 * pos + rng.normal(0, 0.8, n)) - 2
    ).astype(np.int64)
    vote_count = np.maximum(vote_count, 0)
    vote_avg = np.clip(6.1 + 1.6 * films["quality"] + rng.normal(0, 0.5, n), 1.0, 9.5)
    vote_avg = np.where(vote_count > 0, np.round(vote_avg, 1), 0.0)
    popularity = films["popularity"] * rng.lognormal(0.0, 0.3, n)
    member = films["member"]
    runtime = np.clip(
        rng.normal(92 + 0.15 * pos, 18, n) - 12 * member[:, _G_CANON.index("Animation")],
        45,
        240,
    ).astype(np.int64)
    no_runtime = rng.random(n) < 0.01
    dates = np.datetime_as_string(films["release"], unit="D")
    lang_p = np.array([x[2] for x in _LANGS])
    lang = rng.choice(len(_LANGS), size=n, p=lang_p / lang_p.sum())
    status = rng.choice(
        np.array(["Released", "Rumored", "Post Production"], dtype=object),
        size=n,
        p=[0.985, 0.01, 0.005],
    )
    has_tagline = rng.random(n) < 0.45
    tagline = rng.integers(0, len(_TAGLINES), n)
    newline = rng.random(n) < (0.01 if kaggle else 0.0)
    posters = _random_paths(rng, n)
    collection = rng.random(n) < 0.1
    homepage = rng.random(n) < 0.15
    n_companies = rng.choice(4, size=n, p=[0.25, 0.4, 0.25, 0.1]).tolist()
    lang, status = lang.tolist(), status.tolist()
    collection, homepage = collection.tolist(), homepage.tolist()
    no_runtime, has_tagline = no_runtime.tolist(), has_tagline.tolist()
    popularity = popularity.tolist()

    counts = {
        "duplicate_id": 0,
        "shifted_row": 0,
        "non_numeric_budget": 0,
        "empty_release_date": 0,
        "messy_genres": 0,
    }
    budget_s = [str(b) for b in budget.tolist()]
    date_s = dates.tolist()
    messy: dict[int, list[str]] = {}
    if faults and n:
        n_bad = max(1, n // 300)
        empty = frng.choice(n, size=min(n_bad, n), replace=False)
        for i in empty.tolist():
            date_s[i] = ""
        counts["empty_release_date"] = len(empty)
        cand = np.flatnonzero(budget > 0)
        if cand.size:
            i = int(cand[frng.integers(cand.size)])
            budget_s[i] = "unknown"
            counts["non_numeric_budget"] = 1
        order = films["order"]
        lists = [[g for g in row if g >= 0 and _G_TMDB[g]] for row in order.tolist()]
        spell = [t[1] if t else None for t in _G_TMDB]
        messy = _plant_messy(frng, lists, spell)
        counts["messy_genres"] = len(messy)

    titles = [str(t) for t in films["title"]]
    overviews = _overviews(rng, titles, newline)
    company_order = np.argsort(rng.random((n, len(_COMPANIES))), axis=1)[:, :3].tolist()
    order = films["order"].tolist()
    ids, imdb = tmdb_ids.tolist(), imdb_ids.tolist()
    revenue_l = revenue.tolist()
    vote_avg_l, vote_count_l = vote_avg.tolist(), vote_count.tolist()
    runtime_s = [
        "" if no else f"{rt}.0" for rt, no in zip(runtime.tolist(), no_runtime, strict=True)
    ]
    taglines = [
        _TAGLINES[t] if h else "" for t, h in zip(tagline.tolist(), has_tagline, strict=True)
    ]
    rows: list[list[str]] = []
    for i in range(n):
        title = titles[i]
        if i in messy:
            genres = [{"id": _genre_id(g), "name": g} for g in messy[i]]
        else:
            genres = [{"id": gid, "name": g} for gid, g in _tmdb_genre_items(order[i])]
        code, lang_name, _ = _LANGS[lang[i]]
        if kaggle:
            comp = [
                {"name": _COMPANIES[j][1], "id": _COMPANIES[j][0]}
                for j in company_order[i][: n_companies[i]]
            ]
            coll = ""
            if collection[i]:
                coll = str(
                    {
                        "id": ids[i] + 7,
                        "name": f"{title.removeprefix('The ')} Collection",
                        "poster_path": posters[i],
                        "backdrop_path": posters[(i + 1) % n],
                    }
                )
            slug = "".join(ch for ch in title.lower() if ch.isalnum())
            rows.append(
                [
                    "False",
                    coll,
                    budget_s[i],
                    str(genres),
                    f"http://www.{slug}.com/" if homepage[i] else "",
                    str(ids[i]),
                    f"tt{imdb[i]:07d}",
                    code,
                    title,
                    overviews[i],
                    f"{popularity[i]:.6f}",
                    posters[i],
                    str(comp),
                    date_s[i],
                    f"{revenue_l[i]}.0",
                    runtime_s[i],
                    status[i],
                    taglines[i],
                    title,
                    "False",
                    f"{vote_avg_l[i]:.1f}",
                    f"{vote_count_l[i]}.0",
                ]
            )
        else:
            country = _COUNTRIES[code]
            rows.append(
                [
                    str(ids[i]),
                    title,
                    date_s[i],
                    budget_s[i],
                    str(revenue_l[i]),
                    json.dumps(genres, ensure_ascii=False),
                    f"{vote_avg_l[i]:.1f}",
                    str(vote_count_l[i]),
                    f"{popularity[i]:.6f}",
                    runtime_s[i],
                    code,
                    title,
                    overviews[i],
                    taglines[i],
                    status[i],
                    json.dumps([{"iso_3166_1": country[0], "name": country[1]}]),
                    json.dumps([{"iso_639_1": code, "name": lang_name}], ensure_ascii=False),
                ]
            )

    if faults and n >= 2:
        # a duplicate id: a later copy with other money figures (the first row is the film)
        money = [(2, 14), (3, 4)][0 if kaggle else 1]
        ok = np.flatnonzero((budget > 0) & (revenue > 0))
        ok = ok[ok < n - 1]
        src = int(ok[frng.integers(ok.size)]) if ok.size else 0
        dup = list(rows[src])
        dup[money[0]] = str(budget[src] * 3)
        dup[money[1]] = f"{revenue[src] // 2}.0" if kaggle else str(revenue[src] // 2)
        at = int(frng.integers(src + 1, n + 1))
        rows.insert(at, dup)
        counts["duplicate_id"] = 1
        if kaggle:
            # Kaggle's malformed rows: the tail of a broken overview shifts the columns left,
            # so that `id` holds the release date
            for _ in range(min(3, max(1, n // 500))):
                j = int(frng.integers(n))
                code = _LANGS[lang[j]][0]
                shifted = [
                    f" - Written by {_FIRST[int(frng.integers(len(_FIRST)))]}",
                    f"{popularity[j]:.6f}",
                    posters[j],
                    str([{"name": c[1], "id": c[0]} for c in _COMPANIES[-3:]]),
                    str([{"iso_3166_1": _COUNTRIES[code][0], "name": _COUNTRIES[code][1]}]),
                    dates[j],
                    "0",
                    f"{runtime[j]}.0",
                    str([{"iso_639_1": code, "name": _LANGS[lang[j]][1]}]),
                    "Released",
                    "",
                    titles[j],
                    "False",
                    f"{vote_avg[j]:.1f}",
                    f"{vote_count[j]}",
                ]
                shifted += [""] * (len(KAGGLE_COLUMNS) - len(shifted))
                rows.insert(int(frng.integers(1, len(rows) + 1)), shifted)
                counts["shifted_row"] += 1
    return rows, counts


# --------------------------------------------------------------------------------------------
# public API


def generate(
    out_dir: str | Path,
    *,
    movies: int,
    ratings: int,
    users: int,
    metadata_rows: int | None = None,
    metadata_flavour: str = "kaggle",
    faults: bool = True,
    seed: int = 42,
    tags: int | None = None,
) -> dict:
    """Write MovieLens + TMDB shaped raw files under ``out_dir``; return counts per file.

    ``metadata_rows`` films get a metadata row: by default every movie with a tmdbId; fewer
    picks the more popular movies, more adds TMDB films that MovieLens does not know.
    ``tags`` defaults to 4% of ``ratings``. The result maps each file (relative path) to
    ``{"rows": data rows written, "faults": {kind: planted rows}}``.
    """
    if metadata_flavour not in FLAVOURS:
        raise ValueError(f"metadata_flavour must be one of {FLAVOURS}, not {metadata_flavour!r}")
    if movies < 2 or users < 1 or ratings < 0:
        raise ValueError("need movies >= 2, users >= 1 and ratings >= 0")
    out = Path(out_dir)
    (out / "movielens").mkdir(parents=True, exist_ok=True)
    (out / "tmdb").mkdir(parents=True, exist_ok=True)
    frng = _rng(seed, _S_FAULTS, 0)
    result: dict[str, Any] = {}

    # movies and their ids
    films = _films(_rng(seed, _S_FILMS), movies)
    irng = _rng(seed, _S_IDS)
    movie_ids = np.cumsum(irng.geometric(0.35, movies)).astype(np.int64)
    # later movieIds mostly belong to newer films (MovieLens adds new releases as they come)
    by_age = np.argsort(films["year"] + irng.normal(0, 25, movies), kind="stable")
    films = {k: v[by_age] for k, v in films.items()}
    imdb_pool = _unique_ints(irng, movies, 1, 10_000_000)
    imdb_ids = imdb_pool[np.argsort(np.argsort(films["year"] + irng.normal(0, 5, movies)))]
    tmdb_pool = _unique_ints(irng, movies, 2, 1_200_000)
    tmdb_ids = tmdb_pool[
        np.argsort(np.argsort(np.arange(movies) + irng.normal(0, movies / 20, movies)))
    ]

    ml_messy: dict[int, list[str]] = {}
    movie_rows = [
        [int(m), f"{t} ({y})", None]
        for m, t, y in zip(movie_ids, films["ml_title"], films["year"], strict=True)
    ]
    ml_faults = {"duplicate_movie_id": 0, "messy_genres": 0}
    if faults:
        lists = [
            sorted((g for g in row if g >= 0 and _G_ML[g]), key=_G_ML.__getitem__)
            for row in films["order"].tolist()
        ]
        ml_messy = _plant_messy(frng, lists, _G_ML)
        ml_faults["messy_genres"] = len(ml_messy)
    for row, genres in zip(movie_rows, _ml_genres(films["order"], ml_messy), strict=True):
        row[2] = genres
    if faults:
        src = int(frng.integers(movies - 1))
        dup = [movie_rows[src][0], movie_rows[src][1], "Drama"]
        movie_rows.insert(int(frng.integers(src + 1, movies + 1)), dup)
        ml_faults["duplicate_movie_id"] = 1
    _write_csv(out / "movielens/movies.csv", MOVIES_COLUMNS, movie_rows)
    result["movielens/movies.csv"] = {"rows": len(movie_rows), "faults": ml_faults}

    # links: a few movies without a tmdbId
    no_tmdb = np.zeros(movies, dtype=bool)
    if faults:
        no_tmdb[frng.choice(movies, size=max(1, movies // 800), replace=False)] = True
    link_rows = [
        [int(m), f"{i:07d}", "" if e else int(t)]
        for m, i, t, e in zip(movie_ids, imdb_ids, tmdb_ids, no_tmdb, strict=True)
    ]
    _write_csv(out / "movielens/links.csv", LINKS_COLUMNS, link_rows)
    result["movielens/links.csv"] = {
        "rows": movies,
        "faults": {"empty_tmdb_id": int(no_tmdb.sum())},
    }

    # ratings and tags
    t0 = time.perf_counter()
    r = _write_ratings(
        out / "movielens/ratings.csv", seed, films, movie_ids, ratings, users, faults
    )
    log.debug("ratings written in %.1f s", time.perf_counter() - t0)
    result["movielens/ratings.csv"] = {
        "rows": r["rows"],
        "faults": {k: r[k] for k in ("rating_out_of_range", "wrong_column_count")},
    }
    n_tags = round(0.04 * ratings) if tags is None else tags
    _write_tags(out / "movielens/tags.csv", seed, films, movie_ids, n_tags, users)
    result["movielens/tags.csv"] = {"rows": n_tags, "faults": {}}

    # metadata: linked movies (all by default, else the more popular), plus TMDB-only films
    linked = np.flatnonzero(~no_tmdb)
    if metadata_rows is None:
        metadata_rows = linked.size
    if metadata_rows <= linked.size:
        mrng = _rng(seed, _S_META, 1)
        keys = np.log(films["popularity"][linked]) + mrng.gumbel(size=linked.size)
        chosen = np.sort(linked[np.argsort(-keys, kind="stable")[:metadata_rows]])
        meta_films = {k: v[chosen] for k, v in films.items()}
        meta_tmdb, meta_imdb = tmdb_ids[chosen], imdb_ids[chosen]
    else:
        extra = metadata_rows - linked.size
        erng = _rng(seed, _S_EXTRA)
        extras = _films(erng, extra)
        fresh = _unique_ints(erng, extra, 1_200_000, 2_000_000)  # above every linked id
        imdb_fresh = _unique_ints(erng, extra, 10_000_000, 20_000_000) % 10_000_000
        place = np.argsort(np.r_[linked, erng.uniform(0, movies, extra)], kind="stable")
        meta_films = {k: np.concatenate([films[k][linked], extras[k]])[place] for k in films}
        meta_tmdb = np.r_[tmdb_ids[linked], fresh][place]
        meta_imdb = np.r_[imdb_ids[linked], imdb_fresh][place]
    meta_rows, meta_faults = _metadata(
        seed, meta_films, meta_tmdb, meta_imdb, metadata_flavour, faults
    )
    header = KAGGLE_COLUMNS if metadata_flavour == "kaggle" else TMDB_COLUMNS
    _write_csv(out / "tmdb/movies_metadata.csv", header, meta_rows)
    result["tmdb/movies_metadata.csv"] = {"rows": len(meta_rows), "faults": meta_faults}
    return result


def generate_scale(out_dir: str | Path, scale: str, seed: int = 42, **overrides: Any) -> dict:
    """``generate`` with the arguments of a preset in ``SCALES``, updated by ``overrides``."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    return generate(out_dir, **{**SCALES[scale], **overrides}, seed=seed)


def main(argv: list[str] | None = None) -> int:
    presets = "; ".join(
        f"{name}: {p['movies']:,} movies, {p['ratings']:,} ratings, {p['users']:,} users"
        for name, p in SCALES.items()
    )
    parser = argparse.ArgumentParser(
        prog="python -m netflix_pipeline.pipelines.sample_data.generator",
        description=(
            "Write deterministic, synthetic MovieLens + TMDB shaped raw files (movielens/*.csv "
            "and tmdb/movies_metadata.csv) under --out. Same arguments, same bytes. "
            f"Scales: {presets}."
        ),
    )
    parser.add_argument("--scale", choices=list(SCALES), default="sample", help="preset size")
    parser.add_argument("--out", required=True, type=Path, help="output folder (the raw_uri)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--flavour",
        choices=FLAVOURS,
        default="kaggle",
        help="movies_metadata.csv as Kaggle's 'The Movies Dataset' or the TMDB 5000 export",
    )
    parser.add_argument("--movies", type=int, help="override the preset's number of movies")
    parser.add_argument("--ratings", type=int, help="override the preset's number of ratings")
    parser.add_argument("--users", type=int, help="override the preset's number of users")
    parser.add_argument("--metadata-rows", type=int, help="override the metadata film count")
    parser.add_argument("--no-faults", action="store_true", help="plant no bad rows")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    overrides = {
        k: v
        for k, v in {
            "movies": args.movies,
            "ratings": args.ratings,
            "users": args.users,
            "metadata_rows": args.metadata_rows,
        }.items()
        if v is not None
    }
    t0 = time.perf_counter()
    counts = generate_scale(
        args.out,
        args.scale,
        seed=args.seed,
        metadata_flavour=args.flavour,
        faults=not args.no_faults,
        **overrides,
    )
    seconds = time.perf_counter() - t0
    summary = ", ".join(
        f"{name} {c['rows']:,} rows"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in c["faults"].items() if v) + ")"
            if any(c["faults"].values())
            else ""
        )
        for name, c in counts.items()
    )
    log.info(
        "scale %s seed %d flavour %s into %s in %.1f s: %s",
        args.scale,
        args.seed,
        args.flavour,
        args.out,
        seconds,
        summary,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
