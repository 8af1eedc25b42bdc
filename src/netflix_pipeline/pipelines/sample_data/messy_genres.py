"""Messy genre values planted with ``faults=True``: spellings that normalize back (DESIGN.md §4)."""

from __future__ import annotations

import numpy as np

from .genre_table import CANONICAL, TMDB_GENRES

VARIANTS = {
    "Science Fiction": [" sci-fi ", "SciFi", "Science fiction", "SCI-FI"],
    "Children": ["CHILDREN'S", "Children's", " children"],
    "Film-Noir": ["Film Noir", "film-noir"],
}
NON_GENRES = [(0, "IMAX"), (10770, "TV Movie"), (10769, "Foreign"), (0, "Sports")]
VARIANT_OF = {v: c for c, vs in VARIANTS.items() for v in vs}
MESSY_RECIPES = [  # most important first: small files get only the first few
    ("variant", " sci-fi "), ("variant", "CHILDREN'S"), ("variant", "Film Noir"),
    ("add", "Sports"), ("variant", "SciFi"), ("variant", "Science fiction"), ("add", "IMAX"),
    ("duplicate", ""), ("empty_item", ""), ("add", "TV Movie"), ("add", "Foreign"),
    ("odd_case", ""), ("variant", "SCI-FI"), ("variant", "Children's"),
]  # fmt: skip


def plant_messy(
    rng: np.random.Generator, films: list[list[int]], spell: list[str | None]
) -> dict[int, list[str]]:
    """Messy genre lists for a few films: {film index: names}.

    ``films`` holds each film's canonical genre indexes in the file's order, ``spell`` the
    source's name of each canonical genre. Every recipe is used once (while there are enough
    rows, most important first), then random ones.
    """
    n = len(films)
    n_messy = max(min(len(MESSY_RECIPES), n // 50), round(0.008 * n))
    with_genres = np.array([i for i, gs in enumerate(films) if gs], dtype=np.int64)
    pools = {
        c: np.array([i for i in with_genres if CANONICAL.index(c) in films[i]], dtype=np.int64)
        for c in VARIANTS
    }
    taken: dict[int, list[str]] = {}
    for k in range(min(n_messy, with_genres.size)):
        recipe, pool = _recipe_and_pool(rng, k, with_genres, pools, taken)
        while (i := int(pool[rng.integers(pool.size)])) in taken:
            pass
        names = [spell[g] or "" for g in films[i]]
        canon = [CANONICAL[g] for g in films[i]]
        taken[i] = _apply_recipe(names, canon, recipe, rng)
    return taken


def _recipe_and_pool(
    rng: np.random.Generator,
    k: int,
    with_genres: np.ndarray,
    pools: dict[str, np.ndarray],
    taken: dict[int, list[str]],
) -> tuple[tuple[str, str], np.ndarray]:
    """The k-th recipe and the films it may apply to (an odd case once a variant runs out)."""
    if k < len(MESSY_RECIPES):
        recipe = MESSY_RECIPES[k]
    else:
        recipe = MESSY_RECIPES[int(rng.integers(len(MESSY_RECIPES)))]
    if recipe[0] != "variant":
        return recipe, with_genres
    pool = pools[VARIANT_OF[recipe[1]]]
    if not np.isin(pool, list(taken), invert=True).any():
        return ("odd_case", ""), with_genres
    return recipe, pool


def _apply_recipe(
    names: list[str], canon: list[str], recipe: tuple[str, str], rng: np.random.Generator
) -> list[str]:
    """A film's genre names made messy by one recipe (normalization undoes it)."""
    kind, value = recipe
    names = list(names)
    if kind == "variant":
        names[canon.index(VARIANT_OF[value])] = value
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


def genre_id(name: str) -> int:
    """TMDB id of a (possibly messy) genre name; 0 for unknown names and empty items."""
    key = name.strip().lower()
    for canon, variants in VARIANTS.items():
        if key in {v.strip().lower() for v in variants}:
            known = TMDB_GENRES[CANONICAL.index(canon)]
            return known[0] if known else 0
    ids = {n.lower(): gid for gid, n in [*(t for t in TMDB_GENRES if t), *NON_GENRES]}
    return ids.get(key, 0)
