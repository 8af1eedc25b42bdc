"""Parsing of one raw genre value into genre names (DESIGN.md §4).

The stage parses each distinct raw value once, in Python (:mod:`.values`); everything per film
runs in the warehouse. A raw value is:

* ``None`` or an empty or blank string: no genres (not a fault);
* a list literal, when its first non-blank character is ``[`` or ``{``: TMDB's JSON array of
  ``{"id": …, "name": …}`` objects, Kaggle's Python-literal list of dicts in single quotes,
  arrays of quoted strings. It is read with ``json.loads``, then ``ast.literal_eval``; what
  neither accepts, or what is not a list of names or of objects with a string ``name``, is
  *unparseable*: it is reported with a reason, never guessed (so is a name that escapes a lone
  surrogate, ``"\\ud800"``, which no UTF-8 table can hold);
* anything else: a MovieLens pipe-separated string (``Action|Sci-Fi``).

Names are trimmed; empty names are dropped.
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from typing import Any

__all__ = ["REASON_MALFORMED", "REASON_STRUCTURE", "REASON_TEXT", "parse_genre_value"]

REASON_MALFORMED = "malformed list literal: neither valid JSON nor a Python literal"
REASON_STRUCTURE = "not a list of genre names or of objects with a string 'name'"
REASON_TEXT = "a genre name escapes a lone surrogate (\\ud800-\\udfff), which is not text"


# Kaggle's export of TMDB writes nearly every value as ``[{'id': 18, 'name': 'Drama'}, …]``.
# A value exactly of that shape (decimal ids, names without quotes, backslashes, line ends, NUL
# or surrogates) is read by these two expressions, giving what ``ast.literal_eval`` gives at a
# tenth of its cost; any other value takes the general path below.
_KAGGLE_ITEM = r"\{'id': (?:0|[1-9][0-9]*), 'name': '([^'\\\n\r\x00\ud800-\udfff]*)'\}"
_KAGGLE_LIST = re.compile(rf"\[(?:{_KAGGLE_ITEM}(?:, {_KAGGLE_ITEM})*)?\]")
_KAGGLE_NAME = re.compile(_KAGGLE_ITEM)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def parse_genre_value(value: Any) -> tuple[list[str] | None, str | None]:
    """Parse one raw genre value: ``(names, None)`` or ``(None, reason)``."""
    if _is_missing(value):
        return [], None
    text = str(value).strip()
    if not text:
        return [], None
    if text[0] not in "[{":
        return [p for p in (part.strip() for part in text.split("|")) if p], None
    if _KAGGLE_LIST.fullmatch(text):
        return [n for n in (name.strip() for name in _KAGGLE_NAME.findall(text)) if n], None
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
        if not _is_text(name):
            return None, REASON_TEXT
        if name:
            names.append(name)
    return names, None


def _is_text(name: str) -> bool:
    """False for a string holding lone surrogates (JSON's ``"\\ud800"``): no table holds it."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
