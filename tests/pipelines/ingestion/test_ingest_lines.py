"""Line numbers of the structural pass, against the file's own lines (no warehouse needed).

A record's line is the physical line it starts on, the header being line 1: newlines inside
quoted fields (of kept and of rejected records) and blank lines move later records down. The
rows of a file with a key are landed numbered; those of a file without one are not, and only
their faulty rows are numbered, among the rejects.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_support import landed_rows

from netflix_pipeline.pipelines.ingestion.contracts import CONTRACTS_BY_NAME
from netflix_pipeline.pipelines.ingestion.scan import ScannedFile, structural_pass
from netflix_pipeline.pipelines.ingestion.source import RawFileError, inspect_file

RATINGS = CONTRACTS_BY_NAME["ratings"]
# the same columns in a file with a key: its rows are landed with their lines
NUMBERED = replace(RATINGS, key="userId")
HEADER = ["userId", "movieId", "rating", "timestamp"]


def field(value: str) -> str:
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def land(tmp_path: Path, data: bytes, contract=NUMBERED) -> tuple[ScannedFile, list, list]:
    """The landed rows, in the order of the file, and the rejects."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    shape = inspect_file(path, str(path), contract)
    item = structural_pass(path, contract, str(path), shape, tmp_path / "out")
    kept = landed_rows(item.landed)  # an unnumbered file lands in file order
    if contract.numbered:
        kept.sort(key=lambda r: r["_LINE_NUMBER"])
    rejects = pq.read_table(item.rejects).to_pylist()
    return item, kept, rejects


BOM_CRLF = (
    "\ufeffuserId,movieId,rating,timestamp\r\n"  # 1
    '1,2,"4.0\r\nsecond line",5\r\n'  # 2-3
    "2,x\r\n"  # 4: too few columns
    # 5-7: a quoted field over three lines in a record of five columns: line 5 is set aside
    # alone, and lines 6 (one column) and 7 (a faulty row) read on their own
    '3,"multi\nline\nrecord",7,9,10\r\n'
    '4,"comma, inside",3.5,8\r\n'  # 8
    "\r\n"  # 9: blank
    '5,"",,\r\n'  # 10: empty values are nulls
    "\r\n\r\n"  # trailing blank lines
).encode()


def test_bom_crlf_quoted_newlines_and_blank_lines(tmp_path):
    item, kept, rejects = land(tmp_path, BOM_CRLF)
    # typed as they land; a faulty value is null and its row keeps its reasons and its text
    assert [(r["_LINE_NUMBER"], r["USER_ID"], r["MOVIE_ID"], r["RATING"]) for r in kept] == [
        (2, 1, 2, None),
        (7, None, 7, None),
        (8, 4, None, Decimal("3.5")),
        (10, 5, None, None),
    ]
    assert [(r["_REASON_KIND"], r["_RAW_LINE"]) for r in kept] == [
        (RATINGS.column("rating").expectation, '1,2,"4.0\r\nsecond line",5'),
        (RATINGS.column("userId").expectation, '"record""",7,9,10'),
        (RATINGS.column("movieId").expectation, '4,"comma, inside",3.5,8'),
        (RATINGS.column("movieId").expectation, "5,,,"),
    ]
    assert kept[0]["_REASON"] == (
        "rating: expected a rating from 0.5 to 5.0 in steps of 0.5, got '4.0\r\nsecond line'"
    )
    assert [(r["LINE_NUMBER"], r["REASON"], r["RAW_LINE"]) for r in rejects] == [
        (4, "wrong number of columns: expected 4, found 2", "2,x"),
        (
            5,
            "malformed quoting: a quoted field opens on this line and it closes on line 7, but "
            "lines 5-7 then hold 5 columns, not 4; this line alone is set aside",
            '3,"multi',
        ),
        (6, "wrong number of columns: expected 4, found 1", "line"),
    ]
    assert (item.records, item.rejected, item.rejected_lines) == (4, 3, 3)
    assert item.reject_kinds == {"wrong number of columns": (2, 4), "malformed quoting": (1, 5)}
    assert item.value_kinds == {}  # found in the warehouse, with the duplicates of the key


def test_without_a_key_clean_rows_land_unnumbered_and_the_faulty_ones_join_the_rejects(tmp_path):
    data = BOM_CRLF.replace(b"\r\n\r\n\r\n", b"\r\n6,7,4.5,11\r\n\r\n")  # line 11: clean
    item, kept, rejects = land(tmp_path, data, RATINGS)
    # every kept record lands; the RAW table's rows are those without a reason, as the
    # warehouse inserts them
    loads = [
        {k: r[k] for k in ("USER_ID", "MOVIE_ID", "RATING", "RATED_AT_EPOCH")}
        for r in kept
        if r["_REASON"] is None
    ]
    assert loads == [{"USER_ID": 6, "MOVIE_ID": 7, "RATING": Decimal("4.5"), "RATED_AT_EPOCH": 11}]
    assert len(kept) == item.records
    assert [(r["LINE_NUMBER"], r["RAW_LINE"]) for r in rejects] == [
        (2, '1,2,"4.0\r\nsecond line",5'),
        (4, "2,x"),
        (5, '3,"multi'),
        (6, "line"),
        (7, '"record""",7,9,10'),
        (8, '4,"comma, inside",3.5,8'),
        (10, "5,,,"),
    ]
    assert rejects[0]["REASON"] == (
        "rating: expected a rating from 0.5 to 5.0 in steps of 0.5, got '4.0\r\nsecond line'"
    )
    assert item.value_kinds == {
        RATINGS.column("rating").expectation: (1, 2),
        RATINGS.column("movieId").expectation: (2, 8),
        RATINGS.column("userId").expectation: (1, 7),
    }
    assert (item.records, item.landed_rows) == (5, 1)
    assert (item.value_rejected, item.rejects_rows) == (4, 7)


def test_a_quote_never_closed_costs_its_line_alone(tmp_path):
    rows = [f"{i},{i},4.0,{1000 + i}" for i in range(1, 2001)]
    rows[2] = '3,"3,4.0,1003'  # line 4 opens a quote that never closes
    data = ("\n".join(["userId,movieId,rating,timestamp", *rows]) + "\n").encode()
    item, kept, rejects = land(tmp_path, data)
    assert [r["_LINE_NUMBER"] for r in kept] == [2, 3, *range(5, 2002)]
    assert [(r["LINE_NUMBER"], r["RAW_LINE"]) for r in rejects] == [(4, '3,"3,4.0,1003')]
    assert rejects[0]["REASON"].startswith(
        "malformed quoting: a quoted field opens on this line and it is not closed within "
        "ingest.limits.max_record_lines (100) lines"
    )
    assert (item.records, item.rejected, item.rejected_lines) == (1999, 1, 1)
    assert item.reject_kinds == {"malformed quoting": (1, 4)}


def test_a_quote_that_closes_after_the_last_line_breaks_only_its_line(tmp_path):
    data = b'userId,movieId,rating,timestamp\n1,1,4.0,1\n2,"2,4.0,2\n3,3,4.0,3\n'
    item, kept, rejects = land(tmp_path, data)
    assert [r["_LINE_NUMBER"] for r in kept] == [2, 4]
    assert [r["LINE_NUMBER"] for r in rejects] == [3]
    assert "it is not closed before the end of the file" in rejects[0]["REASON"]


def test_extra_columns_keep_the_record_text_for_rejects(tmp_path):
    data = (
        b"id,title,overview,release_date,budget,revenue,genres,vote_average,vote_count,homepage\n"
        b'862,Toy Story,"A toy,\nalive",1995-10-30,30000000,373554033.0,"[{\'id\': 16}]",'
        b"7.7,5415.0,\n"
        b"863,Jumanji,plain,1995-12-15,65000000,262797249.0,[],6.9,2413.0,http://x\n"
    )
    _, kept, _ = land(tmp_path, data, CONTRACTS_BY_NAME["movies_metadata"])
    # every column of the record, re-quoted only where a reader needs it
    assert [(r["_LINE_NUMBER"], r["TMDB_ID"], r["_RAW_LINE"]) for r in kept] == [
        (
            2,
            862,
            '862,Toy Story,"A toy,\nalive",1995-10-30,30000000,373554033.0,'
            "[{'id': 16}],7.7,5415.0,",
        ),
        (4, 863, "863,Jumanji,plain,1995-12-15,65000000,262797249.0,[],6.9,2413.0,http://x"),
    ]


# A field: plain text, or text with the characters that need quoting.
FIELD = st.text(alphabet="ab1 ,\"\n'é", max_size=6).map(lambda s: s.strip())
# A record over several lines must have the header's columns (else its first line alone is
# set aside: test_bom_crlf_quoted_newlines_and_blank_lines): the faulty ones keep to one line.
ONE_LINE_FIELD = st.text(alphabet="ab1 ,\"'é", max_size=6).map(lambda s: s.strip())
RECORD = st.one_of(
    st.lists(FIELD, min_size=4, max_size=4),  # kept
    st.lists(ONE_LINE_FIELD, min_size=2, max_size=3),  # too few columns
    st.lists(ONE_LINE_FIELD, min_size=5, max_size=6),  # too many columns
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    records=st.lists(st.tuples(RECORD, st.integers(0, 2)), min_size=1, max_size=25),
    crlf=st.booleans(),
    bom=st.booleans(),
    numbered=st.booleans(),
)
def test_line_numbers_match_the_file(tmp_path_factory, records, crlf, bom, numbered):
    """Every kept row of a numbered file, and every faulty or rejected record, carries the
    physical line it starts on."""
    tmp_path = tmp_path_factory.mktemp("lines")
    end = "\r\n" if crlf else "\n"
    text = ("\ufeff" if bom else "") + ",".join(HEADER) + end
    expected_kept, expected_rejected = [], []
    for fields, blanks_after in records:
        line = text.count("\n") + 1
        record = ",".join(field(f) for f in fields)
        # DuckDB tolerates empty fields after the last column (a trailing comma): nothing is lost
        if len(fields) == 4 or (len(fields) > 4 and not any(fields[4:])):
            expected_kept.append((line, ",".join(field(f) for f in fields[:4])))
        else:
            expected_rejected.append((line, record))
        text += record + end + end * blanks_after
    if len(records) >= 10 and all(len(fields) != len(HEADER) for fields, _ in records):
        # no row as wide as the header: the whole file is refused (source.check_row_widths)
        with pytest.raises(RawFileError, match="the header does not describe the rows"):
            land(tmp_path / "numbered", text.encode(), NUMBERED)
        return
    # the file with a key lands every record, each with its line and its faults
    item, kept, rejects = land(tmp_path / "numbered", text.encode(), NUMBERED)
    assert item.records == len(expected_kept)
    # a faulty row keeps its record's text, as a reader sees it
    faulty = [
        (line, record)
        for (line, record), r in zip(expected_kept, kept, strict=True)
        if r["_REASON"]
    ]
    malformed = [(line, record.strip("\r\n")) for line, record in expected_rejected]
    assert [r["_LINE_NUMBER"] for r in kept] == [line for line, _ in expected_kept]
    assert [(r["_LINE_NUMBER"], r["_RAW_LINE"]) for r in kept if r["_REASON"]] == faulty
    assert [(r["LINE_NUMBER"], r["RAW_LINE"]) for r in rejects] == malformed
    if not numbered:
        # the same records without a key: the clean ones load, the faulty ones join the rejects
        item, landed, rejects = land(tmp_path / "unnumbered", text.encode(), RATINGS)
        assert (item.records, item.landed_rows) == (len(kept), len(kept) - len(faulty))
        assert [_values(r) for r in landed if not r["_REASON"]] == [
            _values(r) for r in kept if not r["_REASON"]
        ]
        assert [(r["LINE_NUMBER"], r["RAW_LINE"]) for r in rejects] == sorted(faulty + malformed)


def _values(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def test_many_shifts_take_the_as_of_join(tmp_path, monkeypatch):
    """Past MAX_CASE_POINTS shifts, an as-of join numbers the lines: the same numbers."""
    data = (
        "userId,movieId,rating,timestamp\n"
        + "".join(f'{i},"a\nb",4.0,1\n{i},short\n' for i in range(1, 40))
        + "99,99,4.0,1\n"
    ).encode()
    _, case_kept, case_rejects = land(tmp_path / "case", data)
    monkeypatch.setattr("netflix_pipeline.pipelines.ingestion.scan.lines.MAX_CASE_POINTS", 0)
    _, asof_kept, asof_rejects = land(tmp_path / "asof", data)
    assert asof_kept == case_kept and asof_rejects == case_rejects
    assert [r["_LINE_NUMBER"] for r in case_kept] == [*range(2, 2 + 3 * 39, 3), 2 + 3 * 39]
    assert [r["LINE_NUMBER"] for r in case_rejects] == list(range(4, 4 + 3 * 39, 3))
