"""The value checks of the structural pass: fast paths that agree with the patterns, and records
that stay in file order (their positions number the lines).

The integer kinds (ids, epochs) and ratings are typed through a fast path before their pattern;
the property here is that the typed value is exactly the pattern's (the trimmed text matches, then
casts) for any text, including the forms DuckDB's own casts accept and the contract does not.
"""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_support import RATINGS
from test_ingest_lines import land

from netflix_pipeline.pipelines.ingestion.contracts import CONTRACTS_BY_NAME, Column
from netflix_pipeline.pipelines.ingestion.scan import records, structural_pass
from netflix_pipeline.pipelines.ingestion.source import inspect_file
from netflix_pipeline.pipelines.ingestion.sql import INTEGER, RATING, ValueChecks, column_check

# Digits and every character that makes a lenient cast differ from the pattern.
TEXT = st.one_of(
    st.none(),
    st.text(alphabet="0123456789.+-eExX_ \t", max_size=22),
    st.sampled_from(
        ["0.5", "5.0", "3.3", "4.50", "5.5", "0.0", "-0.5", "4.5 ", "4.", "007", "٥", "1e3"]
        + ["0x1F", "1_000", "-0"]
    ),
)


def pattern_value(kind: str, text: str | None):
    """What the contract means: the text, trimmed of spaces (as SQL's trim does), matches the
    kind's pattern, then casts."""
    if text is None or not re.fullmatch(INTEGER if kind != "rating" else RATING, text.strip(" ")):
        return None
    trimmed = text.strip(" ")
    return Decimal(trimmed).quantize(Decimal("0.1")) if kind == "rating" else int(trimmed)


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    yield con
    con.close()


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["id", "epoch", "rating"]), text=TEXT)
def test_the_fast_paths_type_values_as_the_patterns_do(duck, kind, text):
    typed = column_check(Column("x", "X", kind), "v").typed
    got = duck.execute(f"select {typed} from (select ?::varchar as v)", [text]).fetchone()[0]
    assert got == pattern_value(kind, text)


def test_a_check_that_would_reorder_the_records_is_refused(tmp_path, monkeypatch):
    """A long IN list is planned as a join, which would not keep the file order that numbers
    the lines: the pass refuses to run rather than number lines wrongly."""
    real = records.value_checks

    def with_in_list(contract, field):
        checks = real(contract, field)
        listed = ", ".join(f"'{i}'" for i in range(40))
        return ValueChecks(
            [*checks.typed[:-1], f"{field['RATED_AT_EPOCH']} in ({listed}) as RATED_AT_EPOCH"],
            checks.any_bad,
            checks.reason,
            checks.kind,
        )

    monkeypatch.setattr(records, "value_checks", with_in_list)
    with pytest.raises(RuntimeError, match="would not keep the records in file order"):
        land(tmp_path, RATINGS.encode())


def test_records_keep_their_lines_when_read_in_parallel(tmp_path):
    """A file big enough for DuckDB to read in parallel (a plan that loses the order misplaces
    every record of it): every record still gets its own line,
    and so do the faulty ones deep inside it."""
    rows = 4_000_000
    path = tmp_path / "ratings.csv"
    with duckdb.connect() as con:
        # user = the record's line; a bad rating every 250,000 lines
        con.execute(
            f"copy (select range + 2 as userId, 1 as movieId, "
            f"case when (range + 2) % 250000 = 0 then '9.5' else '4.0' end as rating, "
            f"1000 as timestamp from range({rows})) to '{path}' (header, delimiter ',')"
        )
    contract = CONTRACTS_BY_NAME["ratings"]
    shape = inspect_file(path, str(path), contract)
    item = structural_pass(path, contract, str(path), shape, tmp_path / "out", {"threads": 2})
    with duckdb.connect() as con:
        # ratings land unnumbered; their clean rows (no _FAULT) load, the faulty ones are
        # numbered in the rejects by their place in the file
        landed = con.execute(
            "select count(*), count(distinct USER_ID), min(USER_ID), max(USER_ID), "
            f"count(*) filter (where USER_ID % 250000 = 0) from '{item.landed}' "
            "where _FAULT is null"
        ).fetchone()
        faulty = con.execute(
            "select list(LINE_NUMBER order by LINE_NUMBER), "
            "count(*) filter (where split_part(RAW_LINE, ',', 1)::bigint <> LINE_NUMBER) "
            f"from '{item.rejects}'"
        ).fetchone()
    assert item.records == rows
    assert faulty == (list(range(250_000, rows + 2, 250_000)), 0)
    assert landed == (rows - len(faulty[0]), rows - len(faulty[0]), 2, rows + 1, 0)


def test_one_thread_is_allowed_and_keeps_the_lines(tmp_path):
    """``ingest.duckdb.threads: 1``: DuckDB then writes row by row (no batch plan to check),
    in file order, and the faulty records keep their lines."""
    lines = ["userId,movieId,rating,timestamp"]
    lines += [f"{n},1,{'9.5' if n % 400 == 0 else '4.0'},1000" for n in range(2, 1202)]
    path = tmp_path / "ratings.csv"
    path.write_text("\n".join(lines) + "\n")
    contract = CONTRACTS_BY_NAME["ratings"]
    shape = inspect_file(path, str(path), contract)
    item = structural_pass(path, contract, str(path), shape, tmp_path / "out", {"threads": 1})
    with duckdb.connect() as con:
        faulty = con.execute(f"select list(LINE_NUMBER order by LINE_NUMBER) from '{item.rejects}'")
        assert faulty.fetchone()[0] == [400, 800, 1200]
        loads = f"select count(*) from '{item.landed}' where _FAULT is null"
        assert con.execute(loads).fetchone()[0] == item.landed_rows == 1197
