"""Genre rules (the ``genres`` parameters) and the normalization of genre names.

Normalization of a name (:func:`normalize_name`): trim and collapse inner whitespace; match
case-insensitively (``str.casefold``); a dropped name (``rules.drop``) becomes NA; a synonym maps
to its canonical name; a hierarchy name takes the hierarchy's spelling; any other name is an
*unknown* genre, kept and title-cased by :func:`title_case`: Python's ``str.title()`` (first letter
of every run of letters upper-case, the rest lower-case: ``"post-apocalyptic"`` →
``"Post-Apocalyptic"``), except that a letter right after an apostrophe that follows a letter stays
lower-case (``"tearjerker's"`` → ``"Tearjerker's"``, not ``"Tearjerker'S"``). Spellings that
title-casing would mangle (``Sci-Fi``) are synonyms in the parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GenreRules", "name_key", "normalize_name", "title_case"]

_WHITESPACE_RUN = re.compile(r"\s+")
_KNOWN_KEYS = {"hierarchy", "synonyms", "drop", "sources", "unknown_genre", "log_top_unknown"}


def name_key(name: str) -> str:
    """Matching key of a genre name: trimmed, inner whitespace collapsed, casefolded."""
    return _WHITESPACE_RUN.sub(" ", name).strip().casefold()


def _check_hierarchy(hierarchy: tuple[str, ...]) -> dict[str, str]:
    """Matching key -> canonical name of every hierarchy genre."""
    if not hierarchy:
        raise ValueError("genres.hierarchy must list at least one genre")
    for name in hierarchy:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"genres.hierarchy holds an empty or non-string name: {name!r}")
        if name != _WHITESPACE_RUN.sub(" ", name).strip():
            raise ValueError(
                f"genres.hierarchy name {name!r} has leading, trailing or repeated spaces"
            )
    keys = [name_key(h) for h in hierarchy]
    dupes = sorted({h for h, k in zip(hierarchy, keys, strict=True) if keys.count(k) > 1})
    if dupes:
        raise ValueError(
            f"genres.hierarchy lists a genre more than once (case-insensitively): {dupes}"
        )
    return dict(zip(keys, hierarchy, strict=True))


def _check_synonyms(synonyms: Mapping[str, str], canonical: Mapping[str, str]) -> None:
    for key, target in synonyms.items():
        if key != name_key(key) or not key:
            raise ValueError(f"genres.synonyms key {key!r} is not a matching key")
        if target not in canonical.values():
            raise ValueError(
                f"genres.synonyms maps {key!r} to {target!r}, which is not a canonical name "
                f"(synonym targets must be spelled exactly as in genres.hierarchy)"
            )
        if key in canonical and canonical[key] != target:
            raise ValueError(
                f"genres.synonyms maps {key!r} to {target!r}, but {canonical[key]!r} is "
                f"itself a hierarchy genre"
            )


def _check_drop(
    drop: frozenset[str], synonyms: Mapping[str, str], canonical: Mapping[str, str]
) -> None:
    for key in drop:
        if key != name_key(key) or not key:
            raise ValueError(f"genres.drop entry {key!r} is not a matching key")
        if key in canonical:
            raise ValueError(f"genres.drop lists {key!r}, which is a hierarchy genre")
        if key in synonyms:
            raise ValueError(f"genres.drop lists {key!r}, which is also a synonym")


def _check_settings(rules: GenreRules, canonical: Mapping[str, str]) -> None:
    """Sources, the genre of a film without genres and the log length."""
    if not rules.sources:
        raise ValueError("genres.sources must list at least one source")
    if len(set(rules.sources)) != len(rules.sources):
        raise ValueError(f"genres.sources lists a source more than once: {list(rules.sources)}")
    if not isinstance(rules.unknown_genre, str) or not rules.unknown_genre.strip():
        raise ValueError("genres.unknown_genre must be a non-empty string")
    if name_key(rules.unknown_genre) in canonical:
        raise ValueError(
            f"genres.unknown_genre {rules.unknown_genre!r} must not be a hierarchy genre"
        )
    top = rules.log_top_unknown
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise ValueError("genres.log_top_unknown must be a non-negative integer")


def _str_list(params: Mapping[str, Any], key: str) -> list[str]:
    value = params.get(key) or []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"genres.{key} must be a list of strings")
    value = list(value)
    bad = [v for v in value if not isinstance(v, str)]
    if bad:
        raise ValueError(f"genres.{key} must hold strings only, got {bad!r}")
    return value


def _synonym_keys(params: Mapping[str, Any]) -> dict[str, str]:
    """The ``synonyms`` parameter keyed by matching key."""
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
    return synonyms


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
        canonical = _check_hierarchy(self.hierarchy)
        _check_synonyms(self.synonyms, canonical)
        _check_drop(self.drop, self.synonyms, canonical)
        _check_settings(self, canonical)
        lookup: dict[str, str | None] = {**canonical, **self.synonyms}
        lookup.update(dict.fromkeys(self.drop))
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
        extra = sorted(set(params) - _KNOWN_KEYS)
        if extra:
            raise ValueError(f"genre parameters have unknown keys: {extra}")
        return cls(
            hierarchy=tuple(_str_list(params, "hierarchy")),
            synonyms=_synonym_keys(params),
            drop=frozenset(name_key(d) for d in _str_list(params, "drop")),
            sources=tuple(_str_list(params, "sources")),
            unknown_genre=params.get("unknown_genre", "Unknown"),
            log_top_unknown=params.get("log_top_unknown", 10),
        )


# A letter right after "<letter>'" (or ’): str.title() upper-cases it, title_case() does not.
_APOSTROPHE_LETTER = re.compile(r"(?<=[^\W\d_]['’])([^\W\d_])")


def title_case(name: str) -> str:
    """Title-case an unknown genre name (see the module docstring for the rule)."""
    return _APOSTROPHE_LETTER.sub(lambda m: m.group(1).lower(), name.title())


def normalize_name(name: str, rules: GenreRules) -> str | None:
    """The canonical name of a genre name; ``None`` for a dropped or empty name."""
    collapsed = _WHITESPACE_RUN.sub(" ", name).strip()
    key = collapsed.casefold()
    if not key:
        return None
    if key in rules.lookup:
        return rules.lookup[key]
    return title_case(collapsed)
