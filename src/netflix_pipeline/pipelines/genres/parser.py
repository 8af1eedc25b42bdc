"""Parsing of raw genre values into genre names, once per distinct value.

Parsing of a distinct raw value (:func:`parse_genre_lists`, exact parser
:func:`parse_genre_value`):

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
the GIL). Parsed names are trimmed; empty names are dropped.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .factorize import factorize_column, factorize_python, is_na

__all__ = [
    "REASON_MALFORMED",
    "REASON_STRUCTURE",
    "ParsedUnique",
    "expand",
    "parse_genre_lists",
    "parse_genre_value",
    "parse_unique",
    "positions",
]

REASON_MALFORMED = "malformed list literal: neither valid JSON nor a Python literal"
REASON_STRUCTURE = "not a list of genre names or of objects with a string 'name'"

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


def parse_genre_value(value: Any) -> tuple[list[str] | None, str | None]:
    """Parse one raw genre value exactly: ``(names, None)`` or ``(None, reason)``.

    :func:`parse_genre_lists` uses it for the values its fast path does not cover. Names are
    trimmed; empty names are dropped.
    """
    if is_na(value):
        return [], None
    text = str(value).strip()
    if not text:
        return [], None
    if text[0] not in "[{":
        return [p for p in (part.strip() for part in text.split("|")) if p], None
    try:
        obj = json.loads(text)
    except RecursionError:  # valid JSON nested deeper than Python's parser goes: not names
        return None, REASON_STRUCTURE
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
class ParsedUnique:
    """Items of distinct raw values: value index, 1-based position, code into ``names``."""

    value: np.ndarray  # int64, ascending
    position: np.ndarray  # int64
    name_code: np.ndarray  # int64
    names: np.ndarray  # object: distinct trimmed names
    reason: np.ndarray  # object per distinct value: None or the unparseable reason


def positions(groups: np.ndarray) -> np.ndarray:
    """1-based position of each element inside its run of equal, consecutive ``groups``."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n, dtype=np.int64) - np.repeat(starts, lengths) + 1


# --------------------------------------------------------------------------------------------
# Fast path: byte positions in the Arrow buffers
# --------------------------------------------------------------------------------------------


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
        for q, where in by_byte.items():
            is_q = data[opening] == q
            closing[is_q] = where[np.searchsorted(where, opening[is_q], side="right")]
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
    quotes = np.flatnonzero(data == quote)
    opening, closing = quotes[0::2], quotes[1::2]
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


_Route = Callable[[pa.Array], tuple[np.ndarray, pa.Array]]


def _routes(arr: pa.Array) -> tuple[list[tuple[np.ndarray, _Route]], np.ndarray]:
    """Values by shape, each with its parser, and the values left to the exact parser.

    One anchored RE2 match validates list literals. Fast values without quotes are empty lists:
    they have no route.
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
    routes: list[tuple[np.ndarray, _Route]] = [
        (fast & has_dq & ~has_sq, lambda a: _route_single_quote(a, ord('"'))),
        (fast & has_sq & ~has_dq, lambda a: _route_single_quote(a, ord("'"))),
        (fast & has_dq & has_sq, _route_mixed_quotes),
        (pipe, _route_pipe),
    ]
    return routes, np.flatnonzero(~(fast | pipe))


@dataclass(frozen=True)
class _FastChunk:
    """Fast-path result for a slice of distinct values (indices relative to the slice)."""

    parent: np.ndarray  # value of each name, ascending within each shape
    name_code: np.ndarray  # code into vocab
    vocab: list[str]  # distinct names of the slice, untrimmed
    exact: np.ndarray  # values left to the exact parser


def _parse_fast(arr: pa.Array) -> _FastChunk:
    """Fast path over null-free ``large_string`` values (runs in worker threads: no GIL work).

    Names are located from the positions of quote and pipe bytes (numpy), cut out with one
    gather per shape, and their distinct values found by Arrow's hash table.
    """
    routes, exact = _routes(arr)
    parents: list[np.ndarray] = []
    cuts: list[pa.Array] = []
    for route, parse in routes:
        idx = np.flatnonzero(route)
        if len(idx):
            local, names_arr = parse(arr.take(idx))
            parents.append(idx[local])
            cuts.append(names_arr)
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


# --------------------------------------------------------------------------------------------
# Distinct values: fast path in threads, exact parser for the rest
# --------------------------------------------------------------------------------------------

_PARALLEL_MIN_VALUES = 20_000


def _threads() -> int:
    """Worker threads for the fast path: the CPUs this process may use, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _fast_chunks(arr: pa.Array) -> tuple[np.ndarray, list[_FastChunk]]:
    """Fast path over slices of ``arr`` (in worker threads when it is long): (slice starts, ...)."""
    n = len(arr)
    threads = _threads() if n >= _PARALLEL_MIN_VALUES else 1
    bounds = np.linspace(0, n, threads + 1).astype(np.int64)
    slices = [arr.slice(a, b - a) for a, b in itertools.pairwise(bounds.tolist())]
    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return bounds[:-1], list(pool.map(_parse_fast, slices))
    return bounds[:-1], [_parse_fast(s) for s in slices]


@dataclass(frozen=True)
class _Items:
    """Items of distinct values before trimming: value index and code into ``vocab``."""

    parents: list[np.ndarray]  # one sorted run per shape and slice
    codes: list[np.ndarray]
    vocab: list[str]  # untrimmed names
    exact: np.ndarray  # values left to the exact parser, ascending


def _merge_chunks(bases: np.ndarray, chunks: list[_FastChunk], not_utf8: np.ndarray) -> _Items:
    """One vocabulary (tiny) for all slices; value indices made global."""
    vocab_index: dict[str, int] = {}
    parent_parts, code_parts = [], []
    for base, chunk in zip(bases, chunks, strict=True):
        remap = np.array(
            [vocab_index.setdefault(name, len(vocab_index)) for name in chunk.vocab],
            dtype=np.int64,
        )
        parent_parts.append(chunk.parent + base)
        code_parts.append(remap[chunk.name_code] if len(remap) else chunk.name_code)
    exact = np.union1d(
        np.concatenate([c.exact + base for base, c in zip(bases, chunks, strict=True)]),
        np.flatnonzero(not_utf8),
    )
    return _Items(parent_parts, code_parts, list(vocab_index), exact)


def _parse_exact(
    values: np.ndarray | pa.Array, exact: np.ndarray
) -> tuple[np.ndarray, list[int], list[str]]:
    """Exact parser over the values the fast path left: (reasons, item values, item names)."""
    reason = np.empty(len(values), dtype=object)  # all None
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
    return reason, extra_parent, extra_names


def _finish_items(
    items: _Items, extra_parent: list[int], extra_names: list[str], reason: np.ndarray
) -> ParsedUnique:
    """Trim once per distinct name, drop empty names, put items in value order."""
    trimmed = pd.Series(items.vocab, dtype=object).str.strip()
    all_names = pd.concat([trimmed, pd.Series(extra_names, dtype=object)], ignore_index=True)
    name_codes, names = factorize_python(all_names.to_numpy(dtype=object))  # tiny vocabulary
    codes = np.concatenate(items.codes) if items.codes else np.zeros(0, dtype=np.int64)
    item_codes = np.r_[name_codes[codes], name_codes[len(items.vocab) :]].astype(np.int64)
    item_parent = np.concatenate([*items.parents, np.asarray(extra_parent, dtype=np.int64)])
    # Sorted runs, one per shape and slice: a stable sort (timsort) merges them in about
    # linear time.
    by_value = np.argsort(item_parent, kind="stable")
    item_parent, item_codes = item_parent[by_value], item_codes[by_value]
    names = np.asarray(names, dtype=object)
    nonempty_name = np.asarray(pd.Series(names, dtype=object).ne("").to_numpy(), dtype=bool)
    keep = nonempty_name[item_codes] if len(item_codes) else np.zeros(0, dtype=bool)
    item_parent, item_codes = item_parent[keep], item_codes[keep]
    return ParsedUnique(
        value=item_parent,
        position=positions(item_parent),
        name_code=item_codes,
        names=names,
        reason=reason,
    )


def parse_unique(values: np.ndarray | pa.Array) -> ParsedUnique:
    """Parse distinct raw strings (object array of ``str`` or a null-free Arrow string array).

    The fast path runs on slices of the values in worker threads (Arrow and numpy release the
    GIL); the exact parser then handles the values it left, once each, in this thread.
    """
    if isinstance(values, pa.Array):
        arr, not_utf8 = values.cast(pa.large_string()), np.zeros(len(values), dtype=bool)
    else:
        arr, not_utf8 = _utf8_safe(values)
    bases, chunks = _fast_chunks(arr)
    items = _merge_chunks(bases, chunks, not_utf8)
    reason, extra_parent, extra_names = _parse_exact(values, items.exact)
    return _finish_items(items, extra_parent, extra_names, reason)


def expand(codes: np.ndarray, parsed: ParsedUnique) -> tuple[np.ndarray, np.ndarray]:
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
    codes, uniques = factorize_column(raw)
    parsed = parse_unique(uniques)
    rows, item = expand(codes, parsed)
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
