"""Parsing of raw genre values: JSON, Python literals, MovieLens pipes (DESIGN.md §4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from genre_support import RULES

from netflix_pipeline.pipelines.genres import parser
from netflix_pipeline.pipelines.genres.parser import (
    REASON_MALFORMED,
    REASON_STRUCTURE,
    parse_genre_lists,
    parse_genre_value,
)
from netflix_pipeline.pipelines.genres.rules import normalize_names


def test_python_whitespace_class_matches_str_isspace() -> None:
    import re

    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    rendered = parser._PY_WS.replace(r"\x{", r"\U").replace("}", "")
    expanded = re.sub(r"\\U([0-9a-f]+)", lambda m: f"\\U{int(m.group(1), 16):08x}", rendered)
    pattern = re.compile(expanded)
    assert {c for c in spaces if pattern.fullmatch(c)} == spaces
    assert all(not pattern.fullmatch(chr(c)) for c in range(0x3001) if chr(c) not in spaces)


def parsed(raw: object) -> tuple[list[str], bool]:
    items, bad = parse_genre_lists(pd.Series([raw], dtype=object))
    return items["name"].tolist(), bool(bad.iloc[0])


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ('[{"id": 28, "name": "Action"}]', ["Action"]),
        (
            '[{"id": 28, "name": "Action"}, {"id": 878, "name": "Science Fiction"}]',
            ["Action", "Science Fiction"],
        ),
        ("[{'id': 16, 'name': 'Animation'}]", ["Animation"]),
        (
            "[{'id': 16, 'name': 'Animation'}, {'id': 10751, 'name': \"Children's\"}]",
            ["Animation", "Children's"],
        ),  # fmt: skip
        ('[{"name": "Drama", "id": 18}]', ["Drama"]),
        ('["Action", "Drama"]', ["Action", "Drama"]),
        ("['Action', 'Drama']", ["Action", "Drama"]),
        ("['Action', \"Children's\"]", ["Action", "Children's"]),
        ('["id", "name"]', ["id", "name"]),
        ('[{"id": 1, "name": "name"}]', ["name"]),
        ('["Action|Drama"]', ["Action|Drama"]),
        ("['x \"name\": y']", ['x "name": y']),
        ("Action|Sci-Fi", ["Action", "Sci-Fi"]),
        ("Action||Drama| |Action|", ["Action", "Drama", "Action"]),
        (" Comedy | Romance ", ["Comedy", "Romance"]),
        ("(no genres listed)", ["(no genres listed)"]),
        ("Drama", ["Drama"]),
        ("[]", []),
        ("  [ ]  ", []),
        ("", []),
        ("   ", []),
        (None, []),
        (np.nan, []),
        ('  ["Action"]', ["Action"]),
        ('\u3000["Action"]\u2028', ["Action"]),  # Python whitespace, trimmed
        ('["Caf\\u00e9"]', ["Café"]),  # escapes: the exact parser
        ("['Action',]", ["Action"]),  # Python trailing comma
        ('[{"id": 1, "name": "Action", "extra": [1, 2]}]', ["Action"]),  # other keys
        ('[{"id": 1, "name": " "}, {"id": 2, "name": ""}]', []),  # empty names dropped
    ],
)
def test_parse_encodings(raw: object, names: list[str]) -> None:
    assert parsed(raw) == (names, False)
    assert parse_genre_value(raw) == (names, None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("[{'id': 16, 'name': ", REASON_MALFORMED),
        ('[{"id": 28, "name": "Action"}', REASON_MALFORMED),
        ('["Action", Drama]', REASON_MALFORMED),
        ("{'id': 16, 'name': 'Animation'", REASON_MALFORMED),
        ('{"id": 16, "name": "Animation"}', REASON_STRUCTURE),  # an object, not a list
        ("[1, 2]", REASON_STRUCTURE),
        ('[{"id": 16}]', REASON_STRUCTURE),
        ('[{"id": 16, "name": null}]', REASON_STRUCTURE),
        ('[["Action"]]', REASON_STRUCTURE),
    ],
)
def test_unparseable_values_are_flagged_never_guessed(raw: str, reason: str) -> None:
    assert parsed(raw) == ([], True)
    assert parse_genre_value(raw) == (None, reason)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("[" * 5000 + "]" * 5000, REASON_STRUCTURE),  # valid JSON, deeper than Python parses
        ("[" * 5000 + "'Action'" + "]" * 5000, REASON_STRUCTURE),  # a Python literal, as deep
        ('[{"name": ' * 3000 + '"Action"' + "}]" * 3000, REASON_STRUCTURE),
    ],
)
def test_deeply_nested_values_are_quarantined_not_a_crash(raw: str, reason: str) -> None:
    assert parse_genre_value(raw) == (None, reason)
    assert parsed(raw) == ([], True)


def test_parse_items_carry_index_labels_and_positions() -> None:
    raw = pd.Series(
        ["Action|Drama", None, "[{'id': 1, 'name': 'War'}]", "Action|Drama", "[{'id': "],
        index=[10, 20, 30, 40, 50],
    )
    items, bad = parse_genre_lists(raw)
    assert items.to_dict("list") == {
        "row": [10, 10, 30, 40, 40],
        "position": [1, 2, 1, 1, 2],
        "name": ["Action", "Drama", "War", "Action", "Drama"],
    }
    assert bad.tolist() == [False, False, False, False, True]
    assert bad.index.tolist() == [10, 20, 30, 40, 50]


def test_values_differing_after_a_nul_character_stay_distinct() -> None:
    # pandas' string hash table compares C strings; these must not be merged.
    raw = pd.Series(["a\x00b", "a\x00c", "a", "\x00", ""], dtype=object)
    items, bad = parse_genre_lists(raw)
    assert items["name"].tolist() == ["a\x00b", "a\x00c", "a", "\x00"]
    assert items["row"].tolist() == [0, 1, 2, 3]
    out = normalize_names(pd.Series(["x\x00y", "x\x00z", "x"]), RULES)
    assert out.tolist() == ["X\x00Y", "X\x00Z", "X"]


def test_arrow_backed_input_parses_like_object_input() -> None:
    raw = pd.Series(['[{"id": 28, "name": "Action"}]', None, "A|B", "[{'id': "], dtype=object)
    a_items, a_bad = parse_genre_lists(raw)
    b_items, b_bad = parse_genre_lists(raw.astype("string[pyarrow]"))
    pd.testing.assert_frame_equal(a_items, b_items)
    assert a_bad.tolist() == b_bad.tolist()
