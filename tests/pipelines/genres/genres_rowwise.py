"""Row-by-row reference of the genre stage: the oracle of the tests and of bench_genres.py.

Plain Python, one source row and one name at a time, so that it states the rules of DESIGN.md §4
without the vectorized machinery it checks. Raw values are parsed by the product's exact parser
(:func:`parse_genre_value`), which the vectorized parser's fast path must agree with.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from netflix_pipeline.pipelines.genres.films import (
    GenreResult,
    _check_sources,
    _empty_result,
    _unknown_series,
)
from netflix_pipeline.pipelines.genres.parser import REASON_MALFORMED, parse_genre_value
from netflix_pipeline.pipelines.genres.rules import GenreRules, title_case

__all__ = ["film_genres_rowwise", "normalize_name"]


def normalize_name(name: str, rules: GenreRules) -> str | None:
    """Normalize one name (the row-by-row reference of ``normalize_names``)."""
    collapsed = " ".join(name.split())
    key = collapsed.casefold()
    if not key:
        return None
    if key in rules.lookup:
        return rules.lookup[key]
    return title_case(collapsed)


def _film_genres_seen(
    sources: pd.DataFrame, rules: GenreRules
) -> tuple[dict[int, dict[str, str]], list[tuple[int, str, Any, str]]]:
    """Genres of each film in first-seen order with their source, and the rejected rows."""
    records = list(
        zip(
            sources["film_id"].tolist(),
            sources["source"].tolist(),
            sources["item_order"].tolist(),
            sources["genres_raw"].tolist(),
            strict=True,
        )
    )
    records.sort(key=lambda r: (int(r[0]), rules.sources.index(r[1]), int(r[2])))
    genres: dict[int, dict[str, str]] = {}  # film -> genre -> source (insertion-ordered)
    rejected: list[tuple[int, str, Any, str]] = []
    for film_id, source, _, raw in records:
        film_id = int(film_id)
        seen = genres.setdefault(film_id, {})
        names, reason = parse_genre_value(raw)
        if names is None:
            rejected.append((film_id, source, raw, reason or REASON_MALFORMED))
            continue
        for name in names:
            genre = normalize_name(name, rules)
            if genre is not None and genre not in seen:
                seen[genre] = source
    return genres, rejected


def film_genres_rowwise(sources: pd.DataFrame, rules: GenreRules) -> GenreResult:
    """Row-by-row reference of ``film_genres``."""
    _check_sources(sources, rules)
    if len(sources) == 0:
        return _empty_result(rules)
    genres, rejected = _film_genres_seen(sources, rules)
    hierarchy_pos = {name: i for i, name in enumerate(rules.hierarchy)}
    genre_rows: list[tuple[int, str, int, str]] = []
    primary_rows: list[tuple[int, str, int]] = []
    unknown: dict[str, int] = {}
    for film_id, seen in genres.items():
        for position, (genre, source) in enumerate(seen.items(), start=1):
            genre_rows.append((film_id, genre, position, source))
            if genre not in hierarchy_pos:
                unknown[genre] = unknown.get(genre, 0) + 1
        ranked = [g for g in seen if g in hierarchy_pos]
        if ranked:
            primary = min(ranked, key=hierarchy_pos.__getitem__)
        elif seen:
            primary = next(iter(seen))
        else:
            primary = rules.unknown_genre
        primary_rows.append((film_id, primary, len(seen)))
    empty = _empty_result(rules)
    frames = [
        pd.DataFrame(rows, columns=list(template.columns)).astype(template.dtypes.to_dict())
        for rows, template in (
            (genre_rows, empty.movie_genres),
            (primary_rows, empty.movie_primary_genre),
            (rejected, empty.rejected),
        )
    ]
    return GenreResult(*frames, _unknown_series(unknown))
