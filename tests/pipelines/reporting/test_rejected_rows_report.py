"""rejected_rows.csv: both REJECTED_ROWS tables, unioned and sorted in the warehouse (the
emulator, through Snowpark) and written batch by batch."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.io import DatasetError
from rejected_support import rejected_table

from netflix_pipeline.pipelines.reporting.csv_export import DataFrameCSVDataset
from netflix_pipeline.pipelines.reporting.nodes import combine_rejected_rows
from netflix_pipeline.warehouse.schemas import REJECTED_ROWS

COLUMNS = list(REJECTED_ROWS.frame_columns)


def report(warehouse, tmp_path, raw_rows, genre_rows) -> pd.DataFrame:
    dataset = DataFrameCSVDataset(str(tmp_path / "rejected_rows.csv"))
    dataset.save(
        combine_rejected_rows(
            rejected_table(warehouse, "RAW", raw_rows), rejected_table(warehouse, "GEN", genre_rows)
        )
    )
    return pd.read_csv(tmp_path / "rejected_rows.csv", dtype=str, keep_default_na=False)


def test_rows_are_combined_in_file_and_line_order(warehouse, tmp_path):
    raw = [("b.csv", 3, "x", "", "ingest"), ("a.csv", 9, "y", "", "ingest")]
    genre = [("a.csv", 2, "z", "", "genres"), ("a.csv", 9, "w", "", "genres")]
    combined = report(warehouse, tmp_path, raw, genre)
    assert list(combined.columns) == COLUMNS
    assert combined[["source_file", "line_number", "stage"]].values.tolist() == [
        ["a.csv", "2", "genres"],
        ["a.csv", "9", "ingest"],  # on one line, the ingestion's reason first
        ["a.csv", "9", "genres"],
        ["b.csv", "3", "ingest"],
    ]


def test_no_rejected_rows_is_a_header_alone(warehouse, tmp_path):
    combined = report(warehouse, tmp_path, [], [])
    assert combined.empty and list(combined.columns) == COLUMNS


def test_text_that_a_spreadsheet_would_run_is_shown_as_text(warehouse, tmp_path):
    raw = [
        ("a.csv", 2, "genres: x", '=HYPERLINK("http://x")', "genres"),
        ("a.csv", 3, "genres: x", "+1", "genres"),
        ("a.csv", 4, "genres: x", "-2+3", "genres"),
        ("a.csv", 5, "genres: x", "@SUM(A1)", "genres"),
        ("a.csv", 6, "=bad reason", "1,2,3", "genres"),
        ("a.csv", 7, "genres: x", "\tcmd", "genres"),
    ]
    combined = report(warehouse, tmp_path, raw, [])
    assert combined["raw_line"].tolist() == [
        """'=HYPERLINK("http://x")""",
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "1,2,3",
        "'\tcmd",
    ]
    assert combined["reason"].tolist()[4] == "'=bad reason"
    with warehouse.cursor() as cur:  # the table keeps the text as it was
        cur.execute("select raw_line from REPORT_TEST.RAW where line_number = 2")
        assert cur.fetchall() == [('=HYPERLINK("http://x")',)]


class Batches:
    """A DataFrame-like source that hands its rows over in batches, and may fail midway."""

    columns = ['"SOURCE_FILE"', '"LINE_NUMBER"']

    def __init__(self, batches: list[pd.DataFrame], fail_after: int | None = None) -> None:
        self.batches, self.fail_after = batches, fail_after

    def to_pandas_batches(self):
        for i, batch in enumerate(self.batches):
            if i == self.fail_after:
                raise RuntimeError("the warehouse went away")
            yield batch


def test_the_report_is_written_batch_by_batch_with_one_header(tmp_path):
    batches = [
        pd.DataFrame({"SOURCE_FILE": [f"f{i}.csv"] * 3, "LINE_NUMBER": [1, 2, 3]}) for i in range(4)
    ]
    dataset = DataFrameCSVDataset(str(tmp_path / "r.csv"))
    dataset.save(Batches(batches))
    written = dataset.load()
    assert list(written.columns) == ["source_file", "line_number"]
    assert len(written) == 12 and written["source_file"].tolist()[-1] == "f3.csv"


def test_a_failed_write_keeps_the_previous_report(tmp_path):
    dataset = DataFrameCSVDataset(str(tmp_path / "r.csv"))
    dataset.save(pd.DataFrame({"SOURCE_FILE": ["old.csv"], "LINE_NUMBER": [1]}))
    batch = pd.DataFrame({"SOURCE_FILE": ["new.csv"], "LINE_NUMBER": [1]})
    with pytest.raises(DatasetError, match="went away"):
        dataset.save(Batches([batch, batch], fail_after=1))
    assert dataset.load()["source_file"].tolist() == ["old.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]
