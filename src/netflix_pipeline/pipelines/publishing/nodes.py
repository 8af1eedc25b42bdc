"""Publishing nodes: audited marts into the schema Power BI reads, then the dataset refresh.

Write-audit-publish: dbt builds and tests the marts in MARTS_BUILD, which Power BI never reads.
A failed model or test stops the run inside dbt, so only a build that passed every test reaches
``publish_marts``, which copies it into MARTS in one transaction.

The copy is DML (``delete`` + ``insert … select``) because Snowflake commits the open transaction
before any DDL: ``create or replace table … clone`` in a transaction is atomic only on the local
emulator. DML is atomic on both, and the published tables keep their grants. DDL is needed only
when a published table is missing (created empty first, dropped again if the publish fails) or
when a mart changed shape (``on_schema_change``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from typing import Any

from ...warehouse import Warehouse
from .powerbi import PowerBIConfig, refresh_dataset

logger = logging.getLogger(__name__)

Columns = tuple[tuple[str, str, Any], ...]  # (name, data type, numeric scale), in table order


class PublishError(RuntimeError):
    """The marts were not published; the published schema is as it was before."""


def publish_marts(insights: dict, dbt_marts_run: dict, warehouse: Warehouse, publish: dict) -> dict:
    """Copy every audited mart into the published schema, all tables in one transaction.

    Runs only after the marts were built and tested and the reports were written. Refuses a
    missing source table, an empty table listed in ``must_have_rows`` and, unless
    ``on_schema_change`` is ``replace``, a mart whose columns no longer match its published table.
    """
    source, target = publish["from_schema"].upper(), publish["to_schema"].upper()
    tables = [t.upper() for t in publish["tables"]]
    must_have_rows = [t.upper() for t in publish.get("must_have_rows", [])]
    unchanged = f"nothing was published and {target} is unchanged"
    if unknown := [t for t in must_have_rows if t not in tables]:
        raise PublishError(f"publish_marts: must_have_rows names tables not published: {unknown}")
    started = time.monotonic()
    with warehouse.cursor() as cur:
        columns = _columns(cur, source, tables)
        missing = [f"{source}.{t}" for t in tables if t not in columns]
        if missing:
            raise PublishError(
                f"publish_marts: {', '.join(missing)} not found (did dbt build the marts?); "
                + unchanged
            )
        rows = {t: _count(cur, f"{source}.{t}") for t in tables}
        empty = [f"{source}.{t}" for t in must_have_rows if not rows[t]]
        if empty:
            raise PublishError(
                f"publish_marts: audit failed, {', '.join(empty)} has no rows; " + unchanged
            )
        cur.execute(f"create schema if not exists {target}")
        published = _columns(cur, target, tables)
        previous = {t: _count(cur, f"{target}.{t}") if t in published else None for t in tables}
        changed = {t: _shape_change(published[t], columns[t]) for t in published}
        changed = {t: change for t, change in changed.items() if change}
        if changed and publish.get("on_schema_change", "fail") != "replace":
            differences = "; ".join(f"{target}.{t}: {c}" for t, c in changed.items())
            raise PublishError(
                f"publish_marts: marts in {source} changed shape ({differences}); {unchanged}. "
                "A new shape can break the Power BI model: once the model is ready, publish "
                "with --params=publish.on_schema_change=replace"
            )
        for table in changed:
            cur.execute(f"drop table {target}.{table}")
        created = [t for t in tables if t not in published]
        for table in [*changed, *created]:
            cur.execute(f"create table {target}.{table} like {source}.{table}")
        counts = _copy_in_one_transaction(cur, source, target, columns, rows, created, changed)
    for table in tables:
        was = "new table" if previous[table] is None else f"was {previous[table]}"
        logger.info("Published %s.%s: %d rows (%s)", target, table, counts[table], was)
    seconds = time.monotonic() - started
    logger.info("Published %d marts from %s to %s in %.1f s", len(tables), source, target, seconds)
    return {"schema": target, "source_schema": source, "tables": counts, "previous": previous}


def _copy_in_one_transaction(
    cur,
    source: str,
    target: str,
    columns: dict[str, Columns],
    rows: dict[str, int],
    created: list[str],
    changed: dict[str, str],
) -> dict[str, int]:
    counts: dict[str, int] = {}
    step = "starting the transaction"
    try:
        cur.execute("begin")
        for table, cols in columns.items():
            step = f"copying {source}.{table} into {target}.{table}"
            names = ", ".join(f'"{name}"' for name, _, _ in cols)
            cur.execute(f"delete from {target}.{table}")
            inserted = int(
                cur.execute(
                    f"insert into {target}.{table} ({names}) select {names} from {source}.{table}"
                ).fetchone()[0]
            )
            if inserted != rows[table]:
                raise PublishError(f"{inserted} rows copied where {rows[table]} were audited")
            counts[table] = inserted
        step = "committing"
        cur.execute("commit")
    except Exception as exc:
        # Snowflake also aborts an open transaction when the session closes, so the published
        # tables are unchanged even if this rollback cannot reach the warehouse.
        with contextlib.suppress(Exception):
            cur.execute("rollback")
            for table in created:  # created empty just before: a failed first publish leaves none
                cur.execute(f"drop table if exists {target}.{table}")
        emptied = f" ({', '.join(changed)} re-created empty for their new shape)" if changed else ""
        raise PublishError(
            f"publish_marts: {step} failed: {exc}. The transaction was rolled back: no rows in "
            f"{target} changed{emptied}"
        ) from exc
    return counts


def _columns(cur, schema: str, tables: list[str]) -> dict[str, Columns]:
    """The columns of those of ``tables`` that exist in ``schema``."""
    placeholders = ", ".join(["%s"] * len(tables))
    cur.execute(
        "select table_name, column_name, data_type, numeric_scale from information_schema.columns"
        f" where table_schema = %s and table_name in ({placeholders})"
        " order by table_name, ordinal_position",
        (schema, *tables),
    )
    found: dict[str, list] = {}
    for table, name, data_type, scale in cur.fetchall():
        found.setdefault(table, []).append((name, data_type, scale))
    return {t: tuple(found[t]) for t in tables if t in found}


def _count(cur, table: str) -> int:
    return int(cur.execute(f"select count(*) from {table}").fetchone()[0])


def _shape_change(published: Columns, built: Columns) -> str:
    """How the built table's columns differ from the published one's ('' when they match)."""
    old, new = {c[0]: c[1:] for c in published}, {c[0]: c[1:] for c in built}
    parts = [
        ("added", [c for c in new if c not in old]),
        ("removed", [c for c in old if c not in new]),
        ("retyped", [c for c in new if c in old and new[c] != old[c]]),
    ]
    return "; ".join(f"{label}: {', '.join(cols)}" for label, cols in parts if cols)


def check_powerbi_config() -> dict:
    """Read the Power BI settings from ``POWERBI_*`` before any expensive step runs.

    A partial configuration raises here, naming the missing variables, so the run fails in
    seconds rather than after the warehouse work. ``config`` is None when none is set.
    """
    config = PowerBIConfig.from_env(os.environ)
    if config is None:
        logger.info("Power BI refresh will be skipped: POWERBI_* not set")
    else:
        logger.info(
            "Power BI dataset %s (workspace %s) will be refreshed after publishing",
            config.dataset_id,
            config.workspace_id,
        )
    return {"config": config}


def refresh_powerbi(publish_report: dict, powerbi_target: dict, powerbi: dict) -> dict:
    """Refresh the Power BI dataset on the published marts and wait for its outcome."""
    config: PowerBIConfig | None = powerbi_target["config"]
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
