"""Bad rows planted in the metadata file with ``faults=True``, each in place."""

from __future__ import annotations

import numpy as np

from .genre_table import TMDB_GENRES
from .layout import KAGGLE_COLUMNS, TMDB_COLUMNS
from .messy_genres import plant_messy
from .tmdb_values import MetadataValues
from .vocabulary import COMPANIES, COUNTRIES, FIRST_NAMES, LANGUAGES


def plant_empty_dates(frng: np.random.Generator, dates: list[str]) -> int:
    """Empty a few release dates; how many."""
    n = len(dates)
    empty = frng.choice(n, size=min(max(1, n // 300), n), replace=False)
    for i in empty.tolist():
        dates[i] = ""
    return len(empty)


def plant_non_numeric_budget(
    frng: np.random.Generator, budget: np.ndarray, budget_text: list[str]
) -> int:
    """Write "unknown" for one non-zero budget; how many (none without such a budget)."""
    cand = np.flatnonzero(budget > 0)
    if not cand.size:
        return 0
    budget_text[int(cand[frng.integers(cand.size)])] = "unknown"
    return 1


def plant_messy_genres(frng: np.random.Generator, order: np.ndarray) -> dict[int, list[str]]:
    """Messy TMDB genre names for a few films: {row: names}."""
    lists = [[g for g in row if g >= 0 and TMDB_GENRES[g]] for row in order.tolist()]
    spell = [t[1] if t else None for t in TMDB_GENRES]
    return plant_messy(frng, lists, spell)


def plant_duplicate_id(
    frng: np.random.Generator, rows: list[list[str]], v: MetadataValues, kaggle: bool
) -> None:
    """Insert a later copy of a film's row with other money figures (the first is the film)."""
    n = len(rows)
    header = KAGGLE_COLUMNS if kaggle else TMDB_COLUMNS
    ok = np.flatnonzero((v.budget > 0) & (v.revenue > 0))
    ok = ok[ok < n - 1]
    src = int(ok[frng.integers(ok.size)]) if ok.size else 0
    dup = list(rows[src])
    dup[header.index("budget")] = str(v.budget[src] * 3)
    half = v.revenue[src] // 2
    dup[header.index("revenue")] = f"{half}.0" if kaggle else str(half)
    rows.insert(int(frng.integers(src + 1, n + 1)), dup)


def plant_shifted_rows(
    frng: np.random.Generator, rows: list[list[str]], v: MetadataValues, titles: list[str]
) -> int:
    """Insert Kaggle-like malformed rows; how many.

    In Kaggle's file the tail of a broken overview shifts the columns left, so that ``id``
    holds the release date.
    """
    n = len(titles)
    count = min(3, max(1, n // 500))
    for _ in range(count):
        j = int(frng.integers(n))
        shifted = _shifted_row(v, j, titles[j], FIRST_NAMES[int(frng.integers(len(FIRST_NAMES)))])
        rows.insert(int(frng.integers(1, len(rows) + 1)), shifted)
    return count


def _shifted_row(v: MetadataValues, j: int, title: str, writer: str) -> list[str]:
    code, lang_name, _ = LANGUAGES[v.lang[j]]
    shifted = [
        f" - Written by {writer}",
        f"{v.popularity[j]:.6f}",
        v.posters[j],
        str([{"name": c[1], "id": c[0]} for c in COMPANIES[-3:]]),
        str([{"iso_3166_1": COUNTRIES[code][0], "name": COUNTRIES[code][1]}]),
        v.dates[j],
        "0",
        f"{v.runtime[j]}.0",
        str([{"iso_639_1": code, "name": lang_name}]),
        "Released",
        "",
        title,
        "False",
        f"{v.vote_avg[j]:.1f}",
        f"{v.vote_count[j]}",
    ]
    return shifted + [""] * (len(KAGGLE_COLUMNS) - len(shifted))
