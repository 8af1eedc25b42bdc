"""Row-by-row reference of the genre stage: the oracle of the tests.

Plain Python, one source row and one name at a time, so that it states the rules of DESIGN.md §4
without the warehouse machinery it checks: parsing (the product's :func:`parse_genre_value`,
tested on its own), normalization, first-seen order across sources, the primary genre.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from genre_support import StageResult, tidy

from netflix_pipeline.pipelines.genres.nodes import SOURCE_FILES
from netflix_pipeline.pipelines.genres.parser import parse_genre_value
from netflix_pipeline.pipelines.genres.rules import GenreRules, title_case

__all__ = ["film_genres_rowwise", "normalize_name"]


def normalize_name(name: str, rules: GenreRules) -> str | None:
    """Normalize one name (the reference of the product's ``normalize_name``)."""
    collapsed = " ".join(name.split())
    key = collapsed.casefold()
    if not key:
        return None
    if key in rules.lookup:
        return rules.lookup[key]
    return title_case(collapsed)


def _film_genres_seen(
    sources: pd.DataFrame, rules: GenreRules
) -> tuple[dict[int, dict[str, str]], list[tuple[Any, ...]]]:
    """Genres of each film in first-seen order with their source, and the rejected rows."""
    records = list(
        zip(
            sources["film_id"].tolist(),
            sources["source"].tolist(),
            sources["item_order"].tolist(),
            sources["genres_raw"].tolist(),
            sources["source_line_number"].tolist(),
            strict=True,
        )
    )
    records.sort(key=lambda r: (int(r[0]), rules.sources.index(r[1]), int(r[2])))
    genres: dict[int, dict[str, str]] = {}  # film -> genre -> source (insertion-ordered)
    rejected: list[tuple[Any, ...]] = []
    for film_id, source, _, raw, line in records:
        seen = genres.setdefault(int(film_id), {})
        names, reason = parse_genre_value(raw)
        if names is None:
            rejected.append((SOURCE_FILES[source], line, f"genres: {reason}", raw, "genres"))
            continue
        for name in names:
            genre = normalize_name(name, rules)
            if genre is not None and genre not in seen:
                seen[genre] = source
    return genres, rejected


def film_genres_rowwise(sources: pd.DataFrame, rules: GenreRules) -> StageResult:
    """What the genre stage writes for ``sources`` (see ``genre_support.sources_frame``)."""
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
    return tidy(
        pd.DataFrame(genre_rows, columns=["film_id", "genre", "position", "source"]),
        pd.DataFrame(primary_rows, columns=["film_id", "primary_genre", "genre_count"]),
        pd.DataFrame(
            rejected, columns=["source_file", "line_number", "reason", "raw_line", "stage"]
        ),
        unknown,
    )
