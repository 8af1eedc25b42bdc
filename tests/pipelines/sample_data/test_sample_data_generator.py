"""The generator's entry points: presets, determinism, the file layout and the command line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sample_data_support import (
    FILES,
    KAGGLE_HEADER,
    TMDB_HEADER_START,
    VALID_RATINGS,
    read_rows,
)

from netflix_pipeline.pipelines.sample_data import generator
from netflix_pipeline.pipelines.sample_data.generator import SCALES, generate, generate_scale


def test_presets() -> None:
    assert set(SCALES) == {"tiny", "sample", "small", "medium", "large", "xlarge"}
    assert SCALES["large"]["ratings"] >= 32_000_000
    assert SCALES["large"]["movies"] >= 85_000
    # xlarge: ten times large's ratings, every other file as at large
    assert SCALES["xlarge"]["ratings"] == 10 * SCALES["large"]["ratings"]
    assert {k: v for k, v in SCALES["xlarge"].items() if k not in ("ratings", "tags")} == {
        k: v for k, v in SCALES["large"].items() if k != "ratings"
    }
    assert SCALES["xlarge"]["tags"] == round(0.04 * SCALES["large"]["ratings"])
    with pytest.raises(ValueError, match="unknown scale"):
        generate_scale("unused", "huge")


def test_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="metadata_flavour must be one of"):
        generate(tmp_path, movies=10, ratings=10, users=2, metadata_flavour="imdb")
    with pytest.raises(ValueError, match="need movies >= 2"):
        generate(tmp_path, movies=1, ratings=10, users=2)
    with pytest.raises(ValueError, match="do not fit 2 users x 40% of 10 movies"):
        generate(tmp_path, movies=10, ratings=100, users=2)


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


def test_without_faults_everything_is_clean(tmp_path: Path) -> None:
    counts = generate_scale(tmp_path, "tiny", faults=False)
    assert all(not any(c["faults"].values()) for c in counts.values())
    _, rows = read_rows(tmp_path / "movielens/ratings.csv")
    assert all(len(r) == 4 and r[2] in VALID_RATINGS for r in rows)
    _, links = read_rows(tmp_path / "movielens/links.csv")
    assert all(tmdb for *_, tmdb in links)


def test_cli_help_and_run(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "netflix_pipeline.pipelines.sample_data.generator"]
    # the package as imported here, installed or not
    src = str(Path(generator.__file__).resolve().parents[3])
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
    assert "RuntimeWarning" not in run.stderr  # the package does not import the module it runs
    assert (tmp_path / "tmdb/movies_metadata.csv").read_text().startswith(TMDB_HEADER_START)
