"""The film catalogue: release dates, genres, hype, quality, money and titles, with their ids."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .genre_table import BUDGET_EFFECT, GENRE_COUNT_P, GENRES, RETURN_EFFECT, genre_year_weights
from .sampling import unique_ints
from .streams import FILMS, IDS, stream
from .timeline import FIRST_YEAR, LAST_YEAR
from .vocabulary import ADJECTIVES, FIRST_NAMES, NOUNS

# One array per attribute, one item per film: "year", "release", "order" (genre indexes by
# rank, -1 past the film's last), "member" (film x genre), "hype", "quality", "budget",
# "revenue", "popularity", "title" and "ml_title" (MovieLens moves a leading "The" to the end).
Films = dict[str, np.ndarray]


class Catalogue(NamedTuple):
    """The MovieLens films in movieId order, with their ids in the three sources."""

    films: Films
    movie_ids: np.ndarray
    imdb_ids: np.ndarray
    tmdb_ids: np.ndarray


def catalogue(seed: int, movies: int) -> Catalogue:
    """``movies`` films with movieIds, imdbIds and tmdbIds."""
    films = draw_films(stream(seed, FILMS), movies)
    irng = stream(seed, IDS)
    movie_ids = np.cumsum(irng.geometric(0.35, movies)).astype(np.int64)
    # later movieIds mostly belong to newer films (MovieLens adds new releases as they come)
    by_age = np.argsort(films["year"] + irng.normal(0, 25, movies), kind="stable")
    films = {k: v[by_age] for k, v in films.items()}
    imdb_pool = unique_ints(irng, movies, 1, 10_000_000)
    imdb_ids = imdb_pool[np.argsort(np.argsort(films["year"] + irng.normal(0, 5, movies)))]
    tmdb_pool = unique_ints(irng, movies, 2, 1_200_000)
    tmdb_ids = tmdb_pool[
        np.argsort(np.argsort(np.arange(movies) + irng.normal(0, movies / 20, movies)))
    ]
    return Catalogue(films, movie_ids, imdb_ids, tmdb_ids)


def draw_films(rng: np.random.Generator, n: int) -> Films:
    """Attributes of n films: release date, genres, popularity, quality, money, titles."""
    year, release = _release(rng, n)
    order, member = _genres(rng, year)
    hype = rng.normal(size=n)  # shared by popularity, budget and votes
    quality = rng.normal(0.0, 0.5, n)
    budget, revenue = _money(rng, year, member, hype, quality)
    popularity = np.exp(
        1.3 * hype + 1.0 * rng.normal(size=n) + 0.3 * quality + 0.02 * np.minimum(year - 2000, 0)
    )
    title, ml_title = _titles(rng, year)
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
        "title": title,
        "ml_title": ml_title,
    }


def _release(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Release years, more in later decades, and release dates (datetime64[D])."""
    years_all = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    p_year = np.exp(0.035 * (years_all - FIRST_YEAR))
    year = rng.choice(years_all, size=n, p=p_year / p_year.sum())
    # (year - 1970) as datetime64[Y] is the 1st of January of the year: add a day of the year
    release = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(
        0, 365, n
    ).astype("timedelta64[D]")
    return year, release


def _genres(rng: np.random.Generator, year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Genre indexes by rank (-1 for none) and the film x genre membership matrix."""
    n = year.size
    # top-k of (log weight + Gumbel noise), per film, by the release year's mix
    n_genres = rng.choice(np.arange(1, 6), size=n, p=GENRE_COUNT_P)
    keys = np.log(genre_year_weights()[year - FIRST_YEAR]) + rng.gumbel(size=(n, len(GENRES)))
    order = np.argsort(-keys, axis=1)[:, : len(GENRE_COUNT_P)]
    order = np.where(np.arange(order.shape[1])[None, :] < n_genres[:, None], order, -1)
    no_genres = rng.random(n) < 0.005  # "(no genres listed)"
    order[no_genres] = -1
    member = np.zeros((n, len(GENRES)), dtype=bool)
    rows, cols = np.nonzero(order >= 0)
    member[rows, order[rows, cols]] = True
    return order, member


def _money(
    rng: np.random.Generator,
    year: np.ndarray,
    member: np.ndarray,
    hype: np.ndarray,
    quality: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Budgets growing over the decades, revenues correlated to them (with some losses)."""
    n = year.size
    k = np.maximum(member.sum(axis=1), 1)
    decade_pos = year - FIRST_YEAR
    log_budget = (
        np.log(3e5)
        + 0.044 * decade_pos
        + member @ BUDGET_EFFECT / k
        + 0.6 * hype
        + rng.normal(0.0, 0.9, n)
    )
    budget = np.exp(np.clip(log_budget, np.log(1e4), np.log(4e8)))
    scale = 10.0 ** (np.floor(np.log10(budget)) - 1)
    budget = (np.round(budget / scale) * scale).astype(np.int64)  # two significant digits
    log_return = member @ RETURN_EFFECT / k + 0.4 * hype + 0.5 * quality + rng.normal(0.25, 1.0, n)
    revenue = np.round(budget * np.exp(np.clip(log_return, -6, 4.5))).astype(np.int64)
    return budget, revenue


def _titles(rng: np.random.Generator, year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Titles from a few patterns over word lists, and their MovieLens spelling."""
    n = year.size
    adj = np.array(ADJECTIVES, dtype=object)[rng.integers(0, len(ADJECTIVES), n)]
    noun = np.array(NOUNS, dtype=object)[rng.integers(0, len(NOUNS), n)]
    noun2 = np.array(NOUNS, dtype=object)[rng.integers(0, len(NOUNS), n)]
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
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
    return base, ml_base
