"""Publishing nodes: audited marts into the schema Power BI reads, then the dataset refresh."""

from __future__ import annotations

import logging
import os
import time

from ...powerbi import PowerBIConfig, refresh_dataset
from ...warehouse import Warehouse

logger = logging.getLogger(__name__)


def publish_marts(insights: dict, dbt_marts_run: dict, warehouse: Warehouse, publish: dict) -> dict:
    """Clone every audited mart into the published schema, all in one transaction.

    Runs only after the marts were built and tested and the reports were written, so Power BI
    never reads a half-built or failing build.
    """
    source, target = publish["from_schema"].upper(), publish["to_schema"].upper()
    tables = [t.upper() for t in publish["tables"]]
    started = time.monotonic()
    conn = warehouse.connect()
    cur = conn.cursor()
    try:
        cur.execute(f"create schema if not exists {target}")
        cur.execute("begin")
        try:
            for table in tables:
                cur.execute(f"create or replace table {target}.{table} clone {source}.{table}")
            cur.execute("commit")
        except Exception:
            cur.execute("rollback")
            raise
        counts = {
            t: int(cur.execute(f"select count(*) from {target}.{t}").fetchone()[0]) for t in tables
        }
    finally:
        conn.close()
    logger.info(
        "Published %d marts to %s in %.1f s: %s",
        len(tables), target, time.monotonic() - started,
        ", ".join(f"{t} ({n} rows)" for t, n in counts.items()),
    )
    return {"schema": target, "tables": counts}


def refresh_powerbi(publish_report: dict, powerbi: dict) -> dict:
    """Refresh the Power BI dataset on the published marts, following it to the end."""
    config = PowerBIConfig.from_env(os.environ)
    if config is None:
        logger.info("Power BI refresh skipped: POWERBI_* not set")
        return {"status": "skipped"}
    return refresh_dataset(
        config,
        request_body=powerbi.get("request_body"),
        deadline_seconds=float(powerbi["deadline_seconds"]),
        poll_interval_seconds=float(powerbi["poll_interval_seconds"]),
        max_poll_interval_seconds=float(powerbi["max_poll_interval_seconds"]),
    )
