"""ratings.csv: stars, timestamps, one rating per user and film, long tails, planted faults."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sample_data_support import VALID_RATINGS, read_rows

from netflix_pipeline.pipelines.sample_data.generator import generate_scale


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


def test_long_tailed_popularity(tmp_path: Path) -> None:
    generate_scale(tmp_path, "tiny", movies=4000, ratings=20_000, users=200)
    _, rows = read_rows(tmp_path / "movielens/ratings.csv")
    per_movie = np.sort(np.unique([r[1] for r in rows], return_counts=True)[1])[::-1]
    top_tenth = per_movie[: max(1, per_movie.size // 10)].sum() / per_movie.sum()
    assert top_tenth > 0.35
    per_user = np.unique([r[0] for r in rows], return_counts=True)[1]
    assert per_user.max() > 4 * np.median(per_user)


def test_blocks_of_users_make_one_file(tmp_path: Path, monkeypatch) -> None:
    """Small blocks (several drawn and written in turn) keep every row, faults counted once."""
    generate_scale(tmp_path / "one", "tiny")
    monkeypatch.setattr("netflix_pipeline.pipelines.sample_data.ratings._RATINGS_BLOCK", 700)
    counts = generate_scale(tmp_path / "many", "tiny")
    _, one = read_rows(tmp_path / "one/movielens/ratings.csv")
    _, many = read_rows(tmp_path / "many/movielens/ratings.csv")
    assert len(many) == counts["movielens/ratings.csv"]["rows"] == len(one)
    assert counts["movielens/ratings.csv"]["faults"] == {
        "rating_out_of_range": 2,
        "wrong_column_count": 2,
    }
    assert sum(len(r) != 4 for r in many) == 2
    assert [r[0] for r in many] == sorted((r[0] for r in many), key=int)
