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
