"""Genre rules from the parameters and the normalization of genre names (DESIGN.md §4)."""

from __future__ import annotations

import copy

import pytest
from genre_support import NAMES, PROPERTY_SETTINGS, RULES, load_params
from genres_rowwise import normalize_name as reference_name
from hypothesis import given
from hypothesis import strategies as st

from netflix_pipeline.pipelines.genres.rules import (
    GenreRules,
    name_key,
    normalize_name,
    title_case,
)


@pytest.fixture(scope="module")
def params() -> dict:
    return load_params()


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
def test_normalize_name(raw: str, expected: str | None) -> None:
    assert normalize_name(raw, RULES) == expected
    assert reference_name(raw, RULES) == expected


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
    names = ["Biopic", "superhero"]
    assert [normalize_name(n, RULES) for n in names] == ["Biopic", "Superhero"]
    assert [normalize_name(n, rules) for n in names] == ["History", None]


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(st.lists(NAMES, max_size=20))
def test_normalizing_normalized_names_changes_nothing(names: list[str]) -> None:
    once = [normalize_name(n, RULES) for n in names]
    twice = [None if n is None else normalize_name(n, RULES) for n in once]
    assert twice == once
    assert once == [reference_name(n, RULES) for n in names]


@PROPERTY_SETTINGS
@given(st.lists(NAMES, max_size=20))
def test_every_output_name_is_canonical_or_a_title_cased_unknown(names: list[str]) -> None:
    out = [normalize_name(n, RULES) for n in names]
    for raw, name in zip(names, out, strict=True):
        if name is None:
            assert name_key(raw) in RULES.drop or not raw.strip()
        elif name not in RULES.hierarchy:
            assert name == title_case(name)
            assert name == title_case(" ".join(raw.split()))
            assert name_key(name) not in RULES.lookup
        assert name is None or name_key(name) not in RULES.drop
