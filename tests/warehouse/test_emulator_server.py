"""The emulator answers a long statement as Snowflake does: "in progress", then the result."""

from __future__ import annotations

import logging

import pytest
import snowflake.connector

from netflix_pipeline.warehouse.emulator import Emulator

# About two seconds of DuckDB work, whatever the machine: more than the client waits below.
SLOW = "select max(md5(to_varchar(seq8()))) from table(generator(rowcount => 10000000))"
SLOWEST = "fffffe98d0963d27015c198262d97221"


@pytest.fixture
def emulator():
    def start(answer_within: float) -> Emulator:
        server = Emulator(on_disk=False, answer_within=answer_within)
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
