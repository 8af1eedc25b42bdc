"""The Python part of the genre stage: each distinct raw value and the genres it stands for.

Raw genre values repeat a lot (the same JSON array or pipe string describes many films), and the
warehouse hands over each distinct value once. Here each is parsed (:mod:`.parser`), its names
normalized (:mod:`.rules`), dropped names and repeats removed, and the result goes back to the
warehouse as a small table, where :mod:`.films` joins it to the films.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .parser import parse_genre_value
from .rules import GenreRules, normalize_name

__all__ = ["VALUE_COLUMNS", "value_genres"]

# One row per genre of a value (POSITION 1, 2, … in list order; HIERARCHY_RANK 1 for the first
# genre of genres.hierarchy, null for a genre outside it), or one row with the REASON for an
# unparseable value. A value without genres has no row.
VALUE_COLUMNS = ("GENRES_RAW", "POSITION", "GENRE", "HIERARCHY_RANK", "REASON")


def value_genres(values: Iterable[str], rules: GenreRules) -> pd.DataFrame:
    """The canonical genres of each distinct raw value, in order, as :data:`VALUE_COLUMNS`."""
    canonical: dict[str, str | None] = {}  # name as written -> canonical name (few distinct)
    rank = {name: i for i, name in enumerate(rules.hierarchy, start=1)}
    rows: list[tuple] = []
    for value in values:
        names, reason = parse_genre_value(value)
        if names is None:
            rows.append((value, None, None, None, reason))
            continue
        genres: dict[str, None] = {}  # insertion-ordered: first occurrence kept
        for name in names:
            if name not in canonical:
                canonical[name] = normalize_name(name, rules)
            if (genre := canonical[name]) is not None:
                genres.setdefault(genre)
        rows.extend(
            (value, position, genre, rank.get(genre), None)
            for position, genre in enumerate(genres, start=1)
        )
    frame = pd.DataFrame(rows, columns=list(VALUE_COLUMNS))
    return frame.astype(
        {
            "GENRES_RAW": "string",
            "POSITION": "Int64",
            "GENRE": "string",
            "HIERARCHY_RANK": "Int64",
            "REASON": "string",
        }
    )
