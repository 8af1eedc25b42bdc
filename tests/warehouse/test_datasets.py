"""SnowparkTableDataset against the emulator, over the real connector and Snowpark."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from kedro.io import DatasetError
from snowflake.snowpark import DataFrame

from netflix_pipeline.warehouse import close_all
from netflix_pipeline.warehouse.datasets import SnowparkTableDataset
from netflix_pipeline.warehouse.emulator import STATEMENT_LOG_ENV


@pytest.fixture()
def dataset(tmp_path, monkeypatch):
    monkeypatch.setenv(STATEMENT_LOG_ENV, str(tmp_path / "statements.jsonl"))
    yield lambda table: SnowparkTableDataset(
        table=table, credentials={"emulator": True}, stage_uri=str(tmp_path / "stage")
    )
    close_all()


def rows(data: DataFrame) -> list[dict]:
    return [r.as_dict() for r in data.sort(data.columns[0]).collect()]


def test_a_pandas_frame_replaces_the_rows_and_follows_a_new_shape(dataset, tmp_path):
    table = dataset("GENRES.EXAMPLE")
    table.save(pd.DataFrame({"film_id": [1, 2], "genre": ["Drama", "Comedy"]}))
    table.save(pd.DataFrame({"film_id": [3], "genre": ["Horror"]}))
    assert rows(table.load()) == [{"FILM_ID": 3, "GENRE": "Horror"}]
    table.save(pd.DataFrame({"film_id": [4], "share": [0.25]}))
    assert rows(table.load()) == [{"FILM_ID": 4, "SHARE": 0.25}]
    # the scratch table and the staged file are gone
    assert not list((tmp_path / "stage").rglob("*.parquet"))
    with pytest.raises(Exception, match="EXAMPLE__NEW"):
        table.session.table("GENRES.EXAMPLE__NEW").collect()


def test_a_snowpark_frame_is_saved_in_the_warehouse_in_one_statement(dataset, tmp_path):
    source = dataset("GENRES.SOURCE")
    source.save(pd.DataFrame({"film_id": [1, 2, 3], "genre": ["Drama", "Comedy", "Drama"]}))
    target = dataset("GENRES.TARGET")
    start = (tmp_path / "statements.jsonl").stat().st_size
    loaded = source.load()
    target.save(loaded.filter(loaded["GENRE"] == "Drama"))
    assert rows(target.load()) == [
        {"FILM_ID": 1, "GENRE": "Drama"},
        {"FILM_ID": 3, "GENRE": "Drama"},
    ]
    with (tmp_path / "statements.jsonl").open() as fh:
        fh.seek(start)
        sql = [json.loads(line)["sql"] or "" for line in fh]
    writes = [
        q for q in sql if "GENRES.TARGET" in q and not q.lstrip().upper().startswith("SELECT")
    ]
    assert len(writes) == 1 and writes[0].upper().split()[:4] == [
        "CREATE",
        "OR",
        "REPLACE",
        "TABLE",
    ]


def test_a_failed_save_leaves_the_table_as_it_was(dataset):
    table = dataset("GENRES.KEPT")
    table.save(pd.DataFrame({"film_id": [1], "genre": ["Drama"]}))
    broken = table.session.sql("select cast('not a number' as int) as FILM_ID, 'x' as GENRE")
    with pytest.raises(Exception, match="(?i)convert|cast|number"):
        table.save(broken)
    assert rows(table.load()) == [{"FILM_ID": 1, "GENRE": "Drama"}]


def test_table_names_must_be_schema_qualified():
    with pytest.raises(DatasetError, match="schema-qualified"):
        SnowparkTableDataset(table="MOVIES", credentials={"emulator": True})
    close_all()
