"""Replace the rows of several tables at once: readers see the old rows or the new, never a mix.

The rows are replaced with DML (``delete`` + ``insert … select``) inside one transaction,
because Snowflake commits the open transaction before any DDL: ``create or replace table …
clone`` in a transaction is atomic only on the local emulator. DML is atomic on both, and the
replaced tables keep their grants. DDL is needed only when a table is missing (created empty
first, dropped again if the transaction fails) or has changed shape (``on_shape_change``), and
it runs before the transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Columns = tuple[tuple[str, str, Any], ...]  # (name, data type, numeric scale), in table order

ShapePolicy = Literal["fail", "replace"]


class ShapeChangeError(RuntimeError):
    """Tables changed shape under ``on_shape_change="fail"``; nothing was replaced."""

    def __init__(self, changes: dict[str, str]) -> None:
        super().__init__("; ".join(f"{table}: {change}" for table, change in changes.items()))
        self.changes = changes


class TableReplaceError(RuntimeError):
    """A statement of the transaction failed; it was rolled back and no rows changed."""

    def __init__(self, step: str, cause: BaseException) -> None:
        super().__init__(f"{step} failed: {cause}")
        self.step = step


@dataclass(frozen=True)
class Replacement:
    """One table whose rows are replaced by ``columns`` of the rows of ``source``.

    ``definition`` creates the table when it is missing or changed shape: ``(<column DDL>)``
    or ``like <table>``. ``shape_change`` says how the table's columns differ from the new
    rows' (empty when they match). ``audited_rows``, when given, is the number of rows the copy
    must insert.
    """

    table: str
    source: str
    columns: tuple[str, ...]
    definition: str
    where: str | None = None
    exists: bool = True
    shape_change: str = ""
    audited_rows: int | None = None


def table_columns(cur: Any, schema: str, tables: Iterable[str]) -> dict[str, Columns]:
    """The columns of those of ``tables`` that exist in ``schema``."""
    tables = list(tables)
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


def ensure_schemas(cur: Any, schemas: Iterable[str]) -> None:
    """Create the schemas that do not exist yet.

    Existing ones are looked up rather than created again: the production role may not create
    schemas (``dbt/setup/snowflake_setup.sql`` makes them).
    """
    existing = {
        row[0].upper()
        for row in cur.execute("select schema_name from information_schema.schemata").fetchall()
    }
    for schema in schemas:
        if schema not in existing:
            cur.execute(f"create schema if not exists {schema}")


def replace_tables(
    cur: Any, replacements: list[Replacement], *, on_shape_change: ShapePolicy
) -> None:
    """Replace the rows of every table in one transaction: all of them, or none.

    ``on_shape_change`` says what happens to a table whose columns differ from its new rows':
    ``fail`` raises :class:`ShapeChangeError` before any statement runs; ``replace`` re-creates
    the table, empty, in its new shape. A failure in the transaction raises
    :class:`TableReplaceError` once it was rolled back.
    """
    if on_shape_change not in ("fail", "replace"):
        raise ValueError(f"on_shape_change must be 'fail' or 'replace', not {on_shape_change!r}")
    changed = {r.table: r.shape_change for r in replacements if r.exists and r.shape_change}
    if changed and on_shape_change == "fail":
        raise ShapeChangeError(changed)
    created = [r.table for r in replacements if not r.exists]
    for r in replacements:
        if r.table in changed or r.table in created:
            cur.execute(f"create or replace table {r.table} {r.definition}")
    step = "starting the transaction"
    try:
        cur.execute("begin")
        for r in replacements:
            step = f"copying {r.source} into {r.table}"
            _copy(cur, r)
        step = "committing"
        cur.execute("commit")
    except BaseException as exc:
        # Snowflake also aborts an open transaction when the session closes, so the tables are
        # unchanged even if this rollback cannot reach the warehouse.
        with contextlib.suppress(Exception):
            cur.execute("rollback")
            for table in created:  # created empty just before: a failed first copy leaves none
                cur.execute(f"drop table if exists {table}")
        if isinstance(exc, Exception):
            raise TableReplaceError(step, exc) from exc
        raise


def _copy(cur: Any, r: Replacement) -> None:
    names = ", ".join(r.columns)
    where = f" where {r.where}" if r.where else ""
    cur.execute(f"delete from {r.table}")
    result = cur.execute(f"insert into {r.table} ({names}) select {names} from {r.source}{where}")
    if r.audited_rows is not None:
        inserted = int(result.fetchone()[0])
        if inserted != r.audited_rows:
            raise RuntimeError(f"{inserted} rows copied where {r.audited_rows} were audited")
