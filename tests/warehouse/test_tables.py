"""replace_tables on the emulator: all tables or none, and the shape-change policy."""

from __future__ import annotations

import uuid

import pytest

from netflix_pipeline.warehouse.tables import (
    Replacement,
    ShapeChangeError,
    TableReplaceError,
    replace_tables,
    table_columns,
)


@pytest.fixture()
def schema(warehouse):
    """A schema of its own holding NEW.A = [1, 2], NEW.B = [3] and OLD.A = [0]."""
    name = f"T_{uuid.uuid4().hex[:8].upper()}"
    with warehouse.cursor() as cur:
        cur.execute(f"create schema {name}")
        for table, values in {"NEW_A": "(1), (2)", "NEW_B": "(3)", "A": "(0)"}.items():
            cur.execute(f"create table {name}.{table} (x bigint)")
            cur.execute(f"insert into {name}.{table} values {values}")
    return name


def rows(warehouse, table: str) -> list[int]:
    with warehouse.cursor() as cur:
        return sorted(r[0] for r in cur.execute(f"select x from {table}").fetchall())


def tables(warehouse, schema: str) -> set[str]:
    with warehouse.cursor() as cur:
        return set(table_columns(cur, schema, ["A", "B"]))


def replacement(schema: str, table: str, **extra) -> Replacement:
    return Replacement(
        table=f"{schema}.{table}",
        source=f"{schema}.NEW_{table}",
        columns=("X",),
        **{"definition": "(x bigint)", **extra},
    )


def test_every_table_is_replaced_and_a_missing_one_created(warehouse, schema):
    with warehouse.cursor() as cur:
        replace_tables(
            cur,
            [replacement(schema, "A"), replacement(schema, "B", exists=False)],
            on_shape_change="fail",
        )
    assert rows(warehouse, f"{schema}.A") == [1, 2]
    assert rows(warehouse, f"{schema}.B") == [3]


def test_a_new_table_that_fails_to_build_leaves_every_table_as_it_was(warehouse, schema):
    broken = replacement(schema, "B", exists=False, where="no_such_column = 1")
    with pytest.raises(TableReplaceError) as info, warehouse.cursor() as cur:
        replace_tables(cur, [replacement(schema, "A"), broken], on_shape_change="fail")
    assert info.value.step == f"building {schema}.B__NEW"
    assert str(info.value).startswith(f"building {schema}.B__NEW failed: ")
    assert rows(warehouse, f"{schema}.A") == [0]
    assert tables(warehouse, schema) == {"A"}
    with warehouse.cursor() as cur:
        assert not table_columns(cur, schema, ["B__NEW"])


def test_a_failed_transaction_drops_what_was_built_beside(warehouse, schema):
    """The new table is built before the transaction; when the transaction fails it is dropped
    and never put in place."""
    broken = replacement(schema, "A", where="no_such_column = 1")
    with pytest.raises(TableReplaceError) as info, warehouse.cursor() as cur:
        new = replacement(schema, "B", exists=False)
        replace_tables(cur, [broken, new], on_shape_change="fail")
    assert info.value.step == f"copying {schema}.NEW_A into {schema}.A"
    assert rows(warehouse, f"{schema}.A") == [0]
    with warehouse.cursor() as cur:
        assert set(table_columns(cur, schema, ["A", "B", "B__NEW"])) == {"A"}


def test_a_copy_that_misses_audited_rows_fails(warehouse, schema):
    audited = replacement(schema, "A", audited_rows=3)
    missed = pytest.raises(TableReplaceError, match="2 rows copied where 3 were audited")
    with missed, warehouse.cursor() as cur:
        replace_tables(cur, [audited], on_shape_change="fail")
    assert rows(warehouse, f"{schema}.A") == [0]


def test_a_changed_shape_fails_or_is_built_beside_and_swapped_in(warehouse, schema):
    changed = replacement(schema, "A", definition="(x bigint, y varchar)", shape_change="added: Y")
    with pytest.raises(ShapeChangeError) as info, warehouse.cursor() as cur:
        replace_tables(cur, [changed], on_shape_change="fail")
    assert info.value.changes == {f"{schema}.A": "added: Y"}
    assert rows(warehouse, f"{schema}.A") == [0]

    with warehouse.cursor() as cur:
        replace_tables(cur, [changed], on_shape_change="replace")
        assert [c[0] for c in table_columns(cur, schema, ["A"])["A"]] == ["X", "Y"]
        assert not table_columns(cur, schema, ["A__NEW"])  # the old table, dropped after the swap
    assert rows(warehouse, f"{schema}.A") == [1, 2]


def test_the_policy_is_named_explicitly(warehouse):
    unnamed = pytest.raises(ValueError, match="on_shape_change must be 'fail' or 'replace'")
    with unnamed, warehouse.cursor() as cur:
        replace_tables(cur, [], on_shape_change="ignore")


class _FailingOn:
    """A cursor whose first statement containing ``text`` fails (a swap cut off, say)."""

    def __init__(self, cur, text: str) -> None:
        self._cur, self._text, self.failed = cur, text, False

    def execute(self, sql: str, *args):
        if not self.failed and self._text in sql:
            self.failed = True
            raise RuntimeError(f"injected failure on: {sql}")
        self._cur.execute(sql, *args)
        return self

    def __getattr__(self, name: str):
        return getattr(self._cur, name)


def test_a_failed_swap_names_what_was_already_replaced(warehouse, schema):
    """The swaps come after the transaction: if one fails, the message says which tables were
    already replaced, and the table it was for keeps its old rows, never an empty table."""
    changed = replacement(schema, "A", definition="(x bigint, y varchar)", shape_change="added: Y")
    new = replacement(schema, "B", exists=False)
    with pytest.raises(TableReplaceError) as info, warehouse.cursor() as cur:
        failing = _FailingOn(cur, "swap with")
        replace_tables(failing, [new, changed], on_shape_change="replace")
    assert info.value.step == f"putting {schema}.A in place; already replaced: {schema}.B"
    assert rows(warehouse, f"{schema}.A") == [0]
    assert rows(warehouse, f"{schema}.B") == [3]


def test_the_emulator_swaps_two_tables_or_neither(warehouse, schema):
    """``alter table … swap with …`` (Snowflake's statement, done by the emulator's server as
    renames in one transaction): both exchanged, or, when one is missing, an error and neither."""
    with warehouse.cursor() as cur:
        cur.execute(f"alter table {schema}.A swap with {schema}.NEW_A")
    assert rows(warehouse, f"{schema}.A") == [1, 2]
    assert rows(warehouse, f"{schema}.NEW_A") == [0]
    with pytest.raises(Exception, match="MISSING"), warehouse.cursor() as cur:
        cur.execute(f"alter table {schema}.A swap with {schema}.MISSING")
    assert rows(warehouse, f"{schema}.A") == [1, 2]
