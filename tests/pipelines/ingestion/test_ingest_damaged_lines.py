"""Damage that used to stop the run costs only the damaged rows: on copies of the real files
(skipped when ../shared is absent) and on generated files.

- Mixed line ends: ``ratings.csv`` of ml-latest-small ends its lines with CR LF; rows appended
  with LF alone load, and the faulty ones among them are quarantined with their lines.
- A quote that never closes: the line that opens it is set aside alone and the rest loads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import lay_out_real_data
from ingest_support import RATINGS, ingest, query, rejected_rows, scan, write_raw

from netflix_pipeline.pipelines.ingestion.contracts import CONTRACTS_BY_NAME
from netflix_pipeline.pipelines.ingestion.scan import structural_pass
from netflix_pipeline.pipelines.ingestion.source import RawFileError, _LineCounts, inspect_file

APPENDED = b"1,2,3.0,4,5\n1,3,9.5,1260759144\nx1,4,3.0,1260759144\n"
RATING_REASON = "rating: expected a rating from 0.5 to 5.0 in steps of 0.5, got '9.5'"
USER_REASON = "userId: expected a positive integer, got 'x1'"


def damaged_real(shared: Path, root: Path, ratings: bytes) -> Path:
    """The real files in the raw layout, with ``ratings`` as ratings.csv."""
    raw = lay_out_real_data(shared, root)
    target = raw / "movielens" / "ratings.csv"
    target.unlink()
    target.write_bytes(ratings)
    return raw


def with_stray_quote(data: bytes, line: int) -> bytes:
    """``data`` with a quote opened before the second field of ``line`` (never closed)."""
    lines = data.split(b"\n")
    fields = lines[line - 1].split(b",")
    fields[1] = b'"' + fields[1]
    lines[line - 1] = b",".join(fields)
    return b"\n".join(lines)


def ratings_rows(report: dict) -> tuple[int, int]:
    return report["ratings"]["rows_loaded"], report["ratings"]["rows_rejected"]


@pytest.mark.real_data
def test_real_crlf_ratings_with_lf_rows_appended(shared_data, warehouse, tmp_path):
    original = (shared_data / "movielens-small" / "ratings.csv").read_bytes()
    assert original.count(b"\r\n") == original.count(b"\n")  # the export ends lines with CR LF
    raw = damaged_real(shared_data, tmp_path / "raw", original + APPENDED)
    report = ingest(raw, warehouse, tmp_path)
    assert ratings_rows(report) == (100836, 3)
    assert [row[1:4] for row in rejected_rows(warehouse)] == [
        (100838, "wrong number of columns: expected 4, found 5", "1,2,3.0,4,5"),
        (100839, RATING_REASON, "1,3,9.5,1260759144"),
        (100840, USER_REASON, "x1,4,3.0,1260759144"),
    ]
    assert query(warehouse, "select count(*) from RAW.RATINGS") == [(100836,)]


@pytest.mark.real_data
def test_real_ratings_with_a_quote_never_closed_at_line_5001(shared_data, warehouse, tmp_path):
    original = (shared_data / "movielens-small" / "ratings.csv").read_bytes()
    raw = damaged_real(shared_data, tmp_path / "raw", with_stray_quote(original, 5001))
    report = ingest(raw, warehouse, tmp_path)
    assert ratings_rows(report) == (100835, 1)
    [(source, line, reason, text, stage)] = rejected_rows(warehouse)
    assert (source, line, stage) == ("movielens/ratings.csv", 5001, "ingest")
    assert reason.startswith("malformed quoting: a quoted field opens on this line")
    assert text == '32,"799,3.0,856736405'
    assert report["ratings"]["top_reasons"] == {"malformed quoting": 1}
    assert query(warehouse, "select count(*) from RAW.RATINGS") == [(100835,)]


def test_generated_crlf_ratings_with_lf_rows_appended(warehouse, tmp_path):
    crlf = RATINGS.replace("\n", "\r\n").encode()
    raw = write_raw(tmp_path / "raw", {"movielens/ratings.csv": crlf + APPENDED})
    # three faulty rows of thirteen: past the default 5%
    report = ingest(raw, warehouse, tmp_path, max_reject_rate=0.5)
    assert ratings_rows(report) == (10, 3)
    assert [row[1] for row in rejected_rows(warehouse)] == [12, 13, 14]


def test_generated_ratings_with_a_quote_never_closed(warehouse, tmp_path):
    data = with_stray_quote(RATINGS.encode(), 4)
    raw = write_raw(tmp_path / "raw", {"movielens/ratings.csv": data})
    report = ingest(raw, warehouse, tmp_path, max_reject_rate=0.5)
    assert ratings_rows(report) == (9, 1)
    [rejected] = rejected_rows(warehouse)
    assert rejected[1:2] == (4,)
    assert "it is not closed before the end of the file" in rejected[2]


def test_a_quote_that_pairs_with_a_later_stray_quote_costs_two_lines(warehouse, tmp_path):
    """Two stray quotes a few lines apart form no record (the columns do not fit): each costs
    its own line."""
    lines = RATINGS.splitlines()
    lines[3] = lines[3].replace(",", ',"', 1)  # line 4: a quote opens the second field
    lines[6] = lines[6] + '"'  # line 7: a quote after the last field
    raw = write_raw(tmp_path / "raw", {"movielens/ratings.csv": "\n".join(lines) + "\n"})
    report = ingest(raw, warehouse, tmp_path, max_reject_rate=0.5)
    assert ratings_rows(report) == (8, 2)
    assert [row[1] for row in rejected_rows(warehouse)] == [4, 7]


def test_the_cleaned_copy_is_removed_once_read(tmp_path):
    data = RATINGS.replace("\n", "\r\n", 3).encode()  # mixed line ends: a cleaned copy is read
    raw = write_raw(tmp_path / "raw", {"movielens/ratings.csv": data})
    [_, ratings, *_] = scan(raw, tmp_path)
    assert ratings.records == 10
    assert list((tmp_path / "ingest").rglob("*.parquet"))  # the landed files stay for the load
    assert not list((tmp_path / "ingest").rglob("*.cleaned.csv"))


def land_alone(tmp_path: Path, data: bytes):
    path = tmp_path / "ratings.csv"
    path.write_bytes(data)
    contract = CONTRACTS_BY_NAME["ratings"]
    shape = inspect_file(path, str(path), contract)
    return structural_pass(path, contract, str(path), shape, tmp_path / "out")


def test_a_stray_cr_after_the_last_line_end_is_a_broken_line(tmp_path):
    item = land_alone(tmp_path, RATINGS.encode() + b"\r")
    assert (item.records, item.rejected) == (10, 1)
    assert item.reject_kinds == {"malformed line end": (1, 12)}


def test_a_header_of_six_hundred_columns_is_read(tmp_path):
    header = "userId,movieId,rating,timestamp," + ",".join(f"x{i}" for i in range(596))
    row = "1,2,4.0,964982703" + "," * 596
    item = land_alone(tmp_path, f"{header}\n{row}\n{row}\n".encode())
    assert (item.records, item.rejected) == (2, 0)


def test_a_header_that_describes_none_of_the_rows_refuses_the_file(tmp_path):
    header = "userId,movieId,rating,timestamp," + ",".join(f"x{i}" for i in range(196))
    data = header + "\n" + RATINGS.split("\n", 1)[1]
    with pytest.raises(RawFileError, match="the header has 200 columns but none of the first 10"):
        land_alone(tmp_path, data.encode())


@pytest.mark.parametrize(
    ("data", "empty"),
    [
        (b"a\n\nb\n", 1),
        (b"a\r\n\r\nb\r\n", 1),
        (b"h\n\n\n", 2),
        (b"a\n\r\n\nb", 2),
        (b"a\r\n\n", 1),
        (b"ab\n", 0),
        (b"a\r\r\n", 0),
    ],
)
def test_empty_lines_are_counted_wherever_the_chunks_split(data, empty):
    for size in range(1, len(data) + 1):
        counts = _LineCounts(1 << 20)
        for at in range(0, len(data), size):
            counts.add(data[at : at + size])
        assert counts.blank == empty, size
