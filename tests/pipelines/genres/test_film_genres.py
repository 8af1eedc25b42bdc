"""Genres of a film and its primary genre, against the row-wise reference (DESIGN.md §4)."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from genre_support import (
    ENCODINGS,
    KNOWN_SPELLINGS,
    NAMES,
    PROPERTY_SETTINGS,
    RULES,
    SHARED_DATA,
    assert_same_result,
    encode,
    genres_of,
    load_params,
    primary_of,
    sources_frame,
)
from genres_rowwise import film_genres_rowwise, normalize_name
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netflix_pipeline.pipelines.genres import parser
from netflix_pipeline.pipelines.genres.films import film_genres
from netflix_pipeline.pipelines.genres.parser import (
    REASON_MALFORMED,
    REASON_STRUCTURE,
    parse_genre_lists,
    parse_genre_value,
)
from netflix_pipeline.pipelines.genres.rules import GenreRules, name_key


@pytest.fixture(scope="module")
def params() -> dict:
    return load_params()


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
    with caplog.at_level("INFO", logger="netflix_pipeline.pipelines.genres.films"):
        film_genres(sources, RULES)
    text = caplog.text
    assert "2 films" in text and "1 film-genre rows" in text
    assert "Superhero (1)" in text
    assert "1 unparseable" in text


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

HIERARCHY_SPELLINGS = {
    genre: [genre, genre.upper(), genre.lower(), f"  {genre} "] for genre in RULES.hierarchy
}
HIERARCHY_SPELLINGS["Science Fiction"] += ["Sci-Fi", "scifi"]
HIERARCHY_SPELLINGS["Children"] += ["Children's", "Family"]
HIERARCHY_SPELLINGS["Film-Noir"] += ["Film Noir"]
HIERARCHY_SPELLINGS["Sport"] += ["Sports"]


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
    monkeypatch.setattr(parser, "_PARALLEL_MIN_VALUES", 10)
    monkeypatch.setattr(parser, "_threads", lambda: 3)
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
    keys = {name_key(name) for name in result.movie_genres["genre"]}
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


@pytest.mark.real_data
def test_real_files_a_genre_list_nested_5000_deep_is_quarantined() -> None:
    """Issue 15, case 2: one TMDB cell nested 5,000 levels deep costs its own genres only."""
    if not (SHARED_DATA / "tmdb-5000" / "tmdb_5000_movies.csv").exists():
        pytest.skip("../shared/data is absent")
    _, sources = financial_universe_sources(SHARED_DATA)
    tmdb = sources.index[sources["source"] == "tmdb"]
    damaged_film = int(sources.loc[tmdb[10], "film_id"])
    sources.loc[tmdb[10], "genres_raw"] = "[" * 5000 + "]" * 5000
    result = film_genres(sources, RULES)
    assert result.rejected["film_id"].tolist() == [damaged_film]
    assert result.rejected["reason"].tolist() == [REASON_STRUCTURE]
    # every film keeps a primary genre; the damaged one from its MovieLens genres, if any
    assert len(result.movie_primary_genre) == sources["film_id"].nunique()
    clean = film_genres(sources.drop(index=tmdb[10]), RULES)
    assert genres_of(result, damaged_film) == genres_of(clean, damaged_film)
