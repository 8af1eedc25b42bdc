"""MovieLens files: movies, links and tags, and the faults planted in them."""

from __future__ import annotations

import re

from sample_data_support import read_rows

from netflix_pipeline.pipelines.sample_data.generator import SCALES


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


def test_movies_duplicate_movie_id(tiny) -> None:
    out, counts = tiny
    _, movies = read_rows(out / "movielens/movies.csv")
    ids = [m for m, *_ in movies]
    assert (
        len(ids) - len(set(ids)) == counts["movielens/movies.csv"]["faults"]["duplicate_movie_id"]
    )
    assert counts["movielens/movies.csv"]["faults"]["duplicate_movie_id"] == 1
