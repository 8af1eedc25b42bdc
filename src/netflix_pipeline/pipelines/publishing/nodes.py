"""Publishing nodes: audited marts into the schema Power BI reads, then the dataset refresh.

Write-audit-publish: dbt builds and tests the marts in MARTS_BUILD, which Power BI never reads.
A failed model or test stops the run inside dbt, so only a build that passed every test reaches
``publish_marts``, which copies it into MARTS in one transaction; a mart that changed shape is
built beside and swapped in (:func:`netflix_pipeline.warehouse.tables.replace_tables`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ...warehouse import Warehouse
from ...warehouse.tables import (
    Columns,
    Replacement,
    ShapeChangeError,
    TableReplaceError,
    replace_tables,
    table_columns,
)
from .powerbi import PowerBIConfig, refresh_dataset

logger = logging.getLogger(__name__)


class PublishError(RuntimeError):
    """The marts were not published; the published schema is as it was before."""


def publish_marts(
    insights_written: dict, marts_tested: dict, warehouse: Warehouse, publish: dict
) -> dict:
    """Copy every audited mart into the published schema, all tables in one transaction.

    ``insights_written`` and ``marts_tested`` order it after the reports are written and the
    marts are built and tested; they carry nothing it reads. Refuses a
    missing source table, an empty table listed in ``must_have_rows`` and, unless
    ``on_schema_change`` is ``replace``, a mart whose columns no longer match its published table.
    """
    source, target = publish["from_schema"].upper(), publish["to_schema"].upper()
    tables = [t.upper() for t in publish["tables"]]
    must_have_rows = [t.upper() for t in publish.get("must_have_rows", [])]
    if unknown := [t for t in must_have_rows if t not in tables]:
        raise PublishError(f"publish_marts: must_have_rows names tables not published: {unknown}")
    started = time.monotonic()
    with warehouse.cursor() as cur:
        columns, rows = _audit(cur, source, target, tables, must_have_rows)
        warehouse.ensure_schemas(cur, [target])
        published = table_columns(cur, target, tables)
        previous = {t: _count(cur, f"{target}.{t}") if t in published else None for t in tables}
        replacements = [
            Replacement(
                table=f"{target}.{t}",
                source=f"{source}.{t}",
                columns=tuple(f'"{name}"' for name, _, _ in columns[t]),
                definition=f"like {source}.{t}",
                exists=t in published,
                shape_change=_shape_change(published[t], columns[t]) if t in published else "",
                audited_rows=rows[t],
            )
            for t in tables
        ]
        policy = publish.get("on_schema_change", "fail")
        _replace(cur, replacements, source, target, policy, lambda: warehouse.verify_run(cur))
    for table in tables:
        was = "new table" if previous[table] is None else f"was {previous[table]}"
        logger.info("Published %s.%s: %d rows (%s)", target, table, rows[table], was)
    seconds = time.monotonic() - started
    logger.info("Published %d marts from %s to %s in %.1f s", len(tables), source, target, seconds)
    return {"schema": target, "source_schema": source, "tables": rows, "previous": previous}


def _unchanged(target: str) -> str:
    return f"nothing was published and {target} is unchanged"


def _audit(
    cur, source: str, target: str, tables: list[str], must_have_rows: list[str]
) -> tuple[dict[str, Columns], dict[str, int]]:
    """The columns and row counts of the built marts; raises when one is missing or empty."""
    columns = table_columns(cur, source, tables)
    missing = [f"{source}.{t}" for t in tables if t not in columns]
    if missing:
        raise PublishError(
            f"publish_marts: {', '.join(missing)} not found (did dbt build the marts?); "
            + _unchanged(target)
        )
    rows = {t: _count(cur, f"{source}.{t}") for t in tables}
    empty = [f"{source}.{t}" for t in must_have_rows if not rows[t]]
    if empty:
        raise PublishError(
            f"publish_marts: audit failed, {', '.join(empty)} has no rows; " + _unchanged(target)
        )
    return columns, rows


def _replace(
    cur,
    replacements: list[Replacement],
    source: str,
    target: str,
    on_schema_change: str,
    verify: Callable[[], None],
) -> None:
    """Replace the published tables' rows; a failure raises publishing's own error."""
    policy = "replace" if on_schema_change == "replace" else "fail"
    try:
        replace_tables(cur, replacements, on_shape_change=policy, verify=verify)
    except ShapeChangeError as exc:
        raise PublishError(
            f"publish_marts: marts in {source} changed shape ({exc}); {_unchanged(target)}. "
            "A new shape can break the Power BI model: once the model is ready, publish "
            "with --params=publish.on_schema_change=replace"
        ) from exc
    except TableReplaceError as exc:
        if exc.step.startswith("putting"):
            raise PublishError(
                f"publish_marts: {exc}. Run the publish again once the cause is fixed"
            ) from exc
        raise PublishError(
            f"publish_marts: {exc}. The transaction was rolled back: no rows in {target} changed"
        ) from exc


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


def refresh_powerbi(marts_published: dict, powerbi: dict) -> dict:
    """Refresh the Power BI dataset on the published marts and wait for its outcome.

    ``marts_published`` (the publish report) orders the refresh after the publish. The
    ``POWERBI_*`` settings were checked when the run started.
    """
    config = PowerBIConfig.from_env()
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
