"""Genres of a film, normalization and primary genre (DESIGN.md §4)."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netflix_pipeline.pipelines.genres import normalize as g
from netflix_pipeline.pipelines.genres.normalize import (
    REASON_MALFORMED,
    REASON_STRUCTURE,
    GenreRules,
    film_genres,
    film_genres_rowwise,
    normalize_name,
    normalize_names,
    parse_genre_lists,
    parse_genre_value,
    title_case,
)

REPO = Path(__file__).resolve().parents[3]
PARAMS_FILE = REPO / "conf" / "base" / "parameters_genres.yml"
SHARED_DATA = REPO.parent / "shared" / "data"


def load_params() -> dict:
    with PARAMS_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def params() -> dict:
    return load_params()


RULES = GenreRules.from_params(load_params())


def sources_frame(rows: list[tuple[int, str, int, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["film_id", "source", "item_order", "genres_raw"]).astype(
        {"film_id": "int64", "item_order": "int64", "genres_raw": object}
    )


def genres_of(result: g.GenreResult, film_id: int) -> list[str]:
    frame = result.movie_genres
    return frame.loc[frame["film_id"] == film_id].sort_values("position")["genre"].tolist()


def primary_of(result: g.GenreResult, film_id: int) -> str:
    frame = result.movie_primary_genre.set_index("film_id")
    return frame.loc[film_id, "primary_genre"]


def assert_same_result(a: g.GenreResult, b: g.GenreResult) -> None:
    for field in ("movie_genres", "movie_primary_genre", "rejected"):
        pd.testing.assert_frame_equal(
            getattr(a, field).reset_index(drop=True), getattr(b, field).reset_index(drop=True)
        )
    pd.testing.assert_series_equal(a.unknown_counts, b.unknown_counts)


# --------------------------------------------------------------------------------------------
# Parameters and rules
# --------------------------------------------------------------------------------------------


def test_parameter_file_holds_the_design_rules(params: dict) -> None:
    genres = params["genres"]
    assert genres["hierarchy"] == [
        "Documentary", "Musical", "Horror", "Thriller", "Action", "Comedy", "Drama", "Romance",
        "Crime", "Mystery", "Film-Noir", "Western", "Science Fiction", "Fantasy", "Adventure",
        "War", "History", "Sport", "Music", "Animation", "Children",
    ]  # fmt: skip
    synonyms = genres["synonyms"]
    for spelling, target in {
        "sci-fi": "Science Fiction",
        "scifi": "Science Fiction",
        "science fiction": "Science Fiction",
        "children's": "Children",
        "family": "Children",
        "film noir": "Film-Noir",
        "sports": "Sport",
    }.items():
        assert synonyms[spelling] == target
    assert set(genres["drop"]) == {"IMAX", "(no genres listed)", "TV Movie", "Foreign"}
    assert genres["sources"] == ["tmdb", "movielens"]
    assert genres["unknown_genre"] == "Unknown"
    assert genres["log_top_unknown"] == 10


def test_rules_accept_the_genres_mapping_or_the_whole_parameters(params: dict) -> None:
    assert GenreRules.from_params(params) == GenreRules.from_params(params["genres"])
    assert RULES.hierarchy[0] == "Documentary"
    assert RULES.lookup["sci-fi"] == "Science Fiction"
    assert RULES.lookup["imax"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(hierarchy=[]), "at least one genre"),
        (lambda p: p["hierarchy"].append("drama"), "more than once"),
        (lambda p: p["synonyms"].update({"noir": "Noir"}), "not a canonical name"),
        (lambda p: p["synonyms"].update({"kids": "children"}), "not a canonical name"),
        (lambda p: p["synonyms"].update({"drama": "Comedy"}), "itself a hierarchy genre"),
        (lambda p: p["drop"].append("Drama"), "hierarchy genre"),
        (lambda p: p["drop"].append("Sci-Fi"), "also a synonym"),
        (lambda p: p.update(sources=["tmdb", "tmdb"]), "more than once"),
        (lambda p: p.update(sources=[]), "at least one source"),
        (lambda p: p.update(unknown_genre="Drama"), "must not be a hierarchy genre"),
        (lambda p: p.update(unknown_genre=""), "non-empty"),
        (lambda p: p.update(log_top_unknown=-1), "non-negative"),
        (lambda p: p.update(hierarchy="Drama"), "list of strings"),
        (lambda p: p.update(synonyms=["a"]), "mapping"),
        (lambda p: p.update(colour="red"), "unknown keys"),
        (lambda p: p.pop("hierarchy"), "lack required keys"),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_message(params, change, message) -> None:
    broken = copy.deepcopy(params["genres"])
    change(broken)
    with pytest.raises(ValueError, match=message):
        GenreRules.from_params(broken)


def test_python_whitespace_class_matches_str_isspace() -> None:
    import re

    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    rendered = g._PY_WS.replace(r"\x{", r"\U").replace("}", "")
    expanded = re.sub(r"\\U([0-9a-f]+)", lambda m: f"\\U{int(m.group(1), 16):08x}", rendered)
    pattern = re.compile(expanded)
    assert {c for c in spaces if pattern.fullmatch(c)} == spaces
    assert all(not pattern.fullmatch(chr(c)) for c in range(0x3001) if chr(c) not in spaces)


# --------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" sci-fi ", "Science Fiction"),
        ("Sci-Fi", "Science Fiction"),
        ("SciFi", "Science Fiction"),
        ("science   FICTION", "Science Fiction"),
        ("CHILDREN'S", "Children"),
        ("Children's", "Children"),
        ("family", "Children"),
        ("Film Noir", "Film-Noir"),
        ("film-noir", "Film-Noir"),
        ("Sports", "Sport"),
        ("  drama\t", "Drama"),
        ("DOCUMENTARY", "Documentary"),
        ("(no genres listed)", None),
        ("IMAX", None),
        ("imax ", None),
        ("TV  Movie", None),
        ("foreign", None),
        ("", None),
        ("   ", None),
        ("post-apocalyptic", "Post-Apocalyptic"),
        ("martial  ARTS", "Martial Arts"),
        ("tearjerker's", "Tearjerker's"),
        ("rock 'n' roll", "Rock 'N' Roll"),
    ],
)
def test_normalize_names(raw: str, expected: str | None) -> None:
    out = normalize_names(pd.Series([raw], index=[7]), RULES)
    assert out.index.tolist() == [7]
    assert out.iloc[0] == expected if expected is not None else out.iloc[0] is None
    assert normalize_name(raw, RULES) == expected


def test_normalize_names_keeps_index_and_na() -> None:
    names = pd.Series(["Action", None, np.nan, "sci-fi", "Action"], index=list("abcde"))
    out = normalize_names(names, RULES)
    assert out.index.tolist() == list("abcde")
    assert out.tolist() == ["Action", None, None, "Science Fiction", "Action"]


def test_title_case_rule() -> None:
    assert title_case("post-apocalyptic") == "Post-Apocalyptic"
    assert title_case("tearjerker's") == "Tearjerker's"
    assert title_case("3d concert") == "3D Concert"  # str.title(): a letter after a digit
    assert title_case("BIOPIC") == "Biopic"


def test_synonym_and_drop_from_the_parameters_change_the_output(params: dict) -> None:
    changed = copy.deepcopy(params["genres"])
    changed["synonyms"]["biopic"] = "History"
    changed["drop"].append("Superhero")
    rules = GenreRules.from_params(changed)
    names = pd.Series(["Biopic", "superhero"])
    assert normalize_names(names, RULES).tolist() == ["Biopic", "Superhero"]
    assert normalize_names(names, rules).tolist() == ["History", None]


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Genres of a film and primary genre
# --------------------------------------------------------------------------------------------


def test_film_genres_order_sources_dedup_and_primary() -> None:
    sources = sources_frame(
        [
            (1, "movielens", 2, "Drama|Sci-Fi|IMAX"),
            (1, "movielens", 1, "Comedy| comedy |Family"),
            (1, "tmdb", 0, '[{"id": 10751, "name": "Family"}, {"id": 35, "name": "Comedy"}]'),
            (2, "tmdb", 0, "[]"),
            (2, "movielens", 5, "(no genres listed)"),
            (3, "tmdb", 0, '[{"id": 1, "name": "Superhero"}, {"id": 2, "name": "biopic"}]'),
            (4, "tmdb", 0, None),
        ]
    )
    result = film_genres(sources, RULES)
    assert genres_of(result, 1) == ["Children", "Comedy", "Drama", "Science Fiction"]
    films = result.movie_genres.set_index(["film_id", "genre"])
    assert films.loc[(1, "Children"), "source"] == "tmdb"
    assert films.loc[(1, "Drama"), "source"] == "movielens"
    assert result.movie_genres["position"].tolist() == [1, 2, 3, 4, 1, 2]
    assert result.movie_primary_genre.to_dict("list") == {
        "film_id": [1, 2, 3, 4],
        "primary_genre": ["Comedy", "Unknown", "Superhero", "Unknown"],
        "genre_count": [4, 0, 2, 0],
    }
    assert result.unknown_counts.to_dict() == {"Biopic": 1, "Superhero": 1}
    assert result.rejected.empty
    assert_same_result(result, film_genres_rowwise(sources, RULES))


def test_primary_genre_follows_the_hierarchy() -> None:
    sources = sources_frame(
        [
            (1, "tmdb", 0, '["Children", "Action", "Documentary"]'),
            (2, "tmdb", 0, '["Adventure", "Thriller"]'),
            (3, "tmdb", 0, '["Superhero", "Western"]'),
            (4, "tmdb", 0, '["Superhero", "Biopic"]'),
        ]
    )
    result = film_genres(sources, RULES)
    assert result.movie_primary_genre["primary_genre"].tolist() == [
        "Documentary",
        "Thriller",
        "Western",
        "Superhero",
    ]


def test_reordering_the_hierarchy_in_the_parameters_changes_the_primary(params: dict) -> None:
    sources = sources_frame([(1, "tmdb", 0, '[{"id": 35, "name": "Comedy"}]'),
                             (1, "movielens", 1, "Documentary")])  # fmt: skip
    assert primary_of(film_genres(sources, RULES), 1) == "Documentary"
    changed = copy.deepcopy(params["genres"])
    changed["hierarchy"].remove("Comedy")
    changed["hierarchy"].insert(0, "Comedy")
    assert primary_of(film_genres(sources, GenreRules.from_params(changed)), 1) == "Comedy"
    changed["sources"] = ["movielens", "tmdb"]
    result = film_genres(sources, GenreRules.from_params(changed))
    assert genres_of(result, 1) == ["Documentary", "Comedy"]


def test_unparseable_value_is_rejected_and_the_film_keeps_its_other_genres() -> None:
    bad = "[{'id': 16, 'name': "
    sources = sources_frame([(7, "tmdb", 0, bad), (7, "movielens", 3, "Animation|Children")])
    result = film_genres(sources, RULES)
    assert result.rejected.to_dict("list") == {
        "film_id": [7],
        "source": ["tmdb"],
        "genres_raw": [bad],
        "reason": [REASON_MALFORMED],
    }
    assert genres_of(result, 7) == ["Animation", "Children"]
    assert primary_of(result, 7) == "Animation"
    assert_same_result(result, film_genres_rowwise(sources, RULES))


def test_row_order_of_the_input_does_not_matter() -> None:
    sources = sources_frame(
        [
            (5, "movielens", 9, "War|Drama"),
            (5, "tmdb", 0, '["Drama", "History"]'),
            (5, "movielens", 2, "History|Western"),
            (6, "movielens", 1, "Horror"),
        ]
    )
    expected = film_genres(sources, RULES)
    assert genres_of(expected, 5) == ["Drama", "History", "Western", "War"]
    shuffled = sources.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert_same_result(film_genres(shuffled, RULES), expected)


def test_arrow_backed_sources_give_the_same_result() -> None:
    sources = sources_frame(
        [(1, "tmdb", 0, '["Drama"]'), (2, "movielens", 1, None), (3, "tmdb", 0, "[{'id': ")]
    )
    assert_same_result(
        film_genres(sources.astype({"genres_raw": "string[pyarrow]"}), RULES),
        film_genres(sources, RULES),
    )


def test_unknown_source_and_missing_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="not in genres.sources"):
        film_genres(sources_frame([(1, "imdb", 0, "Drama")]), RULES)
    with pytest.raises(ValueError, match="lack columns"):
        film_genres(pd.DataFrame({"film_id": [1]}), RULES)


def test_empty_input_gives_empty_frames() -> None:
    result = film_genres(sources_frame([]), RULES)
    assert list(result.movie_genres.columns) == ["film_id", "genre", "position", "source"]
    assert list(result.movie_primary_genre.columns) == ["film_id", "primary_genre", "genre_count"]
    assert list(result.rejected.columns) == ["film_id", "source", "genres_raw", "reason"]
    assert result.movie_genres.empty and result.unknown_counts.empty
    assert_same_result(result, film_genres_rowwise(sources_frame([]), RULES))


def test_counts_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    sources = sources_frame([(1, "tmdb", 0, '["Superhero"]'), (2, "tmdb", 0, "[{'id': ")])
    with caplog.at_level("INFO", logger="netflix_pipeline.pipelines.genres.normalize"):
        film_genres(sources, RULES)
    text = caplog.text
    assert "2 films" in text and "1 film-genre rows" in text
    assert "Superhero (1)" in text
    assert "1 unparseable" in text


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

KNOWN_SPELLINGS = [
    *RULES.hierarchy,
    "sci-fi", " Sci-Fi ", "SCIFI", "science fiction", "Children's", "CHILDREN'S", "family",
    "Film Noir", "film-noir", "Sports", "drama", "  ACTION", "IMAX", "(no genres listed)",
    "TV Movie", "foreign", "", "  ", "Superhero", "post-apocalyptic", "Martial  Arts", "biopic",
    "rock 'n' roll", "Café", "3d",
]  # fmt: skip
# Names from a readable alphabet (letters, accents, digits, blanks, punctuation met in genres).
WORDS = st.text(alphabet="abcXYZéÉßø09 -'&.()\t", max_size=14)
NAMES = st.one_of(st.sampled_from(KNOWN_SPELLINGS), WORDS)
HIERARCHY_SPELLINGS = {
    genre: [genre, genre.upper(), genre.lower(), f"  {genre} "] for genre in RULES.hierarchy
}
HIERARCHY_SPELLINGS["Science Fiction"] += ["Sci-Fi", "scifi"]
HIERARCHY_SPELLINGS["Children"] += ["Children's", "Family"]
HIERARCHY_SPELLINGS["Film-Noir"] += ["Film Noir"]
HIERARCHY_SPELLINGS["Sport"] += ["Sports"]

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(st.lists(NAMES, max_size=20))
def test_normalizing_normalized_names_changes_nothing(names: list[str]) -> None:
    once = normalize_names(pd.Series(names, dtype=object), RULES)
    twice = normalize_names(once, RULES)
    assert twice.tolist() == once.tolist()


@PROPERTY_SETTINGS
@given(st.lists(NAMES, max_size=20))
def test_every_output_name_is_canonical_or_a_title_cased_unknown(names: list[str]) -> None:
    out = normalize_names(pd.Series(names, dtype=object), RULES)
    for raw, name in zip(names, out, strict=True):
        if name is None:
            assert g.name_key(raw) in RULES.drop or not raw.strip()
        elif name not in RULES.hierarchy:
            assert name == title_case(name)
            assert name == title_case(" ".join(raw.split()))
            assert g.name_key(name) not in RULES.lookup
        assert name is None or g.name_key(name) not in RULES.drop


def encode(names: list[str], encoding: str, ids: list[int]) -> str:
    if encoding == "tmdb":
        return json.dumps([{"id": i, "name": n} for i, n in zip(ids, names, strict=False)])
    if encoding == "kaggle":
        return repr([{"id": i, "name": n} for i, n in zip(ids, names, strict=False)])
    if encoding == "json_strings":
        return json.dumps(names)
    if encoding == "py_strings":
        return repr(names)
    if encoding == "pipe_spaced":
        return " | ".join(names)
    return "|".join(names)


ENCODINGS = ["tmdb", "kaggle", "json_strings", "py_strings", "pipe", "pipe_spaced"]


@PROPERTY_SETTINGS
@given(
    st.lists(st.sampled_from(RULES.hierarchy), min_size=1, max_size=8, unique=True),
    st.randoms(use_true_random=False),
    st.sampled_from(ENCODINGS),
)
def test_primary_genre_does_not_depend_on_genre_order(genres, random, encoding) -> None:
    rows = []
    for film_id in range(3):
        order = list(genres)
        random.shuffle(order)
        spelled = [random.choice(HIERARCHY_SPELLINGS[genre]) for genre in order]
        rows.append((film_id, "tmdb", 0, encode(spelled, encoding, list(range(len(spelled))))))
    result = film_genres(sources_frame(rows), RULES)
    expected = min(genres, key=RULES.hierarchy.index)
    assert result.movie_primary_genre["primary_genre"].tolist() == [expected] * 3
    assert result.movie_primary_genre["genre_count"].tolist() == [len(genres)] * 3


def corrupt(text: str, how: str, at: int, char: str) -> str:
    if not text:
        return text
    at %= len(text)
    if how == "truncate":
        return text[:at]
    if how == "delete":
        return text[:at] + text[at + 1 :]
    if how == "insert":
        return text[:at] + char + text[at:]
    return text


RAW_VALUES = st.one_of(
    st.builds(
        lambda names, enc, ids, how, at, ch: corrupt(encode(names, enc, ids), how, at, ch),
        st.lists(NAMES | st.text(max_size=6), max_size=6),
        st.sampled_from(ENCODINGS),
        st.lists(st.integers(-5, 100_000), min_size=6, max_size=6),
        st.sampled_from(["none", "none", "none", "truncate", "delete", "insert"]),
        st.integers(0, 500),
        st.sampled_from(list("[]{}'\":,\\| \x00\u3000")),
    ),
    st.sampled_from([None, "", "  ", "[]", "[ ]", "{}", "(no genres listed)", "[1]", "['a',]"]),
    st.text(max_size=30),
    st.text(max_size=30).map(lambda s: "[" + s),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(1, 6),
            st.sampled_from(["tmdb", "movielens"]),
            st.integers(0, 3),
            RAW_VALUES,
        ),
        max_size=25,
    )
)
def test_vectorized_equals_the_rowwise_reference(rows) -> None:
    sources = sources_frame(rows)
    assert_same_result(film_genres(sources, RULES), film_genres_rowwise(sources, RULES))
    items, bad = parse_genre_lists(sources["genres_raw"])
    for i, raw in enumerate(sources["genres_raw"]):
        names, reason = parse_genre_value(raw)
        assert bool(bad.iloc[i]) == (reason is not None)
        assert items.loc[items["row"] == i, "name"].tolist() == (names or [])


def test_parallel_fast_path_equals_the_rowwise_reference(monkeypatch) -> None:
    """Enough distinct values for worker threads (the threshold lowered to use them here)."""
    monkeypatch.setattr(g, "_PARALLEL_MIN_VALUES", 10)
    monkeypatch.setattr(g, "_threads", lambda: 3)
    rng = np.random.default_rng(7)
    spellings = KNOWN_SPELLINGS + ["Children's", "Rock 'n' Roll"]
    rows = []
    for film_id in range(400):
        for source in ("tmdb", "movielens"):
            names = [spellings[i] for i in rng.integers(0, len(spellings), rng.integers(0, 5))]
            enc = ENCODINGS[rng.integers(0, len(ENCODINGS))]
            raw = encode(names, enc, rng.integers(0, 99, 6).tolist())
            if rng.random() < 0.05:
                raw = raw[: len(raw) // 2]
            rows.append((film_id, source, int(rng.integers(0, 3)), raw))
    sources = sources_frame(rows)
    assert_same_result(film_genres(sources, RULES), film_genres_rowwise(sources, RULES))


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(st.integers(1, 5), RAW_VALUES), max_size=15))
def test_dropped_names_never_appear(rows) -> None:
    sources = sources_frame([(f, "movielens", i, raw) for i, (f, raw) in enumerate(rows)])
    result = film_genres(sources, RULES)
    keys = {g.name_key(name) for name in result.movie_genres["genre"]}
    assert not keys & RULES.drop
    assert "" not in keys
    assert set(result.movie_primary_genre["primary_genre"]) - {"Unknown"} <= set(
        result.movie_genres["genre"]
    )


# --------------------------------------------------------------------------------------------
# Real data (../shared/data; never copied into the repository)
# --------------------------------------------------------------------------------------------


def financial_universe_sources(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Source frame of the financial universe (DESIGN §4) from the real TMDB and MovieLens."""
    tmdb = pd.read_csv(shared / "tmdb-5000" / "tmdb_5000_movies.csv", dtype=str)
    ids = pd.to_numeric(tmdb["id"], errors="coerce")
    tmdb = tmdb.loc[ids.notna() & (ids % 1 == 0)].assign(film_id=ids.astype("Int64"))
    tmdb = tmdb.drop_duplicates("film_id", keep="first")
    budget = pd.to_numeric(tmdb["budget"], errors="coerce")
    revenue = pd.to_numeric(tmdb["revenue"], errors="coerce")
    released = pd.to_datetime(tmdb["release_date"], errors="coerce", format="ISO8601")
    films = tmdb.loc[(budget > 0) & (revenue > 0) & released.notna()]
    movies = pd.read_csv(shared / "movielens-small" / "movies.csv", dtype={"genres": str})
    links = pd.read_csv(shared / "movielens-small" / "links.csv", dtype={"tmdbId": "Int64"})
    linked = links.merge(movies, on="movieId").rename(columns={"tmdbId": "film_id"})
    linked = linked.loc[linked["film_id"].isin(films["film_id"])]
    sources = pd.concat(
        [
            pd.DataFrame(
                {
                    "film_id": films["film_id"],
                    "source": "tmdb",
                    "item_order": 0,
                    "genres_raw": films["genres"],
                }
            ),
            pd.DataFrame(
                {
                    "film_id": linked["film_id"],
                    "source": "movielens",
                    "item_order": linked["movieId"],
                    "genres_raw": linked["genres"],
                }
            ),
        ],
        ignore_index=True,
    ).astype({"film_id": "int64", "item_order": "int64", "genres_raw": object})
    return films, sources


@pytest.mark.real_data
def test_real_files_every_film_gets_a_primary_genre(record_property) -> None:
    if not (SHARED_DATA / "tmdb-5000" / "tmdb_5000_movies.csv").exists():
        pytest.skip("../shared/data is absent")
    films, sources = financial_universe_sources(SHARED_DATA)
    result = film_genres(sources, RULES)
    primary = result.movie_primary_genre
    assert sorted(primary["film_id"]) == sorted(films["film_id"].astype(int))
    assert result.rejected.empty
    # Unknown only for a film that truly has no genre in any source.
    unknown = primary.loc[primary["primary_genre"] == RULES.unknown_genre]
    assert (unknown["genre_count"] == 0).all()
    for film_id in unknown["film_id"]:
        for raw in sources.loc[sources["film_id"] == film_id, "genres_raw"]:
            names, _ = parse_genre_value(raw)
            assert all(normalize_name(n, RULES) is None for n in names or [])
    assert (primary.loc[primary["genre_count"] > 0, "primary_genre"] != "Unknown").all()
    assert set(primary["primary_genre"]) <= set(RULES.hierarchy) | {RULES.unknown_genre}
    assert_same_result(result, film_genres_rowwise(sources, RULES))
    distribution = primary["primary_genre"].value_counts()
    record_property("primary_genre_distribution", json.dumps(distribution.to_dict()))
    print(
        f"\nfinancial universe: {len(primary)} films, {len(result.movie_genres)} genre rows, "
        f"{int((primary['genre_count'] == 0).sum())} without genre",
        file=sys.stderr,
    )
    print(distribution.to_string(), file=sys.stderr)
