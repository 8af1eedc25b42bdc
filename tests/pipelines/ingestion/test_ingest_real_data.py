"""The real MovieLens (ml-latest-small) and TMDB 5000 files load (skipped when absent).

They hold no faulty row: nothing is rejected, empty optional values are nulls, and every row
carries its line in the file.
"""

from __future__ import annotations

import csv

import pytest
from ingest_support import ingest, query, rejected_rows

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def real_load(real_raw, warehouse, tmp_path_factory):
    return ingest(real_raw, warehouse, tmp_path_factory.mktemp("real"))


def test_every_row_loads_and_none_is_rejected(real_load, warehouse):
    assert rejected_rows(warehouse) == []
    assert {name: (f["rows_loaded"], f["rows_rejected"]) for name, f in real_load.items()} == {
        "movies": (9742, 0),
        "ratings": (100836, 0),
        "links": (9742, 0),
        "tags": (3683, 0),
        "movies_metadata": (4803, 0),
    }


def test_empty_optional_values_are_nulls(real_load, warehouse):
    # 8 MovieLens movies have no tmdbId; one TMDB film has no release date
    assert query(warehouse, "select count(*) from RAW.LINKS where tmdb_id is null") == [(8,)]
    assert query(
        warehouse, "select tmdb_id, title from RAW.MOVIES_METADATA where release_date is null"
    ) == [(380097, "America Is Still the Place")]
    assert query(
        warehouse,
        "select imdb_id, tmdb_id, budget, revenue, vote_count from RAW.LINKS l "
        "join RAW.MOVIES_METADATA m using (tmdb_id) where l.movie_id = 1",
    ) == [(114709, 862, 30000000.0, 373554033.0, 5269)]


def test_line_numbers_are_the_lines_of_the_file(real_load, warehouse, real_raw):
    for table, path, key in [
        ("MOVIES_METADATA", "tmdb/movies_metadata.csv", "TMDB_ID"),
        ("MOVIES", "movielens/movies.csv", "MOVIE_ID"),
    ]:
        expected = {}
        with (real_raw / path).open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            start = reader.line_num + 1
            for row in reader:
                expected[int(row[0])] = start
                start = reader.line_num + 1
        got = dict(query(warehouse, f"select {key}, _line_number from RAW.{table}"))
        assert got == expected
