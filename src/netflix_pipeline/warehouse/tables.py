"""Replace the rows of several tables at once: readers see the old rows or the new, never a mix.

The rows of the tables that keep their shape are replaced inside one transaction: ``delete``,
then ``insert … select``, or the load of a staged file (``copy into``, or an ``insert`` from
it). Snowflake commits the open transaction before any DDL, so no DDL may run inside it, and
these statements keep the tables' grants. A table that is missing or changes shape
(``on_shape_change="replace"``) cannot be filled that way: it is built beside, as
``<TABLE>__NEW``, before the transaction, and put in place after it with one atomic statement
of its own (``alter table … swap with …``, or ``rename`` for a new table). It is never dropped
before its replacement exists: readers see its old rows or its new ones, never an empty table.
Across tables, only the ones that keep their shape change together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .stage import StagedFile

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
    """One table whose rows are replaced by ``columns`` of the rows of ``source``, or by the
    rows of the ``staged`` file (``source`` then names it in messages).

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
    staged: StagedFile | None = None


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


def missing_schemas(cur: Any, schemas: Iterable[str]) -> list[str]:
    """Those of ``schemas`` that do not exist in the current database."""
    existing = {
        row[0].upper()
        for row in cur.execute("select schema_name from information_schema.schemata").fetchall()
    }
    return [schema for schema in schemas if schema.upper() not in existing]


def replace_tables(
    cur: Any,
    replacements: list[Replacement],
    *,
    on_shape_change: ShapePolicy,
    verify: Callable[[], None] | None = None,
) -> None:
    """Replace the rows of every table: all of them, or none.

    ``on_shape_change`` says what happens to a table whose columns differ from its new rows':
    ``fail`` raises :class:`ShapeChangeError` before any statement runs; ``replace`` builds it
    anew in its new shape and swaps it in. A failure before the swaps raises
    :class:`TableReplaceError` with every table as it was. ``verify`` is called before anything
    changes, before the commit and before each swap: it raises when the run may no longer make
    its work visible (it lost the warehouse's lease, or was interrupted).
    """
    verify = verify or (lambda: None)
    if on_shape_change not in ("fail", "replace"):
        raise ValueError(f"on_shape_change must be 'fail' or 'replace', not {on_shape_change!r}")
    changed = {r.table: r.shape_change for r in replacements if r.exists and r.shape_change}
    if changed and on_shape_change == "fail":
        raise ShapeChangeError(changed)
    rebuilt = [r for r in replacements if not r.exists or r.table in changed]
    kept = [r for r in replacements if r not in rebuilt]
    step = "starting"
    verify()
    try:
        for r in rebuilt:  # beside the tables readers see: nothing visible changes yet
            step = f"building {_beside(r.table)}"
            cur.execute(f"create or replace table {_beside(r.table)} {r.definition}")
            _insert(cur, r, _beside(r.table))
        if kept:
            step = "starting the transaction"
            cur.execute("begin")
            for r in kept:
                step = f"copying {r.source} into {r.table}"
                cur.execute(f"delete from {r.table}")
                _insert(cur, r, r.table)
            step = "committing"
            verify()
            cur.execute("commit")
    except BaseException as exc:
        # Snowflake also aborts an open transaction when the session closes, so the tables are
        # unchanged even if this rollback cannot reach the warehouse.
        with contextlib.suppress(Exception):
            cur.execute("rollback")
            for r in rebuilt:
                cur.execute(f"drop table if exists {_beside(r.table)}")
        if isinstance(exc, Exception):
            raise TableReplaceError(step, exc) from exc
        raise
    for i, r in enumerate(rebuilt):  # each one atomic
        try:
            verify()
            if r.exists:
                cur.execute(f"alter table {r.table} swap with {_beside(r.table)}")
            else:
                cur.execute(f"alter table {_beside(r.table)} rename to {r.table}")
        except Exception as exc:
            done = [t.table for t in kept] + [t.table for t in rebuilt[:i]]
            already = f"; already replaced: {', '.join(done)}" if done else ""
            raise TableReplaceError(f"putting {r.table} in place{already}", exc) from exc
        if r.exists:  # the old table, now beside; the next replace would drop it anyway
            with contextlib.suppress(Exception):
                cur.execute(f"drop table {_beside(r.table)}")


def _beside(table: str) -> str:
    return f"{table}__NEW"


def _insert(cur: Any, r: Replacement, table: str) -> None:
    if r.staged is not None:
        r.staged.insert_into(cur, table)
        return
    names = ", ".join(r.columns)
    where = f" where {r.where}" if r.where else ""
    result = cur.execute(f"insert into {table} ({names}) select {names} from {r.source}{where}")
    if r.audited_rows is not None:
        inserted = int(result.fetchone()[0])
        if inserted != r.audited_rows:
            raise RuntimeError(f"{inserted} rows copied where {r.audited_rows} were audited")
