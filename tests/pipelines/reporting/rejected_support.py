"""REJECTED_ROWS-shaped tables in the test session's emulator, as Snowpark DataFrames."""

from __future__ import annotations

from netflix_pipeline.warehouse.schemas import REJECTED_ROWS


def rejected_table(warehouse, name: str, rows: list[tuple]):
    """A table ``REPORT_TEST.<name>`` shaped as REJECTED_ROWS holding ``rows``, read lazily."""
    with warehouse.cursor() as cur:
        cur.execute("create schema if not exists REPORT_TEST")
        cur.execute(f"create or replace table REPORT_TEST.{name} ({REJECTED_ROWS.ddl})")
        for row in rows:
            cur.execute(f"insert into REPORT_TEST.{name} values (%s, %s, %s, %s, %s)", row)
    return warehouse.snowpark().table(f"{warehouse.database}.REPORT_TEST.{name}")
