"""MovieLens files: movies.csv, links.csv and tags.csv (ratings.csv has its own module)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .films import Catalogue
from .genre_table import ML_NAMES
from .layout import LINKS_COLUMNS, MOVIES_COLUMNS, TAGS_COLUMNS, write_csv
from .messy_genres import plant_messy
from .sampling import alias_table, draw
from .streams import TAGS, stream
from .timeline import DAY, END_TS, TAGS_START_TS, release_ts
from .vocabulary import TAGS as TAG_NAMES


def write_movies(path: Path, frng: np.random.Generator, cat: Catalogue, faults: bool) -> dict:
    """movies.csv, with messy genres and a duplicate movieId if ``faults``; its counts."""
    films = cat.films
    counts = {"duplicate_movie_id": 0, "messy_genres": 0}
    messy: dict[int, list[str]] = {}
    if faults:
        lists = [
            sorted((g for g in row if g >= 0 and ML_NAMES[g]), key=ML_NAMES.__getitem__)
            for row in films["order"].tolist()
        ]
        messy = plant_messy(frng, lists, ML_NAMES)
        counts["messy_genres"] = len(messy)
    rows: list[list[Any]] = [
        [int(m), f"{t} ({y})", genres]
        for m, t, y, genres in zip(
            cat.movie_ids, films["ml_title"], films["year"], ml_genres(films["order"], messy),
            strict=True,
        )
    ]  # fmt: skip
    if faults:
        # a later row repeats a movieId with other genres
        src = int(frng.integers(len(rows) - 1))
        dup = [rows[src][0], rows[src][1], "Drama"]
        rows.insert(int(frng.integers(src + 1, len(rows) + 1)), dup)
        counts["duplicate_movie_id"] = 1
    write_csv(path, MOVIES_COLUMNS, rows)
    return {"rows": len(rows), "faults": counts}


def ml_genres(order: np.ndarray, messy: dict[int, list[str]]) -> list[str]:
    """The genres column: sorted MovieLens names joined by "|", or the planted messy ones."""
    out = []
    for i, row in enumerate(order):
        if i in messy:
            out.append("|".join(messy[i]))
            continue
        names = sorted(ML_NAMES[g] for g in row if g >= 0 and ML_NAMES[g] is not None)
        out.append("|".join(names) if names else "(no genres listed)")
    return out


def write_links(
    path: Path, frng: np.random.Generator, cat: Catalogue, faults: bool
) -> tuple[dict, np.ndarray]:
    """links.csv, with a few empty tmdbIds if ``faults``; its counts and the unlinked movies."""
    movies = len(cat.movie_ids)
    no_tmdb = np.zeros(movies, dtype=bool)
    if faults:
        no_tmdb[frng.choice(movies, size=max(1, movies // 800), replace=False)] = True
    rows = [
        [int(m), f"{i:07d}", "" if e else int(t)]
        for m, i, t, e in zip(cat.movie_ids, cat.imdb_ids, cat.tmdb_ids, no_tmdb, strict=True)
    ]
    write_csv(path, LINKS_COLUMNS, rows)
    return {"rows": movies, "faults": {"empty_tmdb_id": int(no_tmdb.sum())}}, no_tmdb


def write_tags(path: Path, seed: int, cat: Catalogue, tags: int, users: int) -> dict:
    """tags.csv: ``tags`` tags by a few users, on popular films, after release; its counts."""
    rng = stream(seed, TAGS)
    taggers = rng.choice(users, size=max(1, users // 7), replace=False)
    tw = rng.lognormal(0.0, 1.5, taggers.size)
    user = taggers[np.searchsorted(np.cumsum(tw) / tw.sum(), rng.random(tags), side="right")]
    mv = draw(rng, alias_table(cat.films["popularity"]), tags)
    tag_w = 1.0 / np.arange(1, len(TAG_NAMES) + 1)
    tag = rng.choice(len(TAG_NAMES), size=tags, p=tag_w / tag_w.sum())
    low = np.maximum(release_ts(cat.films["release"])[mv] + 30 * DAY, TAGS_START_TS)
    ts = low + (rng.random(tags) * (END_TS - low)).astype(np.int64)
    movie_ids = cat.movie_ids
    order = np.lexsort((ts, movie_ids[mv], user))
    names = np.array(TAG_NAMES, dtype=object)
    rows = zip(
        (user[order] + 1).tolist(),
        movie_ids[mv[order]].tolist(),
        names[tag[order]].tolist(),
        ts[order].tolist(),
        strict=True,
    )
    write_csv(path, TAGS_COLUMNS, rows)
    return {"rows": tags, "faults": {}}
