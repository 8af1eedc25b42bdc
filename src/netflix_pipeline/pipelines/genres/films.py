"""Genres of a film and its primary genre (DESIGN.md §4), vectorized.

Everything here is pure (no I/O besides logging) and vectorized: no Python loop runs per film or
per source row. The work is organised around two facts about genre data:

* raw genre values repeat a lot (the same JSON array or pipe string appears for many films), so
  raw values are factorized first and parsed once per distinct value (:mod:`.parser`);
* the genre vocabulary is tiny, so names are normalized once per distinct name (:mod:`.rules`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .factorize import factorize_column
from .parser import ParsedUnique, expand, parse_unique, positions
from .rules import GenreRules, normalize_unique

logger = logging.getLogger(__name__)

__all__ = ["GenreResult", "film_genres"]

_SOURCE_COLUMNS = ("film_id", "source", "item_order", "genres_raw")


@dataclass(frozen=True)
class GenreResult:
    """Normalized genres of films.

    * ``movie_genres``: ``film_id, genre, position, source`` — one row per film and canonical
      genre, ``position`` 1-based in first-seen order, ``source`` where the genre was first seen;
    * ``movie_primary_genre``: ``film_id, primary_genre, genre_count`` — one row per film of the
      input, ``rules.unknown_genre`` (and a count of 0) for a film without genres;
    * ``rejected``: ``film_id, source, genres_raw, reason`` — unparseable raw values;
    * ``unknown_counts``: number of films carrying each unknown (non-hierarchy) genre, descending.
    """

    movie_genres: pd.DataFrame
    movie_primary_genre: pd.DataFrame
    rejected: pd.DataFrame
    unknown_counts: pd.Series


def _check_sources(sources: pd.DataFrame, rules: GenreRules) -> None:
    missing = [c for c in _SOURCE_COLUMNS if c not in sources.columns]
    if missing:
        raise ValueError(f"genre sources lack columns {missing}")
    if sources["film_id"].isna().any():
        raise ValueError("genre sources have rows without a film_id")
    if sources["item_order"].isna().any():
        raise ValueError("genre sources have rows without an item_order")
    unknown = sorted(set(pd.unique(sources["source"].astype(object))) - set(rules.sources))
    if unknown:
        raise ValueError(
            f"genre sources hold sources {unknown!r} that are not in genres.sources "
            f"{list(rules.sources)}"
        )


def _empty_result(rules: GenreRules) -> GenreResult:
    return GenreResult(
        movie_genres=pd.DataFrame(
            {
                "film_id": pd.Series(dtype=np.int64),
                "genre": pd.Series(dtype=object),
                "position": pd.Series(dtype=np.int64),
                "source": pd.Series(dtype=object),
            }
        ),
        movie_primary_genre=pd.DataFrame(
            {
                "film_id": pd.Series(dtype=np.int64),
                "primary_genre": pd.Series(dtype=object),
                "genre_count": pd.Series(dtype=np.int64),
            }
        ),
        rejected=pd.DataFrame(
            {
                "film_id": pd.Series(dtype=np.int64),
                "source": pd.Series(dtype=object),
                "genres_raw": pd.Series(dtype=object),
                "reason": pd.Series(dtype=object),
            }
        ),
        unknown_counts=_unknown_series({}),
    )


def _unknown_series(counts: Mapping[str, int] | pd.Series) -> pd.Series:
    """Films per unknown genre, most frequent first (ties by name)."""
    pairs = sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    return pd.Series(
        [v for _, v in pairs],
        index=pd.Index([k for k, _ in pairs], dtype=object, name="genre"),
        dtype=np.int64,
        name="films",
    )


def _log_summary(result: GenreResult, rules: GenreRules) -> None:
    top = result.unknown_counts.head(rules.log_top_unknown)
    logger.info(
        "genres: %d films, %d film-genre rows, %d without genre (%s), %d unparseable values",
        len(result.movie_primary_genre),
        len(result.movie_genres),
        int(result.movie_primary_genre["genre_count"].eq(0).sum()),
        rules.unknown_genre,
        len(result.rejected),
    )
    if len(result.unknown_counts):
        logger.info(
            "genres: %d unknown genre names kept as title-cased; top %d: %s",
            len(result.unknown_counts),
            len(top),
            ", ".join(f"{name} ({count})" for name, count in top.items()),
        )
    if len(result.rejected):
        logger.warning(
            "genres: %d raw genre values could not be parsed and contribute no genres",
            len(result.rejected),
        )


def _frame(**columns: np.ndarray) -> pd.DataFrame:
    """DataFrame over the given arrays: no copy, one block per column (no consolidation)."""
    return pd.DataFrame(columns, copy=False)


def _first_occurrences(groups: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Mask of elements whose code does not occur earlier in their run of equal ``groups``.

    Compares each element with the ones before it in its run, one lag per round; runs are short
    (a film has a handful of genres), so this beats hashing every (group, code) pair. Long runs
    fall back to hashing.
    """
    position = positions(groups)
    if len(position) == 0 or position.max() > 64:
        pairs = pd.DataFrame({"g": groups, "c": codes})
        return ~pairs.duplicated().to_numpy()
    duplicate = np.zeros(len(codes), dtype=bool)
    lag = 1
    idx = np.flatnonzero(position > lag)
    while len(idx):
        duplicate[idx] |= codes[idx - lag] == codes[idx]
        lag += 1
        idx = idx[position[idx] > lag]
    return ~duplicate


# --------------------------------------------------------------------------------------------
# Steps of film_genres
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """Source rows in genre order: film, source rank, item_order (stable)."""

    order: np.ndarray  # index of each row in the sources
    film: np.ndarray  # film_id
    rank: np.ndarray  # rank of the row's source in rules.sources
    raw_code: np.ndarray  # distinct raw value of the row, -1 for NA


@dataclass(frozen=True)
class _Genres:
    """Canonical genres of every film, films ascending, genres in first-seen order."""

    films: np.ndarray  # distinct film_id
    film: np.ndarray  # index into ``films`` of each genre
    canon: np.ndarray  # canonical code of each genre
    rank: np.ndarray  # source rank where each genre was first seen
    count: np.ndarray  # genres per film
    first: np.ndarray  # index of each film's first genre


def _sort_order(film: np.ndarray, rank: np.ndarray, item_order: np.ndarray) -> np.ndarray:
    """Stable order of rows by (film_id, source rank, item_order)."""
    n = len(film)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    f_min, f_span = film.min(), int(film.max()) - int(film.min()) + 1
    o_min, o_span = item_order.min(), int(item_order.max()) - int(item_order.min()) + 1
    n_rank = int(rank.max()) + 1
    if f_span * n_rank * o_span < 2**62:  # one int64 key: one stable sort instead of three
        key = ((film - f_min) * n_rank + rank) * o_span + (item_order - o_min)
        if bool(np.all(key[1:] >= key[:-1])):
            return np.arange(n, dtype=np.int64)
        return np.argsort(key, kind="stable").astype(np.int64)
    return np.lexsort((item_order, rank, film)).astype(np.int64)


def _source_rank(source_values: np.ndarray, rules: GenreRules) -> np.ndarray:
    """Rank in ``rules.sources`` of each row's source."""
    source_codes, source_uniques = pd.factorize(source_values)
    rank_of_unique = np.array([rules.sources.index(s) for s in source_uniques], dtype=np.int64)
    return rank_of_unique[source_codes]


def _sort_and_parse(
    sources: pd.DataFrame, film_all: np.ndarray, rank_all: np.ndarray
) -> tuple[_Rows, ParsedUnique]:
    """Rows in genre order, and every distinct raw value parsed once.

    Another thread sorts the rows while this one parses: numpy releases the GIL.
    """
    item_order = sources["item_order"].to_numpy(dtype=np.int64)
    with ThreadPoolExecutor(max_workers=1) as pool:
        sorting = pool.submit(_sort_order, film_all, rank_all, item_order)
        raw_codes, raw_uniques = factorize_column(sources["genres_raw"])
        parsed = parse_unique(raw_uniques)
        order = sorting.result()
    rows = _Rows(order=order, film=film_all[order], rank=rank_all[order], raw_code=raw_codes[order])
    return rows, parsed


def _canonical_codes(names: np.ndarray, rules: GenreRules) -> tuple[np.ndarray, np.ndarray]:
    """Canonical vocabulary and the code of each distinct name in it (-1: dropped or empty).

    The vocabulary is the hierarchy, then the unknown names sorted: a code below
    ``len(rules.hierarchy)`` is a hierarchy genre, and lower codes rank higher.
    """
    normalized = normalize_unique(pd.Series(names, dtype=object), rules)
    hierarchy_pos = {name: i for i, name in enumerate(rules.hierarchy)}
    unknown_names = sorted(set(normalized.dropna()) - hierarchy_pos.keys())
    canon_vocab = np.asarray(list(rules.hierarchy) + unknown_names, dtype=object)
    canon_index = hierarchy_pos | {n: len(rules.hierarchy) + i for i, n in enumerate(unknown_names)}
    canon_of_name = np.array([canon_index.get(v, -1) for v in normalized], dtype=np.int64)
    return canon_vocab, canon_of_name


def _value_genres(
    parsed: ParsedUnique, canon_of_name: np.ndarray, canon_vocab: np.ndarray
) -> ParsedUnique:
    """Canonical genres of each distinct value in order; dropped names and duplicates out."""
    item_canon = canon_of_name[parsed.name_code] if len(parsed.name_code) else parsed.name_code
    keep = item_canon >= 0
    v_value, v_canon = parsed.value[keep], item_canon[keep]
    first = _first_occurrences(v_value, v_canon)
    return ParsedUnique(
        value=v_value[first],
        position=np.zeros(int(first.sum()), dtype=np.int64),
        name_code=v_canon[first],
        names=canon_vocab,
        reason=parsed.reason,
    )


def _film_genres_of_rows(rows: _Rows, value_genres: ParsedUnique) -> _Genres:
    """Genres of every row, in genre order; duplicates across a film's rows removed."""
    row, item = expand(rows.raw_code, value_genres)
    film_start = np.flatnonzero(np.r_[True, rows.film[1:] != rows.film[:-1]])  # contiguous
    films = rows.film[film_start]
    film_rows = np.diff(np.r_[film_start, len(rows.film)])
    film = np.repeat(np.arange(len(films), dtype=np.int64), film_rows)[row]
    canon = value_genres.name_code[item]
    rank = rows.rank[row]
    # Within one value duplicates are gone: only films with several rows can still repeat one.
    multi = (film_rows > 1)[film]
    if multi.any():
        keep = np.ones(len(row), dtype=bool)
        keep[multi] = _first_occurrences(film[multi], canon[multi])
        film, canon, rank = film[keep], canon[keep], rank[keep]
    count = np.bincount(film, minlength=len(films)).astype(np.int64)
    first = np.cumsum(count) - count
    return _Genres(films=films, film=film, canon=canon, rank=rank, count=count, first=first)


def _movie_genres(genres: _Genres, canon_vocab: np.ndarray, rules: GenreRules) -> pd.DataFrame:
    position = np.arange(len(genres.film), dtype=np.int64) - np.repeat(genres.first, genres.count)
    return _frame(
        film_id=genres.films[genres.film],
        genre=canon_vocab[genres.canon],
        position=position + 1,
        source=np.asarray(rules.sources, dtype=object)[genres.rank],
    )


def _movie_primary_genre(
    genres: _Genres, canon_vocab: np.ndarray, rules: GenreRules
) -> pd.DataFrame:
    """Lowest canonical code if it is a hierarchy genre, else the film's first genre."""
    primary_code = np.full(len(genres.films), len(canon_vocab), dtype=np.int64)  # unknown_genre
    has_genre = np.flatnonzero(genres.count)
    if len(has_genre):
        starts = genres.first[has_genre]
        lowest = np.minimum.reduceat(genres.canon, starts)
        in_hierarchy = lowest < len(rules.hierarchy)
        primary_code[has_genre] = np.where(in_hierarchy, lowest, genres.canon[starts])
    primary = np.append(canon_vocab, np.array([rules.unknown_genre], dtype=object))[primary_code]
    return _frame(film_id=genres.films, primary_genre=primary, genre_count=genres.count)


def _rejected(
    sources: pd.DataFrame,
    film_all: np.ndarray,
    source_values: np.ndarray,
    rows: _Rows,
    reason: np.ndarray,
) -> pd.DataFrame:
    """Rows whose raw value is unparseable, in genre order."""
    bad_value = np.asarray(pd.notna(reason), dtype=bool)
    bad_row = np.zeros(len(rows.raw_code), dtype=bool)
    valid = rows.raw_code >= 0
    bad_row[valid] = bad_value[rows.raw_code[valid]]
    bad_idx = rows.order[bad_row]
    return _frame(
        film_id=film_all[bad_idx],
        source=source_values[bad_idx],
        genres_raw=sources["genres_raw"].to_numpy(dtype=object)[bad_idx],
        reason=reason[rows.raw_code[bad_row]],
    )


def _unknown_counts(genres: _Genres, canon_vocab: np.ndarray, rules: GenreRules) -> pd.Series:
    n_hierarchy = len(rules.hierarchy)
    unknown_hist = np.bincount(genres.canon, minlength=len(canon_vocab))[n_hierarchy:]
    return _unknown_series(
        pd.Series(unknown_hist, index=canon_vocab[n_hierarchy:])[unknown_hist > 0]
    )


def _assemble(sources: pd.DataFrame, rules: GenreRules) -> GenreResult:
    film_all = sources["film_id"].to_numpy(dtype=np.int64)
    source_values = sources["source"].to_numpy(dtype=object)
    rank_all = _source_rank(source_values, rules)
    rows, parsed = _sort_and_parse(sources, film_all, rank_all)
    canon_vocab, canon_of_name = _canonical_codes(parsed.names, rules)
    genres = _film_genres_of_rows(rows, _value_genres(parsed, canon_of_name, canon_vocab))
    return GenreResult(
        movie_genres=_movie_genres(genres, canon_vocab, rules),
        movie_primary_genre=_movie_primary_genre(genres, canon_vocab, rules),
        rejected=_rejected(sources, film_all, source_values, rows, parsed.reason),
        unknown_counts=_unknown_counts(genres, canon_vocab, rules),
    )


def film_genres(sources: pd.DataFrame, rules: GenreRules) -> GenreResult:
    """Genres of every film and its primary genre (DESIGN.md §4), vectorized.

    ``sources`` has one row per raw genre value: ``film_id`` (int), ``source`` (one of
    ``rules.sources``), ``item_order`` (int: order of the rows of one film within one source)
    and ``genres_raw`` (str or NA). A film's genres are the names of its rows in
    ``rules.sources`` order, then ``item_order``, then list order; normalized; dropped names
    removed; duplicates removed keeping the first. Unparseable values are rejected and add no
    genre; the film keeps the genres of its other rows.
    """
    _check_sources(sources, rules)
    result = _empty_result(rules) if len(sources) == 0 else _assemble(sources, rules)
    _log_summary(result, rules)
    return result
