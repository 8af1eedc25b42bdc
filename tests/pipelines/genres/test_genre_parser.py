"""Parsing of raw genre values (JSON, Python literals, MovieLens pipes) and the genres of each
distinct value (DESIGN.md §4)."""

from __future__ import annotations

import ast
import warnings

import numpy as np
import pandas as pd
import pytest
from genre_support import RULES
from hypothesis import given, settings
from hypothesis import strategies as st

from netflix_pipeline.pipelines.genres.parser import (
    REASON_MALFORMED,
    REASON_STRUCTURE,
    REASON_TEXT,
    parse_genre_value,
)
from netflix_pipeline.pipelines.genres.values import VALUE_COLUMNS, value_genres


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
        ('["\\ud882x", ""]', REASON_TEXT),  # a JSON escape of a lone surrogate
        ("['\\udbd9']", REASON_TEXT),
    ],
)
def test_unparseable_values_are_flagged_never_guessed(raw: str, reason: str) -> None:
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


# Names and ids of Kaggle's TMDB shape, with the characters that break a single-quoted literal.
_TRICKY_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["'", '"', "\\", "\\n", "\\x41", "\\u00e9", "\n", "\r", "\x00"]),
        st.sampled_from(["\t", "\u2028", "\x85", " ", "Drama"]),
        st.characters(codec="utf-8"),
    ),
    max_size=6,
).map("".join)
_IDS = st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["00", "012", "-1", "1_0", "1e3"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_IDS, _TRICKY_TEXT), max_size=5), st.sampled_from([", ", ",", ",  "]))
def test_kaggle_shaped_values_parse_as_python_reads_them(items, separator) -> None:
    """The quick reading of ``[{'id': 18, 'name': 'Drama'}, …]`` agrees with ``literal_eval``:
    same names where Python reads the text, unparseable where it does not."""
    raw = "[" + separator.join(f"{{'id': {i}, 'name': '{name}'}}" for i, name in items) + "]"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences
            expected = [e["name"].strip() for e in ast.literal_eval(raw)]
        expected = ([n for n in expected if n], None)
    except Exception:
        expected = (None, REASON_MALFORMED)
    assert parse_genre_value(raw) == expected


def test_values_differing_after_a_nul_character_stay_distinct() -> None:
    values = value_genres(["a\x00b|a\x00c", "a\x00b", "a"], RULES)
    assert values[["GENRES_RAW", "GENRE"]].values.tolist() == [
        ["a\x00b|a\x00c", "A\x00B"],
        ["a\x00b|a\x00c", "A\x00C"],
        ["a\x00b", "A\x00B"],
        ["a", "A"],
    ]


def test_value_genres_are_canonical_ordered_and_unique_with_hierarchy_ranks() -> None:
    bad = "[{'id': 16, 'name': "
    values = value_genres(
        ['[{"id": 1, "name": "sci-fi"}, {"id": 2, "name": "IMAX"}, {"id": 3, "name": "Drama"}]',
         "Drama| drama |Superhero|Science Fiction", "(no genres listed)", "", bad],
        RULES,
    )  # fmt: skip
    assert list(values.columns) == list(VALUE_COLUMNS)
    rank = {name: i for i, name in enumerate(RULES.hierarchy, start=1)}
    rows = [[None if pd.isna(v) else v for v in row] for row in values.values.tolist()]
    first = '[{"id": 1, "name": "sci-fi"}, {"id": 2, "name": "IMAX"}, {"id": 3, "name": "Drama"}]'
    pipes = "Drama| drama |Superhero|Science Fiction"
    scifi = rank["Science Fiction"]
    assert rows == [
        [first, 1, "Science Fiction", scifi, None],
        [first, 2, "Drama", rank["Drama"], None],
        [pipes, 1, "Drama", rank["Drama"], None],
        [pipes, 2, "Superhero", None, None],
        [pipes, 3, "Science Fiction", scifi, None],
        [bad, None, None, None, REASON_MALFORMED],
    ]


def test_no_values_give_an_empty_table_of_the_same_columns() -> None:
    values = value_genres([], RULES)
    assert values.empty and list(values.columns) == list(VALUE_COLUMNS)
    assert str(values["POSITION"].dtype) == "Int64" and str(values["GENRE"].dtype) == "string"
