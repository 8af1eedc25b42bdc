"""SnowflakeTableDataset against the emulator over the real connector."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.io import DatasetError

from netflix_pipeline.warehouse import close_all
from netflix_pipeline.warehouse.datasets import SnowflakeTableDataset


@pytest.fixture()
def dataset(tmp_path):
    yield lambda table: SnowflakeTableDataset(
        table=table, credentials={"emulator": True}, stage_uri=str(tmp_path / "stage")
    )
    close_all()


def test_save_replaces_the_rows_and_follows_a_new_shape(dataset):
    table = dataset("GENRES.EXAMPLE")
    table.save(pd.DataFrame({"film_id": [1, 2], "genre": ["Drama", "Comedy"]}))
    table.save(pd.DataFrame({"film_id": [3], "genre": ["Horror"]}))
    assert table.load().to_dict("records") == [{"FILM_ID": 3, "GENRE": "Horror"}]
    table.save(pd.DataFrame({"film_id": [4], "share": [0.25]}))
    assert table.load().to_dict("records") == [{"FILM_ID": 4, "SHARE": 0.25}]


def test_load_reads_only_the_listed_columns(dataset, tmp_path):
    dataset("GENRES.WIDE").save(pd.DataFrame({"a": [1], "b": [2], "c": [3]}))
    narrow = SnowflakeTableDataset(
        table="GENRES.WIDE",
        credentials={"emulator": True},
        stage_uri=str(tmp_path / "stage"),
        columns=["c", "a"],
    )
    assert list(narrow.load().columns) == ["C", "A"]


def test_table_names_must_be_schema_qualified():
    with pytest.raises(DatasetError, match="schema-qualified"):
        SnowflakeTableDataset(table="MOVIES", credentials={"emulator": True})
