"""The emulator server: long statements answered as Snowflake answers them, memory bounded."""

from __future__ import annotations

import logging
from pathlib import Path

import psutil
import pytest
import snowflake.connector

from netflix_pipeline.warehouse.emulator import Emulator

# About two seconds of DuckDB work, whatever the machine: more than the client waits below.
SLOW = "select max(md5(to_varchar(seq8()))) from table(generator(rowcount => 10000000))"
SLOWEST = "fffffe98d0963d27015c198262d97221"


@pytest.fixture
def emulator():
    def start(answer_within: float) -> Emulator:
        server = Emulator(answer_within=answer_within)
        started.append(server)
        server.start()
        return server

    started: list[Emulator] = []
    yield start
    for server in started:
        server.stop()


def connect(server: Emulator):
    # The connector stops reading after socket_timeout and sends the request again; 60 s by
    # default, one second here, so that a two-second statement is a long one.
    return snowflake.connector.connect(**server.connect_args(), socket_timeout=1)


def test_a_statement_longer_than_the_client_waits_is_answered_in_progress(emulator, caplog):
    server = emulator(answer_within=0.2)
    with connect(server) as con, caplog.at_level(logging.DEBUG, "snowflake.connector.network"):
        assert con.cursor().execute(SLOW).fetchall() == [(SLOWEST,)]
        # and the session is free for the next one
        assert con.cursor().execute("select 1").fetchall() == [(1,)]
    assert "ping pong starting" in caplog.text  # the client asked again for the result


def test_without_the_in_progress_answer_the_client_sends_it_again(emulator):
    """What the answer prevents: the connector gives up reading, sends the statement again in
    the same session while the first still runs, and the emulator refuses it."""
    server = emulator(answer_within=600)
    with connect(server) as con, pytest.raises(snowflake.connector.ProgrammingError) as error:
        con.cursor().execute(SLOW)
    assert "connection is busy" in str(error.value)


def test_tables_over_the_memory_limit_move_to_the_spill_folder():
    """The emulator's memory does not grow with the data: a table several times its memory
    limit is moved, block by block, to files in the run's scratch folder."""
    server = Emulator(memory_limit="64MB")
    try:
        server.start()
        with snowflake.connector.connect(**server.connect_args()) as con:
            cur = con.cursor()
            cur.execute("create database if not exists D")
            cur.execute("create schema if not exists D.S")
            cur.execute(  # about 300 MB in memory
                "create table D.S.T as select seq8() as a, md5(to_varchar(seq8())) as b, "
                "md5(to_varchar(seq8() + 1)) as c from table(generator(rowcount => 3000000))"
            )
            assert cur.execute("select count(distinct b) from D.S.T").fetchall() == [(3000000,)]
            spilled = sum(
                f.stat().st_size for f in Path(server.spill_dir).rglob("*") if f.is_file()
            )
            rss = psutil.Process(server.pid).memory_info().rss
        assert spilled > 150e6
        assert rss < 400e6  # the interpreter and its libraries, the limit, and no table
    finally:
        server.stop()


def test_results_are_described_as_describe_would(emulator):
    """The server describes each result by the columns DuckDB returned it with (instead of
    running ``DESCRIBE`` on it again): the types clients see are Snowflake's, also for a
    ``result_scan`` of an earlier result and for a statement's message."""
    server = emulator(answer_within=30)
    query = (
        "select 1::bigint as a, 1.5::number(2, 1) as b, 'x'::varchar as c, null as d, "
        "parse_json('{}') as e, '2020-01-01 10:00:00'::timestamp_ntz as f, true as g, "
        "'2020-01-01'::date as h, 2.5::double as i"
    )
    expected = [
        ("A", "FIXED", 38, 0),
        ("B", "FIXED", 2, 1),
        ("C", "TEXT", None, None),
        ("D", "TEXT", None, None),
        ("E", "VARIANT", None, None),
        ("F", "TIMESTAMP_NTZ", 0, 9),
        ("G", "BOOLEAN", None, None),
        ("H", "DATE", None, None),
        ("I", "REAL", None, None),
    ]
    names = snowflake.connector.constants.FIELD_ID_TO_NAME

    def described(cur) -> list[tuple]:
        return [(c.name.upper(), names[c.type_code], c.precision, c.scale) for c in cur.description]

    with connect(server) as con:
        for setup in ("create database if not exists D", "use database D", "create schema S"):
            con.cursor().execute(setup)
        cur = con.cursor().execute(query)
        assert described(cur) == expected
        again = con.cursor().execute(f"select * from table(result_scan('{cur.sfqid}'))")
        assert described(again) == expected
        made = con.cursor().execute("create or replace temporary table t (x int)")
        assert [c.name for c in made.description] == ["status"]
        assert made.fetchall() == [("Table T successfully created.",)]


def test_a_query_reads_a_staged_parquet_file_as_snowflake_does(emulator, tmp_path):
    """``insert … select $1:COL … from @stage/path (file_format => …) where …``: Snowflake's
    query of staged files, which fakesnow cannot parse, filters the rows of a staged file (a
    ``COPY INTO`` cannot); the emulator reads the file behind its local stage."""
    import duckdb

    (tmp_path / "run-1").mkdir()
    duckdb.sql(
        "copy (select * from (values (1::bigint, 4.5::decimal(2, 1), null::varchar), "
        "(2, null, 'rating: expected a rating'), (3, 0.5, null)) t(USER_ID, RATING, _REASON)) "
        f"to '{tmp_path / 'run-1' / 'r.parquet'}' (format parquet)"
    )
    server = emulator(answer_within=30)
    with connect(server) as con:
        cur = con.cursor()
        for setup in (
            "create database if not exists D",
            "use database D",
            "create schema if not exists RAW_LOAD",
            f"create or replace stage RAW_LOAD.LANDING_STAGE url = '{tmp_path.as_uri()}/'",
            "create file format if not exists RAW_LOAD.PARQUET_FORMAT type = parquet",
            "create schema if not exists RAW",
            "create table RAW.RATINGS (USER_ID bigint, RATING number(2, 1))",
        ):
            cur.execute(setup)
    with connect(server) as con:  # a session with a database and no schema, as the load's
        cur = con.cursor()
        cur.execute("use database D")
        inserted = cur.execute(
            "insert into RAW.RATINGS (USER_ID, RATING) "
            "select $1:USER_ID::bigint, $1:RATING::number(2, 1) "
            "from @RAW_LOAD.LANDING_STAGE/run-1/r.parquet "
            "(file_format => 'RAW_LOAD.PARQUET_FORMAT') where $1:_REASON is null"
        ).fetchall()
        assert inserted == [(2,)]
        rows = cur.execute("select USER_ID, RATING from RAW.RATINGS order by 1").fetchall()
        assert [(u, float(r)) for u, r in rows] == [(1, 4.5), (3, 0.5)]
        with pytest.raises(snowflake.connector.ProgrammingError):  # no such stage
            cur.execute("select $1:USER_ID from @RAW_LOAD.NO_SUCH_STAGE/run-1/r.parquet")
