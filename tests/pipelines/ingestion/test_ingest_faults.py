"""One test per fault class: the message, and the RAW tables as they were before the run.

File-level faults stop the run before the warehouse is touched. Row-level faults are quarantined;
in these ten-row files one faulty row is a reject rate of about 10%, so each row-level test first
checks that the run stops (default ``max_reject_rate`` 5%) and changes nothing, then loads the
same files with a higher threshold and finds the row in ``RAW.REJECTED_ROWS``.
"""

from __future__ import annotations

import gzip
import logging

import pytest
from ingest_support import (
    KAGGLE_HEADER,
    METADATA,
    MOVIES,
    RATINGS,
    ensure_loaded,
    ingest,
    kaggle_metadata,
    query,
    rejected_rows,
    scan,
    snapshot,
    write_raw,
)

from netflix_pipeline.pipelines.ingestion.load import RejectRateError
from netflix_pipeline.pipelines.ingestion.source import RawFileError


@pytest.fixture()
def loaded(warehouse, tmp_path_factory):
    """The RAW tables before the test's run (a load happened earlier)."""
    return ensure_loaded(warehouse, tmp_path_factory)


def replace_line(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


def insert_line(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines.insert(line - 1, new)
    return "\n".join(lines) + "\n"


def fails_with(exc_type, raw, warehouse, work, **overrides) -> str:
    with pytest.raises(exc_type) as err:
        ingest(raw, warehouse, work, **overrides)
    return str(err.value)


# ---------------------------------------------------------------------------------------------
# file-level faults: nothing is loaded


def test_missing_required_file(tmp_path, warehouse, loaded):
    raw = write_raw(tmp_path / "raw", {"movielens/ratings.csv": None})
    message = fails_with(RawFileError, raw, warehouse, tmp_path)
    assert message.startswith(f"{raw}/movielens/ratings.csv: required file not found.")
    assert f"Expected movielens/ratings.csv under raw_uri = {raw}" in message
    assert "--params=raw_uri=" in message
    assert "Nothing was loaded; the RAW tables are as they were." in message
    assert snapshot(warehouse) == loaded


def test_missing_raw_folder_is_named(tmp_path, warehouse, loaded):
    message = fails_with(RawFileError, tmp_path / "nowhere", warehouse, tmp_path)
    assert "4 raw files are unusable" in message  # the tags file is optional
    assert f"(the folder {tmp_path / 'nowhere'} does not exist)" in message
    assert snapshot(warehouse) == loaded


def test_every_unusable_file_is_listed_at_once(tmp_path, warehouse, loaded):
    raw = write_raw(
        tmp_path / "raw",
        {"movielens/links.csv": None, "movielens/movies.csv": "movieId,name,genres\n1,A,Drama\n"},
    )
    message = fails_with(RawFileError, raw, warehouse, tmp_path)
    assert message.startswith("2 raw files are unusable, so nothing was loaded")
    assert f"  - {raw}/movielens/movies.csv: missing required column(s) title." in message
    assert f"  - {raw}/movielens/links.csv: required file not found." in message
    assert snapshot(warehouse) == loaded


def test_missing_column(tmp_path, warehouse, loaded):
    raw = write_raw(tmp_path / "raw", {"movielens/ratings.csv": "userId,movieId,rating\n1,1,4.0\n"})
    message = fails_with(RawFileError, raw, warehouse, tmp_path)
    assert message.startswith(
        f"{raw}/movielens/ratings.csv: missing required column(s) timestamp. Expected the header "
        "to hold userId, movieId, rating, timestamp (more columns are fine); it holds: userId, "
        "movieId, rating."
    )
    assert snapshot(warehouse) == loaded


@pytest.mark.parametrize(
    ("header", "hint"),
    [
        ("movieid,title,genres", "names are case-sensitive (found 'movieid' for 'movieId')"),
        ("movieId;title;genres", "the header is one column: the file must be comma-separated"),
    ],
)
def test_missing_column_hints(tmp_path, warehouse, header, hint):
    raw = write_raw(tmp_path / "raw", {"movielens/movies.csv": f"{header}\n1;A;Drama\n"})
    assert hint in fails_with(RawFileError, raw, warehouse, tmp_path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty; expected a CSV header (movieId, title, genres) and data rows."),
        (b"\r\n\r\n", "the file is empty"),
        (
            b"movieId,title,genres\r\n",
            "the file has a header but no data rows; expected at least one row (an empty export "
            "would empty MOVIES).",
        ),
    ],
    ids=["zero-bytes", "blank-lines", "header-only"],
)
def test_empty_file(tmp_path, warehouse, loaded, content, expected):
    raw = write_raw(tmp_path / "raw", {"movielens/movies.csv": content})
    message = fails_with(RawFileError, raw, warehouse, tmp_path)
    assert message.startswith(f"{raw}/movielens/movies.csv: {expected}")
    assert snapshot(warehouse) == loaded


def test_header_only_optional_file_is_an_empty_file(tmp_path):
    raw = write_raw(tmp_path / "raw", {"movielens/tags.csv": "userId,movieId,tag,timestamp\n"})
    tags = next(item for item in scan(raw, tmp_path) if item.contract.name == "tags")
    assert (tags.present, tags.records, tags.rejected) == (True, 0, 0)


def test_absent_optional_file_loads_an_empty_table(tmp_path, warehouse, caplog):
    raw = write_raw(tmp_path / "raw", {"movielens/tags.csv": None})
    with caplog.at_level(logging.INFO, logger="netflix_pipeline"):
        report = ingest(raw, warehouse, tmp_path)
    assert report["tags"]["present"] is False
    assert query(warehouse, "select count(*) from RAW.TAGS") == [(0,)]
    assert f"{raw}/movielens/tags.csv: absent; optional, TAGS will be empty" in caplog.text


def test_undecodable_bytes(tmp_path, warehouse, loaded):
    latin1 = METADATA.replace("Heat,", "Heat \u2014 Caf\u00e9,").encode("cp1252")
    raw = write_raw(tmp_path / "raw", {"tmdb/movies_metadata.csv": latin1})
    message = fails_with(RawFileError, raw, warehouse, tmp_path)
    offset = latin1.index(b"\x97")
    assert message.startswith(
        f"{raw}/tmdb/movies_metadata.csv: line 7 is not valid UTF-8 (byte offset {offset}: "
        "b'\\x97 Ca'); expected a UTF-8 CSV file — the bytes read as Windows-1252/Latin-1: "
        "re-export the file as UTF-8"
    )
    assert snapshot(warehouse) == loaded


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (MOVIES.encode("utf-16"), "UTF-16 (little-endian byte-order mark)"),
        (gzip.compress(MOVIES.encode()), "gzip-compressed"),
    ],
    ids=["utf-16", "gzip"],
)
def test_not_a_plain_utf8_file(tmp_path, warehouse, content, what):
    raw = write_raw(tmp_path / "raw", {"movielens/movies.csv": content})
    message = fails_with(RawFileError, raw, warehouse, tmp_path)
    assert f"movies.csv: the file is {what}; expected a plain UTF-8 CSV file." in message


# ---------------------------------------------------------------------------------------------
# row-level faults: too many stop the run; within the threshold they are quarantined

SHIFTED_FULL = (
    " - Written by Ørnås,0.065736,/ff9qCepilowshEtG2GYWwzt2bs4.jpg,\"[{'name': 'Carousel "
    "Productions', 'id': 11176}]\",\"[{'iso_3166_1': 'CA', 'name': 'Canada'}]\",1997-08-20,0,"
    "104.0,\"[{'iso_639_1': 'en', 'name': 'English'}]\",Released,,Midnight Man,False,6.0,1"
    + ","
    * 7
)
# Kaggle's real file: the tail of a broken overview, shorter than a row
SHIFTED_SHORT = (
    " - Written by Ørnås,0.065736,/ff9q.jpg,[],[],1997-08-20,0,104.0,[],Released,,Midnight Man"
)

BAD_RATINGS = {3: "1,3,4.0,yesterday", 4: "1,6,4.0", 6: "2,10,7.0,1445714883"}
LONG_RATING = (8, "3,2,4.0,1306463718,1306463718")


def ratings_with(lines: dict[int, str], insert: tuple[int, str] | None = None) -> str:
    ratings = RATINGS
    for line, row in lines.items():
        ratings = replace_line(ratings, line, row)
    return insert_line(ratings, *insert) if insert else ratings


@pytest.fixture(scope="module")
def quarantined(warehouse, tmp_path_factory):
    """One lenient load of every row-level fault: (rejected rows, load report, log text)."""
    work = tmp_path_factory.mktemp("quarantine")
    raw = write_raw(
        work / "raw",
        {
            "movielens/ratings.csv": ratings_with(BAD_RATINGS, LONG_RATING),
            "movielens/movies.csv": MOVIES + "3,Heat (copy),Drama\n",
            "tmdb/movies_metadata.csv": kaggle_metadata(extra={6: SHIFTED_FULL, 9: SHIFTED_SHORT}),
        },
    )
    handler = logging.Handler()
    handler.records = []
    handler.emit = handler.records.append
    logger = logging.getLogger("netflix_pipeline")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        report = ingest(raw, warehouse, work, max_reject_rate=0.5)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    log = "\n".join(r.getMessage() for r in handler.records)
    return rejected_rows(warehouse), report, log


def stops(tmp_path, warehouse, before, files, *, path, rate, reason) -> None:
    """The run stops naming the file, its rate and the reason, and nothing changes."""
    raw = write_raw(tmp_path / "raw", files)
    message = fails_with(RejectRateError, raw, warehouse, tmp_path)
    assert message.startswith(f"{raw}/{path}: {rate} of its rows were rejected")
    assert "more than ingest.max_reject_rate = 5.0%" in message
    assert reason in message
    assert "Nothing was replaced: the RAW tables and the reports are as they were." in message
    assert snapshot(warehouse) == before


def quarantined_at(quarantined, path: str, *lines: int) -> list[tuple]:
    return [row for row in quarantined[0] if row[0] == path and row[1] in lines]


def test_wrong_column_count(tmp_path, warehouse, loaded, quarantined):
    stops(
        tmp_path,
        warehouse,
        loaded,
        {"movielens/ratings.csv": ratings_with({4: BAD_RATINGS[4]}, LONG_RATING)},
        path="movielens/ratings.csv",
        rate="18.2%",
        reason="wrong number of columns (2 rows, first at line 4)",
    )
    assert quarantined_at(quarantined, "movielens/ratings.csv", 4, 8) == [
        (
            "movielens/ratings.csv",
            4,
            "wrong number of columns: expected 4, found 3",
            "1,6,4.0",
            "ingest",
        ),
        (
            "movielens/ratings.csv",
            8,
            "wrong number of columns: expected 4, found 5",
            "3,2,4.0,1306463718,1306463718",
            "ingest",
        ),
    ]


def test_unparseable_value(tmp_path, warehouse, loaded, quarantined):
    stops(
        tmp_path,
        warehouse,
        loaded,
        {"movielens/ratings.csv": ratings_with({3: BAD_RATINGS[3]})},
        path="movielens/ratings.csv",
        rate="10.0%",
        reason="timestamp: expected epoch seconds (a whole number from 0, before the year 2100) "
        "(1 row, first at line 3)",
    )
    assert quarantined_at(quarantined, "movielens/ratings.csv", 3) == [
        (
            "movielens/ratings.csv",
            3,
            "timestamp: expected epoch seconds (a whole number from 0, before the year 2100), "
            "got 'yesterday'",
            "1,3,4.0,yesterday",
            "ingest",
        )
    ]


def test_out_of_range_value(tmp_path, warehouse, loaded, quarantined):
    stops(
        tmp_path,
        warehouse,
        loaded,
        {"movielens/ratings.csv": ratings_with({6: BAD_RATINGS[6]})},
        path="movielens/ratings.csv",
        rate="10.0%",
        reason="rating: expected a rating from 0.5 to 5.0 in steps of 0.5 (1 row, first at line 6)",
    )
    assert quarantined_at(quarantined, "movielens/ratings.csv", 6) == [
        (
            "movielens/ratings.csv",
            6,
            "rating: expected a rating from 0.5 to 5.0 in steps of 0.5, got '7.0'",
            "2,10,7.0,1445714883",
            "ingest",
        )
    ]


def test_duplicate_key_keeps_the_first_row(tmp_path, warehouse, loaded, quarantined):
    stops(
        tmp_path,
        warehouse,
        loaded,
        {"movielens/movies.csv": MOVIES + "3,Heat (copy),Drama\n"},
        path="movielens/movies.csv",
        rate="9.1%",
        reason="duplicate movieId (1 row, first at line 12)",
    )
    assert quarantined_at(quarantined, "movielens/movies.csv", 12) == [
        (
            "movielens/movies.csv",
            12,
            "duplicate movieId 3: the row at line 4 has it first and is kept",
            "3,Heat (copy),Drama",
            "ingest",
        )
    ]


def test_shifted_row(tmp_path, warehouse, loaded, quarantined):
    stops(
        tmp_path,
        warehouse,
        loaded,
        {"tmdb/movies_metadata.csv": kaggle_metadata(extra={6: SHIFTED_FULL})},
        path="tmdb/movies_metadata.csv",
        rate="9.1%",
        reason="shifted row (1 row, first at line 6)",
    )
    assert quarantined_at(quarantined, "tmdb/movies_metadata.csv", 6) == [
        (
            "tmdb/movies_metadata.csv",
            6,
            "shifted row: id holds the date '1997-08-20' where id belongs (a broken field "
            "shifts the columns)",
            SHIFTED_FULL,
            "ingest",
        )
    ]


def test_shifted_row_with_missing_columns(tmp_path, warehouse, loaded, quarantined):
    stops(
        tmp_path,
        warehouse,
        loaded,
        {"tmdb/movies_metadata.csv": kaggle_metadata(extra={4: SHIFTED_SHORT})},
        path="tmdb/movies_metadata.csv",
        rate="9.1%",
        reason="shifted row (1 row, first at line 4)",
    )
    assert quarantined_at(quarantined, "tmdb/movies_metadata.csv", 9) == [
        (
            "tmdb/movies_metadata.csv",
            9,
            "shifted row: id holds the date '1997-08-20' where id belongs (a broken field "
            "shifts the columns); wrong number of columns: "
            f"expected {len(KAGGLE_HEADER)}, found 12",
            SHIFTED_SHORT,
            "ingest",
        )
    ]


def test_quarantine_holds_exactly_the_faulty_rows(warehouse, quarantined):
    rejects, report, log = quarantined
    assert [(r[0], r[1]) for r in rejects] == [
        ("movielens/movies.csv", 12),
        ("movielens/ratings.csv", 3),
        ("movielens/ratings.csv", 4),
        ("movielens/ratings.csv", 6),
        ("movielens/ratings.csv", 8),
        ("tmdb/movies_metadata.csv", 6),
        ("tmdb/movies_metadata.csv", 9),
    ]
    assert "movielens/ratings.csv: 7 rows loaded, 4 rejected (36.36%)" in log
    assert "movielens/movies.csv: 10 rows loaded, 1 rejected (9.09%)" in log
    assert report["ratings"] | {"seconds": 0} == {
        "file": "movielens/ratings.csv",
        "uri": report["ratings"]["uri"],
        "table": "RAW.RATINGS",
        "present": True,
        "rows_loaded": 7,
        "rows_rejected": 4,
        "reject_rate": 0.363636,
        "top_reasons": {
            "wrong number of columns": 2,
            "rating: expected a rating from 0.5 to 5.0 in steps of 0.5": 1,
            "timestamp: expected epoch seconds (a whole number from 0, before the year 2100)": 1,
        },
        "seconds": 0,
    }


def test_reject_rate_exceeded_names_file_rate_and_top_three_reasons(tmp_path, warehouse, loaded):
    ratings = ratings_with(
        {
            2: "1,1,4.5.0,964982703",
            3: "1,3,6,964981247",
            5: "2,2,3.5,-1",
            7: "3,1,0.0,1306463718",
            9: "4,8,1.5,1e9",
        }
    )
    ratings += "5,2,3.0\n5,3,3.0,847434962\n"
    raw = write_raw(tmp_path / "raw", {"movielens/ratings.csv": ratings})
    message = fails_with(RejectRateError, raw, warehouse, tmp_path, max_reject_rate=0.2)
    assert message == (
        f"{raw}/movielens/ratings.csv: 50.0% of its rows were rejected (6 of 12), more than "
        "ingest.max_reject_rate = 20.0%. Most common reasons: "
        "rating: expected a rating from 0.5 to 5.0 in steps of 0.5 (3 rows, first at line 2); "
        "timestamp: expected epoch seconds (a whole number from 0, before the year 2100) "
        "(2 rows, first at line 5); wrong number of columns (1 row, first at line 12). "
        "Nothing was replaced: the RAW tables and the reports are as they were. Fix the export, "
        "or accept more for one run with --params=ingest.max_reject_rate=<fraction>."
    )
    assert snapshot(warehouse) == loaded
