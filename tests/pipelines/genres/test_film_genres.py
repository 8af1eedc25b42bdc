"""Genres of every film and its primary genre, on the emulator through Snowpark, against the
row-wise reference (DESIGN.md §4)."""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from genre_support import (
    ENCODINGS,
    KNOWN_SPELLINGS,
    NAMES,
    PARAMS,
    RULES,
    SHARED_DATA,
    GenreStage,
    assert_same_result,
    encode,
    genres_of,
    primary_of,
    sources_frame,
)
from genres_rowwise import film_genres_rowwise, normalize_name
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netflix_pipeline.pipelines.genres.films import distinct_values
from netflix_pipeline.pipelines.genres.nodes import (
    SOURCE_FILES,
    genre_values,
    normalize_genres,
    summarize_genres,
)
from netflix_pipeline.pipelines.genres.parser import (
    REASON_MALFORMED,
    REASON_STRUCTURE,
    parse_genre_value,
)
from netflix_pipeline.pipelines.genres.rules import GenreRules, name_key
from netflix_pipeline.warehouse import close_all
from netflix_pipeline.warehouse.datasets import SnowparkTableDataset
from netflix_pipeline.warehouse.emulator import STATEMENT_LOG_ENV

QUERY_TAG = "netflix-pipeline/test/genres"
# Each example runs the stage on the emulator (about 40 statements, 1.5 s): few examples, each of
# several films; the test of many films covers breadth.
EMULATOR_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def stage(tmp_path_factory) -> GenreStage:
    """The stage on an emulator of its own, which logs every statement it receives."""
    log = tmp_path_factory.mktemp("emulator") / "statements.jsonl"
    credentials = {"emulator": True, "database": "GENRE_TESTS"}
    stage = GenreStage(credentials, str(tmp_path_factory.mktemp("stage")))
    stage.warehouse.begin_run(QUERY_TAG)
    os.environ[STATEMENT_LOG_ENV] = str(log)
    try:
        stage.warehouse.ensure_started()
    finally:
        del os.environ[STATEMENT_LOG_ENV]
    stage.statement_log = log
    yield stage
    close_all()


def test_film_genres_order_sources_dedup_and_primary(stage) -> None:
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
    result = stage.run(sources)
    assert genres_of(result, 1) == ["Children", "Comedy", "Drama", "Science Fiction"]
    assert result.movie_genres.loc[result.movie_genres["film_id"] == 1, "source"].tolist() == [
        "tmdb", "tmdb", "movielens", "movielens",
    ]  # fmt: skip
    assert primary_of(result, 1) == "Comedy"
    assert primary_of(result, 2) == "Unknown" and primary_of(result, 4) == "Unknown"
    assert genres_of(result, 3) == ["Superhero", "Biopic"]
    assert primary_of(result, 3) == "Superhero"  # no hierarchy genre: the first one
    assert result.unknown == {"Biopic": 1, "Superhero": 1}
    assert result.rejected.empty
    assert_same_result(result, film_genres_rowwise(sources, RULES))


def test_primary_genre_follows_the_hierarchy(stage) -> None:
    sources = sources_frame(
        [
            (1, "tmdb", 0, '["Romance", "Horror", "Documentary"]'),
            (2, "tmdb", 0, "['Adventure', 'Action']"),
            (3, "movielens", 1, "Children|Animation|Western"),
        ]
    )
    result = stage.run(sources)
    assert [primary_of(result, f) for f in (1, 2, 3)] == ["Documentary", "Action", "Western"]


def test_reordering_the_hierarchy_in_the_parameters_changes_the_primary(stage) -> None:
    sources = sources_frame([(1, "tmdb", 0, '["Comedy"]'), (1, "movielens", 1, "Documentary")])
    assert primary_of(stage.run(sources), 1) == "Documentary"
    changed = copy.deepcopy(PARAMS)
    changed["hierarchy"].remove("Comedy")
    changed["hierarchy"].insert(0, "Comedy")
    assert primary_of(stage.run(sources, changed), 1) == "Comedy"
    changed["sources"] = ["movielens", "tmdb"]
    result = stage.run(sources, changed)
    assert genres_of(result, 1) == ["Documentary", "Comedy"]
    assert_same_result(result, film_genres_rowwise(sources, GenreRules.from_params(changed)))


def test_unparseable_value_is_rejected_and_the_film_keeps_its_other_genres(stage) -> None:
    bad = "[{'id': 16, 'name': "
    sources = sources_frame([(7, "tmdb", 0, bad), (7, "movielens", 3, "Animation|Children")])
    result = stage.run(sources)
    assert result.rejected.to_dict("list") == {
        "source_file": [SOURCE_FILES["tmdb"]],
        "line_number": [2],
        "reason": [f"genres: {REASON_MALFORMED}"],
        "raw_line": [bad],
        "stage": ["genres"],
    }
    assert genres_of(result, 7) == ["Animation", "Children"]
    assert primary_of(result, 7) == "Animation"
    assert_same_result(result, film_genres_rowwise(sources, RULES))


def test_row_order_of_the_input_does_not_matter(stage) -> None:
    sources = sources_frame(
        [
            (5, "movielens", 9, "War|Drama"),
            (5, "tmdb", 0, '["Drama", "History"]'),
            (5, "movielens", 2, "History|Western"),
            (6, "movielens", 1, "Horror"),
        ]
    )
    expected = stage.run(sources)
    assert genres_of(expected, 5) == ["Drama", "History", "Western", "War"]
    shuffled = sources.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert_same_result(stage.run(shuffled), expected)


def test_unknown_source_and_missing_columns_are_refused(stage) -> None:
    with pytest.raises(ValueError, match="not in genres.sources"):
        stage.run(sources_frame([(1, "imdb", 0, "Drama")]))
    session = stage.warehouse.snowpark()
    with pytest.raises(ValueError, match="lack columns"):
        distinct_values(session.sql("select 1 as FILM_ID"), RULES)


def test_empty_input_gives_empty_tables(stage) -> None:
    result = stage.run(sources_frame([]))
    assert list(result.movie_genres.columns) == ["film_id", "genre", "position", "source"]
    assert list(result.movie_primary_genre.columns) == ["film_id", "primary_genre", "genre_count"]
    assert result.movie_genres.empty and result.movie_primary_genre.empty
    assert result.rejected.empty and result.unknown == {}


def test_counts_are_logged(stage, caplog: pytest.LogCaptureFixture) -> None:
    sources = sources_frame([(1, "tmdb", 0, '["Superhero"]'), (2, "tmdb", 0, "[{'id': ")])
    with caplog.at_level("INFO", logger="netflix_pipeline.pipelines.genres.nodes"):
        stage.run(sources)
    text = caplog.text
    assert "2 distinct raw values parsed, 1 unparseable" in text
    assert "2 films" in text and "1 film-genre rows" in text
    assert "Superhero (1)" in text
    assert "1 unparseable values" in text


def read_log(path: Path, start: int) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        fh.seek(start)
        return [json.loads(line) for line in fh]


def test_no_per_film_table_reaches_python(stage, tmp_path) -> None:
    """The stage's Python process receives the distinct raw values and small aggregates only:
    the emulator logs how many rows each statement's result carried back to the client."""
    rng = np.random.default_rng(11)
    distinct = [encode(["Drama", "Action", name], "tmdb", [1, 2, 3]) for name in KNOWN_SPELLINGS]
    films = 3000
    rows = [(f, "tmdb", 0, distinct[int(rng.integers(len(distinct)))]) for f in range(films)]
    rows += [(f, "movielens", f, "Comedy|Drama") for f in range(0, films, 2)]
    sources = stage.sources(sources_frame(rows))
    start = stage.statement_log.stat().st_size
    stage.values.save(genre_values({}, sources, PARAMS))
    tables = [
        SnowparkTableDataset(f"GENRE_TEST.{name}", stage.credentials, str(tmp_path))
        for name in ("MOVIE_GENRES", "MOVIE_PRIMARY_GENRE", "REJECTED_ROWS")
    ]
    outputs = normalize_genres(sources, stage.values.load(), PARAMS)
    for table, output in zip(tables, outputs, strict=True):
        table.save(output)
    summary = summarize_genres(*(table.load() for table in tables), PARAMS)
    assert summary["films"] == films and summary["genre_rows"] > films
    queries = [e for e in read_log(stage.statement_log, start) if e["event"] == "query"]
    assert queries and all(e["ok"] for e in queries)
    largest = max(queries, key=lambda e: e["rows"] or 0)
    assert largest["rows"] <= len(distinct) + 1, largest  # the distinct raw values
    assert not any("SOURCES" in e["sql"] and e["rows"] >= films for e in queries)


def test_every_session_carries_the_query_tag(stage) -> None:
    stage.run(sources_frame([(1, "tmdb", 0, '["Drama"]')]))
    logins = [e for e in read_log(stage.statement_log, 0) if e["event"] == "login"]
    assert len(logins) >= 2  # the connector's and Snowpark's
    assert {e["query_tag"] for e in logins} == {QUERY_TAG}


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


@settings(EMULATOR_SETTINGS, max_examples=10)
@given(
    st.lists(st.sampled_from(RULES.hierarchy), min_size=1, max_size=8, unique=True),
    st.randoms(use_true_random=False),
    st.sampled_from(ENCODINGS),
)
def test_primary_genre_does_not_depend_on_genre_order(stage, genres, random, encoding) -> None:
    rows = []
    for film_id in range(5):
        order = list(genres)
        random.shuffle(order)
        spelled = [random.choice(HIERARCHY_SPELLINGS[genre]) for genre in order]
        rows.append((film_id, "tmdb", 0, encode(spelled, encoding, list(range(len(spelled))))))
    result = stage.run(sources_frame(rows), summary=False)
    expected = min(genres, key=RULES.hierarchy.index)
    assert result.movie_primary_genre["primary_genre"].tolist() == [expected] * 5
    assert result.movie_primary_genre["genre_count"].tolist() == [len(genres)] * 5


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
# Source rows as dbt makes them: a film's rows of one source have distinct item orders.
SOURCE_ROWS = st.lists(
    st.tuples(
        st.integers(1, 8), st.sampled_from(["tmdb", "movielens"]), st.integers(0, 3), RAW_VALUES
    ),
    max_size=40,
    unique_by=lambda row: row[:3],
).filter(lambda rows: _apart_without_nul([row[3] for row in rows]))


def _apart_without_nul(values: list) -> bool:
    """Whether the distinct values stay distinct when each is cut at its first NUL character.

    The emulator tells two texts apart only up to their first NUL when it groups them (DuckDB on
    its own keeps them apart; where the rest is lost on the way is not traced):
    ``'[\x00'`` and ``'['`` are one value (``test_values_that_differ_only_by_a_nul_character``),
    and so are ``'[\x000'`` and ``'['``, or ``'\x00\x01X'`` and ``''``; which of the two
    then gives its genres to both depends on the order of the rows (all found by Hypothesis;
    not checked on Snowflake). The rest of the stage is checked with NULs anywhere else."""
    distinct = {v for v in values if isinstance(v, str)}
    return len({v.split("\x00", 1)[0] for v in distinct}) == len(distinct)


@EMULATOR_SETTINGS
@given(SOURCE_ROWS)
def test_the_stage_equals_the_rowwise_reference(stage, rows) -> None:
    sources = sources_frame(rows)
    result = stage.run(sources, summary=False)
    assert_same_result(result, film_genres_rowwise(sources, RULES))
    keys = {name_key(name) for name in result.movie_genres["genre"]}
    assert not keys & RULES.drop and "" not in keys
    assert set(result.movie_primary_genre["primary_genre"]) - {"Unknown"} <= set(
        result.movie_genres["genre"]
    )


@pytest.mark.xfail(
    strict=True,
    reason="emulator difference: its DuckDB groups '[\\x00' and '[' as one value, so one of the "
    "two rows is not quarantined (found by Hypothesis; whether Snowflake keeps them apart is not "
    "checked here)",
)
def test_values_that_differ_only_by_a_nul_character(stage) -> None:
    sources = sources_frame([(1, "tmdb", 0, "[\x00"), (1, "tmdb", 1, "[")])
    assert_same_result(stage.run(sources, summary=False), film_genres_rowwise(sources, RULES))


def test_many_films_sharing_values_equal_the_rowwise_reference(stage) -> None:
    rng = np.random.default_rng(7)
    spellings = KNOWN_SPELLINGS + ["Children's", "Rock 'n' Roll"]
    rows = []
    for film_id in range(400):
        for source, order in (("tmdb", 0), ("movielens", int(rng.integers(1, 9)))):
            names = [spellings[i] for i in rng.integers(0, len(spellings), rng.integers(0, 5))]
            enc = ENCODINGS[rng.integers(0, len(ENCODINGS))]
            raw = encode(names, enc, rng.integers(0, 99, 6).tolist())
            if rng.random() < 0.05:
                raw = raw[: len(raw) // 2]
            rows.append((film_id, source, order, raw))
    sources = sources_frame(rows)
    assert_same_result(stage.run(sources), film_genres_rowwise(sources, RULES))


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
    return films, sources.assign(source_line_number=range(2, len(sources) + 2))


@pytest.mark.real_data
def test_real_files_every_film_gets_a_primary_genre(stage, record_property) -> None:
    if not (SHARED_DATA / "tmdb-5000" / "tmdb_5000_movies.csv").exists():
        pytest.skip("../shared/data is absent")
    films, sources = financial_universe_sources(SHARED_DATA)
    result = stage.run(sources)
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
def test_real_files_a_genre_list_nested_5000_deep_is_quarantined(stage) -> None:
    """Issue 15, case 2: one TMDB cell nested 5,000 levels deep costs its own genres only."""
    if not (SHARED_DATA / "tmdb-5000" / "tmdb_5000_movies.csv").exists():
        pytest.skip("../shared/data is absent")
    _, sources = financial_universe_sources(SHARED_DATA)
    tmdb = sources.index[sources["source"] == "tmdb"]
    damaged_film = int(sources.loc[tmdb[10], "film_id"])
    sources.loc[tmdb[10], "genres_raw"] = "[" * 5000 + "]" * 5000
    result = stage.run(sources)
    line = int(sources.loc[tmdb[10], "source_line_number"])
    assert result.rejected[["line_number", "reason"]].values.tolist() == [
        [line, f"genres: {REASON_STRUCTURE}"]
    ]
    # every film keeps a primary genre; the damaged one from its MovieLens genres, if any
    assert len(result.movie_primary_genre) == sources["film_id"].nunique()
    clean = stage.run(sources.drop(index=tmdb[10]))
    assert genres_of(result, damaged_film) == genres_of(clean, damaged_film)
