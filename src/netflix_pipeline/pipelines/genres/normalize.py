"""Genres of a film, genre normalization and the primary genre (DESIGN.md §4).

Everything here is pure (no I/O besides logging) and vectorized: no Python loop runs per film or
per source row. The work is organised around two facts about genre data:

* raw genre values repeat a lot (the same JSON array or pipe string appears for many films), so
  raw values are factorized first and parsed once per distinct value;
* the genre vocabulary is tiny, so names are normalized once per distinct name.

Parsing of a distinct raw value (:func:`parse_genre_lists`, reference :func:`parse_genre_value`):

* ``NaN``/``None``/empty or blank string: no genres (not a fault);
* a value whose first non-blank character is ``[`` or ``{`` is a list literal. The common shapes —
  TMDB's JSON array of ``{"id": …, "name": …}`` objects, Kaggle's Python-literal list of dicts in
  single quotes (names holding an apostrophe in double quotes), arrays of quoted strings — match
  one anchored RE2 grammar (Arrow compute) of constructs that ``json.loads`` and
  ``ast.literal_eval`` read alike; their names are then located from the positions of the quote
  bytes in the Arrow buffer (numpy) and cut out in one gather. Anything else that starts with
  ``[``/``{`` (escape sequences, other keys, trailing commas, malformed text) is decided by the
  exact parser :func:`parse_genre_value` (``json.loads``, then ``ast.literal_eval``), once per
  distinct value concerned; what neither accepts, or what is not a list of names or of
  ``{"name": str}`` objects, is *unparseable*: it is reported, never guessed;
* anything else is a MovieLens pipe-separated string (``Action|Sci-Fi``), split at the positions
  of its ``|`` bytes.

The fast path runs on slices of the distinct values in worker threads (Arrow and numpy release
the GIL). Distinct values and names are found with Arrow's hash table, which, unlike pandas'
string hash table, does not stop at a NUL character.

Parsed names are trimmed; empty names are dropped.

Normalization of a name (:func:`normalize_names`): trim and collapse inner whitespace; match
case-insensitively (``str.casefold``); a dropped name (``rules.drop``) becomes NA; a synonym maps
to its canonical name; a hierarchy name takes the hierarchy's spelling; any other name is an
*unknown* genre, kept and title-cased by :func:`title_case`: Python's ``str.title()`` (first letter
of every run of letters upper-case, the rest lower-case: ``"post-apocalyptic"`` →
``"Post-Apocalyptic"``), except that a letter right after an apostrophe that follows a letter stays
lower-case (``"tearjerker's"`` → ``"Tearjerker's"``, not ``"Tearjerker'S"``). Spellings that
title-casing would mangle (``Sci-Fi``) are synonyms in the parameters.
"""

from __future__ import annotations

import ast
import itertools
import json
import logging
import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

logger = logging.getLogger(__name__)

__all__ = [
    "GenreResult",
    "GenreRules",
    "REASON_MALFORMED",
    "REASON_STRUCTURE",
    "film_genres",
    "film_genres_rowwise",
    "name_key",
    "normalize_name",
    "normalize_names",
    "parse_genre_lists",
    "parse_genre_value",
    "title_case",
]

REASON_MALFORMED = "malformed list literal: neither valid JSON nor a Python literal"
REASON_STRUCTURE = "not a list of genre names or of objects with a string 'name'"

# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------

_WHITESPACE_RUN = re.compile(r"\s+")


def name_key(name: str) -> str:
    """Matching key of a genre name: trimmed, inner whitespace collapsed, casefolded."""
    return _WHITESPACE_RUN.sub(" ", name).strip().casefold()


@dataclass(frozen=True)
class GenreRules:
    """Validated genre rules (the ``genres`` parameters).

    ``synonyms`` maps a matching key (see :func:`name_key`) to a canonical name; ``drop`` holds
    matching keys. Build it with :meth:`from_params`.
    """

    hierarchy: tuple[str, ...]
    synonyms: Mapping[str, str]
    drop: frozenset[str]
    sources: tuple[str, ...]
    unknown_genre: str = "Unknown"
    log_top_unknown: int = 10
    # matching key -> canonical name, or None for a dropped name
    lookup: Mapping[str, str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.hierarchy:
            raise ValueError("genres.hierarchy must list at least one genre")
        for name in self.hierarchy:
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"genres.hierarchy holds an empty or non-string name: {name!r}")
            if name != _WHITESPACE_RUN.sub(" ", name).strip():
                raise ValueError(
                    f"genres.hierarchy name {name!r} has leading, trailing or repeated spaces"
                )
        keys = [name_key(h) for h in self.hierarchy]
        dupes = sorted({h for h, k in zip(self.hierarchy, keys, strict=True) if keys.count(k) > 1})
        if dupes:
            raise ValueError(
                f"genres.hierarchy lists a genre more than once (case-insensitively): {dupes}"
            )
        canonical = dict(zip(keys, self.hierarchy, strict=True))
        lookup: dict[str, str | None] = dict(canonical)
        for key, target in self.synonyms.items():
            if key != name_key(key) or not key:
                raise ValueError(f"genres.synonyms key {key!r} is not a matching key")
            if target not in self.hierarchy:
                raise ValueError(
                    f"genres.synonyms maps {key!r} to {target!r}, which is not a canonical name "
                    f"(synonym targets must be spelled exactly as in genres.hierarchy)"
                )
            if key in canonical and canonical[key] != target:
                raise ValueError(
                    f"genres.synonyms maps {key!r} to {target!r}, but {canonical[key]!r} is "
                    f"itself a hierarchy genre"
                )
            lookup[key] = target
        for key in self.drop:
            if key != name_key(key) or not key:
                raise ValueError(f"genres.drop entry {key!r} is not a matching key")
            if key in canonical:
                raise ValueError(f"genres.drop lists {key!r}, which is a hierarchy genre")
            if key in self.synonyms:
                raise ValueError(f"genres.drop lists {key!r}, which is also a synonym")
            lookup[key] = None
        if not self.sources:
            raise ValueError("genres.sources must list at least one source")
        if len(set(self.sources)) != len(self.sources):
            raise ValueError(f"genres.sources lists a source more than once: {list(self.sources)}")
        if not isinstance(self.unknown_genre, str) or not self.unknown_genre.strip():
            raise ValueError("genres.unknown_genre must be a non-empty string")
        if name_key(self.unknown_genre) in canonical:
            raise ValueError(
                f"genres.unknown_genre {self.unknown_genre!r} must not be a hierarchy genre"
            )
        if (
            isinstance(self.log_top_unknown, bool)
            or not isinstance(self.log_top_unknown, int)
            or self.log_top_unknown < 0
        ):
            raise ValueError("genres.log_top_unknown must be a non-negative integer")
        object.__setattr__(self, "lookup", lookup)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> GenreRules:
        """Build rules from the ``genres`` parameters (or from a mapping holding ``genres``)."""
        if not isinstance(params, Mapping):
            raise ValueError(f"genre parameters must be a mapping, got {type(params).__name__}")
        if "hierarchy" not in params and isinstance(params.get("genres"), Mapping):
            params = params["genres"]
        missing = [k for k in ("hierarchy", "sources") if k not in params]
        if missing:
            raise ValueError(f"genre parameters lack required keys: {missing}")
        known = {"hierarchy", "synonyms", "drop", "sources", "unknown_genre", "log_top_unknown"}
        extra = sorted(set(params) - known)
        if extra:
            raise ValueError(f"genre parameters have unknown keys: {extra}")

        def _str_list(key: str) -> list[str]:
            value = params.get(key) or []
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise ValueError(f"genres.{key} must be a list of strings")
            value = list(value)
            bad = [v for v in value if not isinstance(v, str)]
            if bad:
                raise ValueError(f"genres.{key} must hold strings only, got {bad!r}")
            return value

        synonyms_raw = params.get("synonyms") or {}
        if not isinstance(synonyms_raw, Mapping):
            raise ValueError("genres.synonyms must be a mapping of spelling -> canonical name")
        synonyms: dict[str, str] = {}
        for spelling, target in synonyms_raw.items():
            if not isinstance(spelling, str) or not isinstance(target, str):
                raise ValueError(
                    f"genres.synonyms must map strings to strings, got {spelling!r}: {target!r}"
                )
            key = name_key(spelling)
            if key in synonyms and synonyms[key] != target:
                raise ValueError(
                    f"genres.synonyms gives {spelling!r} two targets: {synonyms[key]!r}, {target!r}"
                )
            synonyms[key] = target
        return cls(
            hierarchy=tuple(_str_list("hierarchy")),
            synonyms=synonyms,
            drop=frozenset(name_key(d) for d in _str_list("drop")),
            sources=tuple(_str_list("sources")),
            unknown_genre=params.get("unknown_genre", "Unknown"),
            log_top_unknown=params.get("log_top_unknown", 10),
        )


# --------------------------------------------------------------------------------------------
# Normalization of names
# --------------------------------------------------------------------------------------------

# A letter right after "<letter>'" (or ’): str.title() upper-cases it, title_case() does not.
_APOSTROPHE_LETTER = re.compile(r"(?<=[^\W\d_]['’])([^\W\d_])")


def title_case(name: str) -> str:
    """Title-case an unknown genre name (see the module docstring for the rule)."""
    return _APOSTROPHE_LETTER.sub(lambda m: m.group(1).lower(), name.title())


def normalize_name(name: str, rules: GenreRules) -> str | None:
    """Normalize one name (the row-by-row reference of :func:`normalize_names`)."""
    collapsed = " ".join(name.split())
    key = collapsed.casefold()
    if not key:
        return None
    if key in rules.lookup:
        return rules.lookup[key]
    return title_case(collapsed)


def _normalize_unique(names: pd.Series, rules: GenreRules) -> pd.Series:
    """Normalize a Series of distinct (or few) names with pandas string methods."""
    collapsed = names.astype(object).str.replace(_WHITESPACE_RUN, " ", regex=True).str.strip()
    keys = collapsed.str.casefold()
    # Lookups through a function, not a dict: pandas' string hash tables stop at a NUL.
    known = keys.map(rules.lookup.__contains__).astype(bool)
    titled = collapsed.str.title().str.replace(
        _APOSTROPHE_LETTER, lambda m: m.group(1).lower(), regex=True
    )
    out = titled.where(~known, keys.map(rules.lookup.get))
    out = out.where(keys.ne(""), None)
    return out.astype(object).where(out.notna(), None)


def normalize_names(names: pd.Series, rules: GenreRules) -> pd.Series:
    """Normalize genre names; dropped and empty names become NA (``None``).

    Each distinct name is normalized once (factorized by Arrow's hash table), so the cost is
    one hash per row plus string work on the (tiny) vocabulary.
    """
    codes, uniques = _factorize_column(names)
    if isinstance(uniques, pa.Array):
        uniques = np.asarray(uniques.to_pylist(), dtype=object)
    normalized = _normalize_unique(pd.Series(uniques, dtype=object), rules)
    values = normalized.to_numpy(dtype=object)
    out = np.full(len(names), None, dtype=object)
    valid = codes >= 0
    out[valid] = values[codes[valid]]
    return pd.Series(out, index=names.index, name=names.name, dtype=object)


# --------------------------------------------------------------------------------------------
# Parsing of raw genre values
# --------------------------------------------------------------------------------------------

# Python's whitespace (str.isspace / str.strip) as an RE2 class.
_PY_WS = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
_LIST_START = rf"^{_PY_WS}*[\[{{]"

# Fast-path grammar: only constructs that json.loads and ast.literal_eval both read the same way
# (quoted strings without escapes or control characters, integer ids, {id, name} objects whose
# keys are followed directly by ":", no trailing commas). Everything else that looks like a list
# goes to parse_genre_value().
_WS = r"[ \t\n]*"
_DQ = r'"[^"\\\x00-\x1f]*"'
_SQ = r"'[^'\\\x00-\x1f]*'"
_NUM = r"-?(?:0|[1-9][0-9]*)"
_ID_PAIR = rf"""(?:"id"|'id'):{_WS}{_NUM}"""


def _obj(name_value: str) -> str:
    name_pair = rf"""(?:"name"|'name'):{_WS}{name_value}"""
    return rf"\{{{_WS}(?:{_ID_PAIR}{_WS},{_WS})?{name_pair}(?:{_WS},{_WS}{_ID_PAIR})?{_WS}\}}"


_ITEM = rf"(?:{_obj(f'(?:{_DQ}|{_SQ})')}|{_DQ}|{_SQ})"
_FAST_LIST = rf"^[ \t\n]*\[{_WS}(?:{_ITEM}(?:{_WS},{_WS}{_ITEM})*)?{_WS}\][ \t\n]*$"


def _is_na(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def parse_genre_value(value: Any) -> tuple[list[str] | None, str | None]:
    """Parse one raw genre value exactly: ``(names, None)`` or ``(None, reason)``.

    The row-by-row reference of :func:`parse_genre_lists`, which also uses it for the values its
    fast path does not cover. Names are trimmed; empty names are dropped.
    """
    if _is_na(value):
        return [], None
    text = str(value).strip()
    if not text:
        return [], None
    if text[0] not in "[{":
        return [p for p in (part.strip() for part in text.split("|")) if p], None
    try:
        obj = json.loads(text)
    except ValueError:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. SyntaxWarning: invalid escape sequence
                obj = ast.literal_eval(text)
        except Exception:  # literal_eval raises ValueError, SyntaxError, TypeError, …
            return None, REASON_MALFORMED
    if not isinstance(obj, list):
        return None, REASON_STRUCTURE
    names: list[str] = []
    for element in obj:
        if isinstance(element, str):
            name = element
        elif isinstance(element, dict) and isinstance(element.get("name"), str):
            name = element["name"]
        else:
            return None, REASON_STRUCTURE
        name = name.strip()
        if name:
            names.append(name)
    return names, None


@dataclass(frozen=True)
class _ParsedUnique:
    """Items of distinct raw values: value index, 1-based position, code into ``names``."""

    value: np.ndarray  # int64, ascending
    position: np.ndarray  # int64
    name_code: np.ndarray  # int64
    names: np.ndarray  # object: distinct trimmed names
    reason: np.ndarray  # object per distinct value: None or the unparseable reason


def _positions(groups: np.ndarray) -> np.ndarray:
    """1-based position of each element inside its run of equal, consecutive ``groups``."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n, dtype=np.int64) - np.repeat(starts, lengths) + 1


def _first_occurrences(groups: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Mask of elements whose code does not occur earlier in their run of equal ``groups``.

    Compares each element with the ones before it in its run, one lag per round; runs are short
    (a film has a handful of genres), so this beats hashing every (group, code) pair. Long runs
    fall back to hashing.
    """
    position = _positions(groups)
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


def _utf8_safe(values: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Arrow strings of distinct ``str`` values; values Arrow cannot hold are flagged."""
    try:
        return pa.array(values, type=pa.large_string()), np.zeros(len(values), dtype=bool)
    except (pa.ArrowException, UnicodeError):  # lone surrogates: error path only
        bad = np.array([not _encodable(v) for v in values], dtype=bool)
        safe = np.where(bad, "", values).astype(object)
        return pa.array(safe, type=pa.large_string()), bad


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeError:
        return False
    return True


def _buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Bytes and offsets (length n + 1) of a null-free ``large_string`` array."""
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, "u1")
    return data, offsets


def _gather(data: np.ndarray, start: np.ndarray, end: np.ndarray) -> pa.Array:
    """``large_string`` array of the byte ranges ``data[start:end]`` (ASCII-delimited UTF-8)."""
    lengths = end - start
    offsets = np.zeros(len(start) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    # Byte index as a running sum of steps: +1 inside a range, a jump at each range start.
    step_type = np.int32 if len(data) < 2**31 else np.int64
    steps = np.ones(total, dtype=step_type)
    nonempty = np.flatnonzero(lengths)
    if len(nonempty):
        firsts = start[nonempty]
        jumps = np.diff(firsts - offsets[nonempty], prepend=0) + 1
        jumps[0] = firsts[0]
        steps[offsets[nonempty]] = jumps
    index = np.cumsum(steps, dtype=step_type)
    return pa.Array.from_buffers(
        pa.large_string(), len(start), [None, pa.py_buffer(offsets), pa.py_buffer(data[index])]
    )


def _mixed_quote_strings(
    data: np.ndarray, ends: np.ndarray, quotes: np.ndarray, owner: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strings of fast-path values using both quote bytes: (value, opening, closing), in order.

    ``quotes``: positions of both quote bytes in those values (ascending); ``owner``: their value.
    Tokenizes every value at once, one string per round: the first quote after the previous
    string opens the next string, the next quote of the same byte closes it (fast-path strings
    hold no escape). Rounds: the most strings in one value.
    """
    empty = np.zeros(0, dtype=np.int64)
    if len(quotes) == 0:
        return empty, empty, empty
    by_byte = {q: quotes[data[quotes] == q] for q in (ord('"'), ord("'"))}
    value = np.unique(owner)
    cursor = np.searchsorted(owner, value)  # index of each value's first quote
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    while len(value):
        opening = quotes[cursor]
        closing = np.empty_like(opening)
        for q, positions in by_byte.items():
            is_q = data[opening] == q
            closing[is_q] = positions[np.searchsorted(positions, opening[is_q], side="right")]
        parts.append((value, opening, closing))
        cursor = np.searchsorted(quotes, closing, side="right")
        more = cursor < len(quotes)
        more[more] = quotes[cursor[more]] < ends[value[more]]
        value, cursor = value[more], cursor[more]
    v, o, c = (np.concatenate(p) for p in zip(*parts, strict=True))
    order = np.argsort(o, kind="stable")
    return v[order], o[order], c[order]


def _route_single_quote(arr: pa.Array, quote: int) -> tuple[np.ndarray, pa.Array]:
    """Names of fast-path values written with one quote byte: (local value index, names).

    The quotes of such values pair up in order (a string holds no quote of its kind); a string
    followed directly by ``:`` is a key (the grammar writes every key so), any other a name.
    """
    data, offsets = _buffers(arr)
    positions = np.flatnonzero(data == quote)
    opening, closing = positions[0::2], positions[1::2]
    is_name = data[closing + 1] != ord(":")
    opening, closing = opening[is_name], closing[is_name]
    owner = np.searchsorted(offsets[1:], opening, side="right")
    return owner, _gather(data, opening + 1, closing)


def _route_mixed_quotes(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Names of fast-path values that use both quote bytes (e.g. "Children's")."""
    data, offsets = _buffers(arr)
    quotes = np.flatnonzero((data == ord('"')) | (data == ord("'")))
    owner = np.searchsorted(offsets[1:], quotes, side="right")
    value, opening, closing = _mixed_quote_strings(data, offsets[1:], quotes, owner)
    is_name = data[closing + 1] != ord(":")
    return value[is_name], _gather(data, opening[is_name] + 1, closing[is_name])


def _route_pipe(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Items of MovieLens pipe-separated values, empty items included."""
    data, offsets = _buffers(arr)
    bars = np.flatnonzero(data == ord("|"))
    owner = np.searchsorted(offsets[1:], bars, side="right")
    values = np.arange(len(arr), dtype=np.int64)
    # Items run from each value start or bar + 1 to the next bar or value end; all in order.
    item_value = np.sort(np.r_[values, owner], kind="stable")
    item_start = np.sort(np.r_[offsets[:-1], bars + 1], kind="stable")
    item_end = np.sort(np.r_[bars, offsets[1:]], kind="stable")
    return item_value, _gather(data, item_start, item_end)


def _mask(matched: pa.Array) -> np.ndarray:
    return np.asarray(matched.to_numpy(zero_copy_only=False), dtype=bool)


@dataclass(frozen=True)
class _FastChunk:
    """Fast-path result for a slice of distinct values (indices relative to the slice)."""

    parent: np.ndarray  # value of each name, ascending within each shape
    name_code: np.ndarray  # code into vocab
    vocab: list[str]  # distinct names of the slice, untrimmed
    exact: np.ndarray  # values left to the exact parser


def _parse_fast(arr: pa.Array) -> _FastChunk:
    """Fast path over null-free ``large_string`` values (runs in worker threads: no GIL work).

    One anchored RE2 match validates list literals; values are grouped by shape; names are
    located from the positions of quote and pipe bytes (numpy), cut out with one gather per
    shape, and their distinct values found by Arrow's hash table.
    """
    n = len(arr)
    data, offsets = _buffers(arr)
    starts, ends = offsets[:-1], offsets[1:]
    nonempty = ends > starts
    first = np.zeros(n, dtype=np.uint8)
    first[nonempty] = data[starts[nonempty]]
    is_list = (first == ord("[")) | (first == ord("{"))
    # Leading blanks are rare: only values whose first byte may begin a blank need RE2.
    maybe_blank = nonempty & ~is_list & ((first <= 0x20) | (first >= 0xC2))
    if maybe_blank.any():
        idx = np.flatnonzero(maybe_blank)
        is_list[idx] = _mask(pc.match_substring_regex(arr.take(idx), _LIST_START))
    pipe = ~is_list
    fast = np.zeros(n, dtype=bool)
    has_dq = np.zeros(n, dtype=bool)
    has_sq = np.zeros(n, dtype=bool)
    if is_list.any():  # anchored: any other value fails on its first byte
        fast = is_list & _mask(pc.match_substring_regex(arr, _FAST_LIST))
        has_dq = _mask(pc.match_substring(arr, '"'))
        has_sq = _mask(pc.match_substring(arr, "'"))

    # One shape at a time. Fast values without quotes are empty lists: no names.
    parents: list[np.ndarray] = []
    cuts: list[pa.Array] = []
    for route, parse in (
        (fast & has_dq & ~has_sq, lambda a: _route_single_quote(a, ord('"'))),
        (fast & has_sq & ~has_dq, lambda a: _route_single_quote(a, ord("'"))),
        (fast & has_dq & has_sq, _route_mixed_quotes),
        (pipe, _route_pipe),
    ):
        idx = np.flatnonzero(route)
        if len(idx):
            local, names_arr = parse(arr.take(idx))
            parents.append(idx[local])
            cuts.append(names_arr)
    exact = np.flatnonzero(~(fast | pipe))
    if not cuts:
        empty = np.zeros(0, dtype=np.int64)
        return _FastChunk(empty, empty, [], exact)
    encoded = pc.dictionary_encode(pa.concat_arrays(cuts))
    return _FastChunk(
        parent=np.concatenate(parents),
        name_code=encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        vocab=encoded.dictionary.to_pylist(),
        exact=exact,
    )


_PARALLEL_MIN_VALUES = 20_000


def _threads() -> int:
    """Worker threads for the fast path: the CPUs this process may use, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _parse_unique(values: np.ndarray | pa.Array) -> _ParsedUnique:
    """Parse distinct raw strings (object array of ``str`` or a null-free Arrow string array).

    The fast path runs on slices of the values in worker threads (Arrow and numpy release the
    GIL); the exact parser then handles the values it left, once each, in this thread.
    """
    if isinstance(values, pa.Array):
        arr, not_utf8 = values.cast(pa.large_string()), np.zeros(len(values), dtype=bool)
    else:
        arr, not_utf8 = _utf8_safe(values)
    n = len(arr)
    threads = _threads() if n >= _PARALLEL_MIN_VALUES else 1
    bounds = np.linspace(0, n, threads + 1).astype(np.int64)
    slices = [arr.slice(a, b - a) for a, b in itertools.pairwise(bounds.tolist())]
    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            chunks = list(pool.map(_parse_fast, slices))
    else:
        chunks = [_parse_fast(s) for s in slices]

    # Merge the slices: one vocabulary (tiny), value indices made global.
    vocab_index: dict[str, int] = {}
    parent_parts, code_parts = [], []
    for base, chunk in zip(bounds[:-1], chunks, strict=True):
        remap = np.array(
            [vocab_index.setdefault(name, len(vocab_index)) for name in chunk.vocab],
            dtype=np.int64,
        )
        parent_parts.append(chunk.parent + base)
        code_parts.append(remap[chunk.name_code] if len(remap) else chunk.name_code)
    exact = np.union1d(
        np.concatenate([c.exact + base for base, c in zip(bounds[:-1], chunks, strict=True)]),
        np.flatnonzero(not_utf8),
    )

    # Exact path: json / ast, once per distinct value the fast path does not cover.
    reason = np.empty(n, dtype=object)  # all None
    extra_parent: list[int] = []
    extra_names: list[str] = []
    for i in exact:  # rare: escapes, other shapes, malformed values
        raw = values[i].as_py() if isinstance(values, pa.Array) else values[i]
        names, why = parse_genre_value(raw)
        if why is not None:
            reason[i] = why
        else:
            extra_parent.extend([int(i)] * len(names))
            extra_names.extend(names)

    # Trim once per distinct name; drop empty names.
    vocab = list(vocab_index)
    trimmed = pd.Series(vocab, dtype=object).str.strip()
    all_names = pd.concat([trimmed, pd.Series(extra_names, dtype=object)], ignore_index=True)
    name_codes, names = _factorize_python(all_names.to_numpy(dtype=object))  # tiny vocabulary
    codes = np.concatenate(code_parts) if code_parts else np.zeros(0, dtype=np.int64)
    item_codes = np.r_[name_codes[codes], name_codes[len(vocab) :]].astype(np.int64)
    item_parent = np.concatenate([*parent_parts, np.asarray(extra_parent, dtype=np.int64)])
    # Sorted runs, one per shape and slice: a stable sort (timsort) merges them in about
    # linear time.
    by_value = np.argsort(item_parent, kind="stable")
    item_parent, item_codes = item_parent[by_value], item_codes[by_value]
    names = np.asarray(names, dtype=object)
    nonempty_name = np.asarray(pd.Series(names, dtype=object).ne("").to_numpy(), dtype=bool)
    keep = nonempty_name[item_codes] if len(item_codes) else np.zeros(0, dtype=bool)
    item_parent, item_codes = item_parent[keep], item_codes[keep]
    return _ParsedUnique(
        value=item_parent,
        position=_positions(item_parent),
        name_code=item_codes,
        names=names,
        reason=reason,
    )


def _arrow_strings(raw: pd.Series) -> pa.Array | None:
    """The Arrow string array behind ``raw`` when it is Arrow-backed, else None."""
    dtype = raw.dtype
    if isinstance(dtype, pd.ArrowDtype):
        arrow_backed = pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(
            dtype.pyarrow_dtype
        )
    else:
        arrow_backed = isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    if not arrow_backed:
        return None
    arr = pa.array(raw.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _factorize_python(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for NA) and distinct values through a Python dict (exact, one pass)."""
    index: dict[Any, int] = {}
    codes = np.fromiter(
        (-1 if _is_na(v) else index.setdefault(v, len(index)) for v in values),
        dtype=np.int64,
        count=len(values),
    )
    return codes, np.asarray(list(index), dtype=object)


def _factorize_column(column: pd.Series) -> tuple[np.ndarray, np.ndarray | pa.Array]:
    """Codes (-1 for NA) and distinct values of a column of strings.

    Arrow's hash table does the work: it is exact for every string, whereas pandas' string hash
    table compares C strings and merges values that differ after a NUL character. Distinct
    values come back as an Arrow string array; a column holding other objects (numbers, lone
    surrogates) goes through a Python dict instead and its distinct values are read as text.
    """
    arrow = _arrow_strings(column)
    if arrow is None:
        values = column.to_numpy(dtype=object)
        try:
            arrow = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowException, UnicodeError, TypeError):  # rare: not only str / NA
            codes, uniques = _factorize_python(values)
            text = [u if isinstance(u, str) else str(u) for u in uniques]
            return codes, np.asarray(text, dtype=object)
    encoded = pc.dictionary_encode(arrow)
    codes = pc.fill_null(encoded.indices.cast(pa.int64()), -1).to_numpy(zero_copy_only=False)
    return np.asarray(codes, dtype=np.int64), encoded.dictionary


def _expand(codes: np.ndarray, parsed: _ParsedUnique) -> tuple[np.ndarray, np.ndarray]:
    """Items of every row (rows in order): (row index, index into the parsed items)."""
    n_values = len(parsed.reason)
    counts = np.bincount(parsed.value, minlength=n_values).astype(np.int64)
    starts = np.r_[0, np.cumsum(counts)[:-1]] if n_values else np.zeros(0, dtype=np.int64)
    valid = codes >= 0
    row_counts = np.zeros(len(codes), dtype=np.int64)
    row_counts[valid] = counts[codes[valid]]
    total = int(row_counts.sum())
    rows = np.repeat(np.arange(len(codes), dtype=np.int64), row_counts)
    row_first = np.zeros(len(codes), dtype=np.int64)
    row_first[valid] = starts[codes[valid]]
    row_offset = np.cumsum(row_counts) - row_counts  # first output slot of each row
    item = np.arange(total, dtype=np.int64) + np.repeat(row_first - row_offset, row_counts)
    return rows, item


def parse_genre_lists(raw: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Parse raw genre values into items.

    Returns ``items`` with columns ``row`` (the index label of ``raw``), ``position`` (1-based
    among the value's non-empty names) and ``name`` (trimmed, not normalized), in row order, and
    ``unparseable``, a boolean Series aligned with ``raw``. Unparseable values yield no items.
    """
    codes, uniques = _factorize_column(raw)
    parsed = _parse_unique(uniques)
    rows, item = _expand(codes, parsed)
    items = pd.DataFrame(
        {
            "row": raw.index.take(rows),
            "position": parsed.position[item],
            "name": parsed.names[parsed.name_code[item]],
        }
    )
    bad_value = np.asarray(pd.notna(parsed.reason), dtype=bool)
    unparseable = np.zeros(len(codes), dtype=bool)
    valid = codes >= 0
    unparseable[valid] = bad_value[codes[valid]]
    return items, pd.Series(unparseable, index=raw.index, name="unparseable")


# --------------------------------------------------------------------------------------------
# Genres of a film and primary genre
# --------------------------------------------------------------------------------------------

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
    if len(sources) == 0:
        result = _empty_result(rules)
        _log_summary(result, rules)
        return result

    # 1. Rows in genre order: film, source rank, item_order (stable).
    film_all = sources["film_id"].to_numpy(dtype=np.int64)
    source_values = sources["source"].to_numpy(dtype=object)
    source_codes, source_uniques = pd.factorize(source_values)
    rank_of_unique = np.array([rules.sources.index(s) for s in source_uniques], dtype=np.int64)
    rank_all = rank_of_unique[source_codes]
    item_order = sources["item_order"].to_numpy(dtype=np.int64)
    # 2. Parse each distinct raw value once (while another thread sorts the rows, numpy
    # releasing the GIL); normalize each distinct name once.
    with ThreadPoolExecutor(max_workers=1) as pool:
        sorting = pool.submit(_sort_order, film_all, rank_all, item_order)
        raw_codes, raw_uniques = _factorize_column(sources["genres_raw"])
        parsed = _parse_unique(raw_uniques)
        order = sorting.result()
    film = film_all[order]
    rank = rank_all[order]
    raw_codes = raw_codes[order]
    normalized = _normalize_unique(pd.Series(parsed.names, dtype=object), rules)
    hierarchy_pos = {name: i for i, name in enumerate(rules.hierarchy)}
    unknown_names = sorted(set(normalized.dropna()) - hierarchy_pos.keys())
    canon_vocab = np.asarray(list(rules.hierarchy) + unknown_names, dtype=object)
    canon_index = hierarchy_pos | {n: len(rules.hierarchy) + i for i, n in enumerate(unknown_names)}
    canon_of_name = np.array([canon_index.get(v, -1) for v in normalized], dtype=np.int64)

    # Per distinct value: canonical codes in order, dropped names out, duplicates out.
    item_canon = canon_of_name[parsed.name_code] if len(parsed.name_code) else parsed.name_code
    keep = item_canon >= 0
    v_value, v_canon = parsed.value[keep], item_canon[keep]
    n_canon = len(canon_vocab)
    first = _first_occurrences(v_value, v_canon)
    unique_items = _ParsedUnique(
        value=v_value[first],
        position=np.zeros(int(first.sum()), dtype=np.int64),
        name_code=v_canon[first],
        names=canon_vocab,
        reason=parsed.reason,
    )

    # 3. Items of every row, in genre order; duplicates across a film's rows removed.
    rows, item = _expand(raw_codes, unique_items)
    film_start = np.flatnonzero(np.r_[True, film[1:] != film[:-1]])  # films are contiguous
    films = film[film_start]
    film_rows = np.diff(np.r_[film_start, len(film)])
    group = np.repeat(np.arange(len(films), dtype=np.int64), film_rows)[rows]  # film per item
    g_canon = unique_items.name_code[item]
    g_rank = rank[rows]
    # Within one value duplicates are gone: only films with several rows can still repeat one.
    multi = (film_rows > 1)[group]
    if multi.any():
        keep = np.ones(len(rows), dtype=bool)
        keep[multi] = _first_occurrences(group[multi], g_canon[multi])
        group, g_canon, g_rank = group[keep], g_canon[keep], g_rank[keep]
    genre_count = np.bincount(group, minlength=len(films)).astype(np.int64)
    first_item = np.cumsum(genre_count) - genre_count
    position = np.arange(len(group), dtype=np.int64) - np.repeat(first_item, genre_count) + 1

    movie_genres = _frame(
        film_id=films[group],
        genre=canon_vocab[g_canon],
        position=position,
        source=np.asarray(rules.sources, dtype=object)[g_rank],
    )

    # 4. Primary genre: lowest canonical code if it is a hierarchy genre, else the first genre.
    primary_code = np.full(len(films), len(canon_vocab), dtype=np.int64)  # unknown_genre
    has_genre = np.flatnonzero(genre_count)
    if len(has_genre):
        starts = first_item[has_genre]
        lowest = np.minimum.reduceat(g_canon, starts)
        primary_code[has_genre] = np.where(lowest < len(rules.hierarchy), lowest, g_canon[starts])
    primary = np.append(canon_vocab, np.array([rules.unknown_genre], dtype=object))[primary_code]
    movie_primary_genre = _frame(film_id=films, primary_genre=primary, genre_count=genre_count)

    # 5. Rejected values and unknown names.
    bad_value = np.asarray(pd.notna(parsed.reason), dtype=bool)
    bad_row = np.zeros(len(raw_codes), dtype=bool)
    valid = raw_codes >= 0
    bad_row[valid] = bad_value[raw_codes[valid]]
    bad_idx = order[bad_row]
    rejected = _frame(
        film_id=film_all[bad_idx],
        source=source_values[bad_idx],
        genres_raw=sources["genres_raw"].to_numpy(dtype=object)[bad_idx],
        reason=parsed.reason[raw_codes[bad_row]],
    )
    unknown_hist = np.bincount(g_canon, minlength=n_canon)[len(rules.hierarchy) :]
    unknown_counts = _unknown_series(
        pd.Series(unknown_hist, index=canon_vocab[len(rules.hierarchy) :])[unknown_hist > 0]
    )

    result = GenreResult(movie_genres, movie_primary_genre, rejected, unknown_counts)
    _log_summary(result, rules)
    return result


def film_genres_rowwise(sources: pd.DataFrame, rules: GenreRules) -> GenreResult:
    """Row-by-row reference of :func:`film_genres` (plain Python; benchmark and test oracle)."""
    _check_sources(sources, rules)
    if len(sources) == 0:
        return _empty_result(rules)
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
    hierarchy_pos = {name: i for i, name in enumerate(rules.hierarchy)}

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
    movie_genres = pd.DataFrame(genre_rows, columns=list(empty.movie_genres.columns))
    movie_primary_genre = pd.DataFrame(
        primary_rows, columns=list(empty.movie_primary_genre.columns)
    )
    rejected_df = pd.DataFrame(rejected, columns=list(empty.rejected.columns))
    for frame, template in (
        (movie_genres, empty.movie_genres),
        (movie_primary_genre, empty.movie_primary_genre),
        (rejected_df, empty.rejected),
    ):
        for column in frame.columns:
            frame[column] = frame[column].astype(template[column].dtype)
    return GenreResult(movie_genres, movie_primary_genre, rejected_df, _unknown_series(unknown))
