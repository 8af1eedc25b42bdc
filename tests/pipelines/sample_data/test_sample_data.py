"""The synthetic raw-data generator: layout, determinism, planted faults and realism."""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from netflix_pipeline.pipelines.sample_data import generator as sample_data
from netflix_pipeline.pipelines.sample_data.generator import SCALES, generate, generate_scale

FILES = [
    "movielens/movies.csv",
    "movielens/ratings.csv",
    "movielens/links.csv",
    "movielens/tags.csv",
    "tmdb/movies_metadata.csv",
]
KAGGLE_HEADER = (
    "adult,belongs_to_collection,budget,genres,homepage,id,imdb_id,original_language,"
    "original_title,overview,popularity,poster_path,production_companies,release_date,revenue,"
    "runtime,status,tagline,title,video,vote_average,vote_count"
)
TMDB_HEADER_START = "id,title,release_date,budget,revenue,genres,vote_average,vote_count,"
VALID_RATINGS = {f"{x / 2:.1f}" for x in range(1, 11)}

# DESIGN.md §4 normalization, restated here so that the planted mess is checked against it
HIERARCHY = [
    "Documentary", "Musical", "Horror", "Thriller", "Action", "Comedy", "Drama", "Romance",
    "Crime", "Mystery", "Film-Noir", "Western", "Science Fiction", "Fantasy", "Adventure", "War",
    "History", "Sport", "Music", "Animation", "Children",
]  # fmt: skip
SYNONYMS = {
    "sci-fi": "Science Fiction", "scifi": "Science Fiction", "science fiction": "Science Fiction",
    "children's": "Children", "family": "Children", "film noir": "Film-Noir", "sports": "Sport",
}  # fmt: skip
DROPPED = {"imax", "(no genres listed)", "tv movie", "foreign", ""}


def normalize(name: str) -> str | None:
    key = name.strip().lower()
    if key in DROPPED:
        return None
    key = SYNONYMS.get(key, key).lower()
    return next((h for h in HIERARCHY if h.lower() == key), name.strip().title())


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tiny")
    return out, generate_scale(out, "tiny")


@pytest.fixture(scope="module")
def tiny_tmdb(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tiny_tmdb")
    return out, generate_scale(out, "tiny", metadata_flavour="tmdb")


@pytest.fixture(scope="module")
def wide(tmp_path_factory) -> Path:
    """Tiny, but with enough movies for statistics by decade."""
    out = tmp_path_factory.mktemp("wide")
    generate_scale(out, "tiny", movies=4000, ratings=20_000, users=200)
    return out


def test_presets() -> None:
    assert set(SCALES) == {"tiny", "sample", "small", "medium", "large"}
    assert SCALES["large"]["ratings"] >= 32_000_000
    assert SCALES["large"]["movies"] >= 85_000
    with pytest.raises(ValueError, match="unknown scale"):
        generate_scale("unused", "huge")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, tiny) -> None:
    first, _ = tiny
    again = tmp_path / "again"
    other = tmp_path / "other"
    generate_scale(again, "tiny", seed=42)
    generate_scale(other, "tiny", seed=7)
    for name in FILES:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
        assert (first / name).read_bytes() != (other / name).read_bytes(), name


@pytest.mark.parametrize("flavour", ["kaggle", "tmdb"])
def test_layout_headers_and_row_counts(flavour: str, tiny, tiny_tmdb) -> None:
    out, counts = tiny if flavour == "kaggle" else tiny_tmdb
    assert sorted(counts) == sorted(FILES)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.csv")) == sorted(FILES)
    first_lines = {name: (out / name).open(encoding="utf-8").readline() for name in FILES}
    assert first_lines["movielens/movies.csv"] == "movieId,title,genres\n"
    assert first_lines["movielens/ratings.csv"] == "userId,movieId,rating,timestamp\n"
    assert first_lines["movielens/links.csv"] == "movieId,imdbId,tmdbId\n"
    assert first_lines["movielens/tags.csv"] == "userId,movieId,tag,timestamp\n"
    if flavour == "kaggle":
        assert first_lines["tmdb/movies_metadata.csv"] == KAGGLE_HEADER + "\n"
    else:
        assert first_lines["tmdb/movies_metadata.csv"].startswith(TMDB_HEADER_START)
    for name in FILES:
        _, rows = read_rows(out / name)
        assert len(rows) == counts[name]["rows"], name
    assert counts["movielens/ratings.csv"]["rows"] == SCALES["tiny"]["ratings"]


def test_movielens_shapes(tiny) -> None:
    out, counts = tiny
    _, movies = read_rows(out / "movielens/movies.csv")
    assert all(re.fullmatch(r".+ \((19[2-9]\d|20[0-2]\d)\)", title) for _, title, _ in movies)
    assert any(g == "(no genres listed)" for *_, g in movies) or len(movies) < 1000
    assert any("|" in g for *_, g in movies)
    _, links = read_rows(out / "movielens/links.csv")
    assert all(re.fullmatch(r"\d{7}", imdb) for _, imdb, _ in links)
    assert len({m for m, *_ in links}) == len(links) == SCALES["tiny"]["movies"]
    empty = sum(tmdb == "" for *_, tmdb in links)
    assert empty == counts["movielens/links.csv"]["faults"]["empty_tmdb_id"] >= 1
    # every non-empty tmdbId has a metadata row (metadata_rows defaults to all linked movies)
    _, meta = read_rows(out / "tmdb/movies_metadata.csv")
    meta_ids = {row[5] for row in meta}
    assert {tmdb for *_, tmdb in links if tmdb} <= meta_ids
    _, tags = read_rows(out / "movielens/tags.csv")
    assert all(len(row) == 4 and row[2] for row in tags)


def test_ratings_in_range_except_planted_faults(tiny) -> None:
    out, counts = tiny
    faults = counts["movielens/ratings.csv"]["faults"]
    _, rows = read_rows(out / "movielens/ratings.csv")
    wrong_columns = [row for row in rows if len(row) != 4]
    good = [row for row in rows if len(row) == 4]
    out_of_range = [row for row in good if row[2] not in VALID_RATINGS]
    assert len(wrong_columns) == faults["wrong_column_count"] == 2
    assert len(out_of_range) == faults["rating_out_of_range"] >= 2
    assert len(wrong_columns) + len(out_of_range) < 0.02 * len(rows)
    ratings = np.array([float(r[2]) for r in good])
    assert not np.isin(ratings, np.arange(1, 11) / 2).all()
    # skewed toward 3-4 stars
    valid = ratings[np.isin(ratings, np.arange(1, 11) / 2)]
    assert np.mean((valid >= 3) & (valid <= 4)) > 0.45
    assert 3.2 < valid.mean() < 3.9
    # timestamps 1996-2023, after the movie's release year
    _, movies = read_rows(out / "movielens/movies.csv")
    year = {int(m): int(t[-5:-1]) for m, t, _ in movies}
    ts = np.array([int(r[3]) for r in good])
    assert ts.min() >= 820_454_400 and ts.max() <= 1_704_067_199
    released = np.array([year[int(r[1])] for r in good])
    assert (1970 + ts / (365.2425 * 86_400) >= released).all()
    # one rating per user and movie; users rate at least 20 movies
    pairs = {(r[0], r[1]) for r in good}
    assert len(pairs) == len(good)
    per_user = np.unique([int(r[0]) for r in good], return_counts=True)[1]
    assert per_user.min() >= 19  # 20, less a planted bad row


def test_long_tailed_popularity(wide) -> None:
    _, rows = read_rows(wide / "movielens/ratings.csv")
    per_movie = np.sort(np.unique([r[1] for r in rows], return_counts=True)[1])[::-1]
    top_tenth = per_movie[: max(1, per_movie.size // 10)].sum() / per_movie.sum()
    assert top_tenth > 0.35
    per_user = np.unique([r[0] for r in rows], return_counts=True)[1]
    assert per_user.max() > 4 * np.median(per_user)


def test_movies_and_metadata_faults_kaggle(tiny) -> None:
    out, counts = tiny
    _, movies = read_rows(out / "movielens/movies.csv")
    ids = [m for m, *_ in movies]
    assert (
        len(ids) - len(set(ids)) == counts["movielens/movies.csv"]["faults"]["duplicate_movie_id"]
    )
    assert counts["movielens/movies.csv"]["faults"]["duplicate_movie_id"] == 1

    header, meta = read_rows(out / "tmdb/movies_metadata.csv")
    col = {name: i for i, name in enumerate(header)}
    faults = counts["tmdb/movies_metadata.csv"]["faults"]
    assert all(len(row) == len(header) for row in meta)
    shifted = [row for row in meta if re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[col["id"]])]
    assert len(shifted) == faults["shifted_row"] >= 1
    assert all(not row[col["id"]].isdigit() for row in shifted)
    films = [row for row in meta if row[col["id"]].isdigit()]
    assert len(films) + len(shifted) == len(meta)
    seen: dict[str, list[str]] = {}
    duplicates = []
    for row in films:
        if row[col["id"]] in seen:
            duplicates.append((seen[row[col["id"]]], row))
        else:
            seen[row[col["id"]]] = row
    assert len(duplicates) == faults["duplicate_id"] == 1
    first, later = duplicates[0]
    assert (first[col["budget"]], first[col["revenue"]]) != (
        later[col["budget"]],
        later[col["revenue"]],
    )
    budgets = [row[col["budget"]] for row in films]
    assert sum(not b.isdigit() for b in budgets) == faults["non_numeric_budget"] == 1
    assert sum(b == "0" for b in budgets) > 0.3 * len(budgets)  # many zero budgets
    assert all(re.fullmatch(r"\d+\.0", row[col["revenue"]]) for row in films)
    empty_dates = sum(row[col["release_date"]] == "" for row in films)
    assert empty_dates == faults["empty_release_date"]
    assert any("\n" in row[col["overview"]] for row in films) or len(films) < 1000
    assert any('"' in row[col["overview"]] and "," in row[col["overview"]] for row in films)
    for row in films:
        genres = ast.literal_eval(row[col["genres"]])
        assert all(set(g) == {"id", "name"} for g in genres)
        assert re.fullmatch(r"tt\d{7}", row[col["imdb_id"]])
    # all rejects together stay well under 2%
    rejects = len(shifted) + len(duplicates) + faults["non_numeric_budget"]
    assert rejects < 0.02 * len(meta)


def test_metadata_tmdb_flavour(tiny_tmdb) -> None:
    out, counts = tiny_tmdb
    header, meta = read_rows(out / "tmdb/movies_metadata.csv")
    faults = counts["tmdb/movies_metadata.csv"]["faults"]
    assert faults["shifted_row"] == 0
    assert all(row[0].isdigit() for row in meta)
    assert len(meta) - len({row[0] for row in meta}) == faults["duplicate_id"] == 1
    raw = (out / "tmdb/movies_metadata.csv").read_text(encoding="utf-8")
    assert '"[{""id"": ' in raw  # a JSON array in a quoted CSV field
    for row in meta:
        genres = json.loads(row[header.index("genres")])
        assert all(isinstance(g["id"], int) and isinstance(g["name"], str) for g in genres)
        assert row[header.index("budget")].isdigit() or row[header.index("budget")] == "unknown"
        assert row[header.index("revenue")].isdigit()


def test_messy_genres_normalize_to_the_hierarchy(tiny, tiny_tmdb) -> None:
    out, counts = tiny
    _, movies = read_rows(out / "movielens/movies.csv")
    ml_names = [name for *_, genres in movies for name in genres.split("|")]
    clean_ml = {
        "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
        "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
        "Thriller", "War", "Western", "(no genres listed)",
    }  # fmt: skip
    messy_rows = [
        g
        for *_, g in movies
        if set(g.split("|")) - clean_ml or len(set(g.split("|"))) < len(g.split("|"))
    ]
    planted = counts["movielens/movies.csv"]["faults"]["messy_genres"]
    assert 1 <= len(messy_rows) <= planted
    assert planted < 0.03 * len(movies)
    tmdb_header, meta = read_rows(tiny_tmdb[0] / "tmdb/movies_metadata.csv")
    tmdb_names = [g["name"] for row in meta for g in json.loads(row[tmdb_header.index("genres")])]
    for name in ml_names + tmdb_names:
        canonical = normalize(name)
        assert canonical is None or canonical in HIERARCHY, name


def test_every_messy_spelling_is_planted(tmp_path: Path) -> None:
    counts = generate(tmp_path, movies=2000, ratings=3000, users=50)
    text = (tmp_path / "movielens/movies.csv").read_text(encoding="utf-8")
    for spelling in [" sci-fi ", "CHILDREN'S", "Film Noir", "SciFi", "Science fiction", "Sports"]:
        assert spelling in text, spelling
    for extra in ["IMAX", "TV Movie", "Foreign"]:
        assert extra in text, extra
    assert re.search(r"\|\||\|$|,\|", text, re.MULTILINE)  # an empty item
    assert re.search(r"(\b\w+\b)\|\1(\||$)", text, re.MULTILINE)  # a duplicate item
    assert counts["movielens/movies.csv"]["faults"]["messy_genres"] >= 12


def _by_decade(rows: list[tuple[int, str]]) -> dict[str, dict[str, float]]:
    eras = {"early": (1920, 1969), "late": (2000, 2020)}
    out = {}
    for era, (lo, hi) in eras.items():
        names = [g for y, genres in rows if lo <= y <= hi for g in genres.split("|")]
        out[era] = {g: names.count(g) / len(names) for g in set(names)}
    return out


def test_genre_mix_differs_by_decade(wide) -> None:
    _, movies = read_rows(wide / "movielens/movies.csv")
    share = _by_decade([(int(t[-5:-1]), g) for _, t, g in movies])
    for old in ("Western", "Film-Noir", "Musical"):
        assert share["early"].get(old, 0) > 4 * share["late"].get(old, 0), old
    for new in ("Sci-Fi", "Action", "Animation", "Horror"):
        assert share["late"].get(new, 0) > 2 * share["early"].get(new, 0), new
    years = np.array([int(t[-5:-1]) for _, t, _ in movies])
    assert years.min() >= 1920 and years.max() <= 2020
    assert (years >= 1990).mean() > 0.5  # more films in later decades


def test_budgets_grow_over_decades_and_revenue_follows(wide) -> None:
    header, meta = read_rows(wide / "tmdb/movies_metadata.csv")
    col = {name: i for i, name in enumerate(header)}
    films = [
        (int(r[col["release_date"]][:4]), int(r[col["budget"]]), float(r[col["revenue"]]))
        for r in meta
        if r[col["id"]].isdigit() and r[col["release_date"]] and r[col["budget"]].isdigit()
    ]
    year, budget, revenue = (np.array(x) for x in zip(*films, strict=True))
    medians = [
        np.median(budget[(budget > 0) & (year >= lo) & (year < hi)])
        for lo, hi in [(1920, 1960), (1960, 1990), (1990, 2021)]
    ]
    assert medians[0] < medians[1] < medians[2]
    assert medians[2] > 5 * medians[0]
    both = (budget > 0) & (revenue > 0)
    assert both.sum() > 500
    assert np.corrcoef(np.log(budget[both]), np.log(revenue[both]))[0, 1] > 0.5
    losses = np.mean(revenue[both] < budget[both])
    assert 0.1 < losses < 0.6


def test_without_faults_everything_is_clean(tmp_path: Path) -> None:
    counts = generate_scale(tmp_path, "tiny", faults=False)
    assert all(not any(c["faults"].values()) for c in counts.values())
    _, rows = read_rows(tmp_path / "movielens/ratings.csv")
    assert all(len(r) == 4 and r[2] in VALID_RATINGS for r in rows)
    _, links = read_rows(tmp_path / "movielens/links.csv")
    assert all(tmdb for *_, tmdb in links)


def test_metadata_rows_fewer_and_more_than_links(tmp_path: Path) -> None:
    few = generate(tmp_path / "few", movies=300, ratings=1000, users=20, metadata_rows=100)
    many = generate(tmp_path / "many", movies=300, ratings=1000, users=20, metadata_rows=500)
    films_few = few["tmdb/movies_metadata.csv"]["rows"] - 2  # duplicate + shifted row
    films_many = many["tmdb/movies_metadata.csv"]["rows"] - 2
    assert (films_few, films_many) == (100, 500)
    # the movies do not depend on the metadata size
    assert (tmp_path / "few/movielens/movies.csv").read_bytes() == (
        tmp_path / "many/movielens/movies.csv"
    ).read_bytes()


def test_cli_help_and_run(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "netflix_pipeline.pipelines.sample_data.generator"]
    # the package as imported here, installed or not
    src = str(Path(sample_data.__file__).resolve().parents[3])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    shown = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60, env=env)
    assert shown.returncode == 0
    for option in ("--scale", "--out", "--seed", "--flavour", "kaggle", "tmdb", "large"):
        assert option in shown.stdout
    run = subprocess.run(
        [*cmd, "--scale", "tiny", "--out", str(tmp_path), "--seed", "3", "--flavour", "tmdb"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert re.search(r"in \d+\.\d s: movielens/movies.csv 301 rows", run.stderr)
    assert (tmp_path / "tmdb/movies_metadata.csv").read_text().startswith(TMDB_HEADER_START)
