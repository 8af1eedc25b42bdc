"""movies_metadata.csv in both flavours: shapes, planted faults and the number of films."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from sample_data_support import read_rows

from netflix_pipeline.pipelines.sample_data.generator import generate


def test_metadata_kaggle_flavour_and_faults(tiny) -> None:
    out, counts = tiny
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
