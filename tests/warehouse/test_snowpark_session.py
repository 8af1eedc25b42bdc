"""The run's Snowpark session: one per warehouse, over the same settings, closed with it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from netflix_pipeline.warehouse import Warehouse, WarehouseSettings


def test_one_session_per_warehouse_reads_what_the_connector_wrote(warehouse):
    with warehouse.cursor() as cur:
        cur.execute("create schema if not exists SNOWPARK_TEST")
        cur.execute("create or replace table SNOWPARK_TEST.T (N bigint)")
        cur.execute("insert into SNOWPARK_TEST.T values (1), (2), (3)")
    session = warehouse.snowpark()
    assert warehouse.snowpark() is session
    frame = session.table(f"{warehouse.database}.SNOWPARK_TEST.T")
    assert sorted(row[0] for row in frame.collect()) == [1, 2, 3]


def test_closing_the_warehouse_closes_its_session_and_the_next_is_new():
    wh = Warehouse(WarehouseSettings(emulator=True, database="NETFLIX"))
    try:
        first = wh.snowpark()
        assert first.sql("select 1").collect()[0][0] == 1
        wh.close()
        second = wh.snowpark()
        assert second is not first
        assert second.sql("select 2").collect()[0][0] == 2
    finally:
        wh.close()


def test_a_process_ends_at_once_after_the_warehouse_closes():
    """Snowpark closes its sessions again at exit; against a stopped emulator the connector
    would retry for minutes. The run's close removes that."""
    script = textwrap.dedent(
        """
        from netflix_pipeline.warehouse import Warehouse, WarehouseSettings
        wh = Warehouse(WarehouseSettings(emulator=True, database="NETFLIX"))
        wh.snowpark().sql("select 1").collect()
        wh.close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Retrying" not in done.stderr
