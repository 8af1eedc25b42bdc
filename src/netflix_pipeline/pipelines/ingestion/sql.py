"""SQL that applies the contracts.

Kinds of value (:mod:`.contracts`) become DuckDB SQL for the structural pass, which reads every
byte of a file anyway: a typed expression and the condition under which a text value is a
fault, evaluated while the file streams by, so only typed values (and the text of faulty rows)
travel to the warehouse. What needs every row of a file at once — the first row of each key —
is Snowflake SQL that runs in the warehouse, as is on Snowflake and on the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass

from .contracts import Column, FileContract

INTEGER = "[0-9]{1,18}"
DECIMAL = "([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?"
DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
# years 1870-2100: also keeps out 0000-00-00, the classic "no date" of some exports
PLAUSIBLE_DATE = "(18[7-9][0-9]|19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}"
RATING = "[0-5]([.][05]0*)?"
EPOCH_END = 4_102_444_800  # 2100-01-01T00:00:00Z


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def csv_field(expr: str) -> str:
    """A value rendered as one CSV field (quoted only when needed); DuckDB and Snowflake SQL."""
    special = " or ".join(f"contains({expr}, {s})" for s in ("','", "'\"'", "chr(10)", "chr(13)"))
    return (
        f"case when {expr} is null then '' when {special} "
        f"then '\"' || replace({expr}, '\"', '\"\"') || '\"' else {expr} end"
    )


def csv_record(exprs: list[str]) -> str:
    """Values rendered as one CSV record, as a reader would have seen them in the file."""
    return " || ',' || ".join(csv_field(e) for e in exprs)


@dataclass(frozen=True)
class ColumnCheck:
    typed: str  # the value cast to the column's type (null when empty or faulty)
    bad: str  # true when the landed value breaks the contract


MAX_INTEGER = 10**18 - 1


def column_check(col: Column, v: str, typed_ref: str | None = None) -> ColumnCheck:
    """DuckDB SQL: the typed value of the text ``v`` of one column, and when it is a fault.

    A value is valid when its trimmed text matches the kind's pattern (and then casts). The
    patterns cost a regular expression per value; the integer kinds and ratings (most of the
    values of a big file) first try a fast path that only accepts text the pattern would
    accept — an integer, or a rating in half steps, whose own rendering is the text — and fall
    back to the pattern for the rest, so the result is the pattern's either way. (No
    ``v in (…)`` list either: DuckDB plans a long one as a join, which would not keep the
    records in file order.)

    ``bad`` refers to the typed value as ``typed_ref`` (a column that holds it) when given.
    """
    typed = _typed_sql(col.kind, v)
    if typed is None:
        return ColumnCheck(v, "false")
    return ColumnCheck(typed, _fault_sql(col.kind, v, typed_ref or typed))


def _typed_sql(kind: str, v: str) -> str | None:
    """The text ``v`` cast to the kind's type, null when empty or faulty (None: kept as text)."""
    t = f"trim({v})"

    def when(pattern: str, expr: str) -> str:
        return f"if(regexp_full_match({t}, '{pattern}'), {expr}, null)"

    if kind in ("id", "optional_id", "epoch"):
        fast = f"try_cast({v} as bigint)"
        return (
            f"case when {fast} between 0 and {MAX_INTEGER} and cast({fast} as varchar) = {v} "
            f"then {fast} when regexp_full_match({t}, '{INTEGER}') "
            f"then try_cast({t} as bigint) end"
        )
    if kind == "rating":
        # fast path: a rating in half steps whose own rendering ("4.5") is the text
        fast = f"try_cast({v} as decimal(2, 1))"
        return (
            f"case when {fast} between 0 and 5 and {fast} * 2 = floor({fast} * 2) "
            f"and cast({fast} as varchar) = {v} then {fast} "
            f"else {when(RATING, f'try_cast({t} as decimal(2, 1))')} end"
        )
    if kind == "money":
        return when(DECIMAL, f"try_cast({t} as double)")
    if kind == "count":
        number = when(DECIMAL, f"try_cast({t} as double)")
        whole = f"{number} = floor({number}) and {number} < 1e18"
        return f"if({whole}, cast({number} as bigint), null)"
    if kind == "number":
        return when(f"[+-]?{DECIMAL}", f"try_cast({t} as double)")
    if kind == "date":
        return when(PLAUSIBLE_DATE, f"try_cast({t} as date)")
    return None


def _fault_sql(kind: str, v: str, x: str) -> str:
    """True when the typed value ``x`` of the text ``v`` breaks the contract."""
    present = f"({v} is not null and trim({v}) <> '')"
    if kind == "id":
        return f"({x} is null or {x} <= 0)"
    if kind == "optional_id":
        return f"({present} and ({x} is null or {x} <= 0))"
    if kind == "epoch":
        return f"({x} is null or {x} >= {EPOCH_END})"
    if kind == "rating":
        return f"({x} is null or {x} < 0.5 or {x} > 5)"
    return f"({present} and {x} is null)"


def _got(v: str) -> str:
    return f"coalesce('''' || left({v}, 80) || '''', 'nothing')"


@dataclass(frozen=True)
class ValueChecks:
    """DuckDB SQL over one record's text fields: typed values and the faults among them."""

    typed: list[str]  # "<expr> as TARGET", one per contract column
    any_bad: str  # true when some value is faulty
    reason: str  # every fault, "; "-separated (meaningful where any_bad)
    kind: str  # the first fault, without the value (for counting)


def value_checks(contract: FileContract, field: dict[str, str]) -> ValueChecks:
    """The checks of a contract's columns; ``field`` maps a target to its text field.

    ``typed`` belongs in an inner select that also passes the text fields through; the other
    expressions refer to both by name, in the select around it.
    """
    typed, bads, reasons, kinds = [], [], [], []
    shifted = None
    for col in contract.columns:
        v = field[col.target]
        typed.append(f"{column_check(col, v).typed} as {col.target}")
        bad = column_check(col, v, typed_ref=col.target).bad
        if bad == "false":
            continue
        bads.append(bad)
        if col.source == contract.key:
            # Kaggle's malformed rows: a broken field shifts the columns so that the id holds
            # the release date; the faults of the other columns follow from it.
            shifted = (
                f"({bad} and regexp_full_match(trim({v}), '{DATE}'))",
                f"'shifted row: {col.source} holds the date ' || {_got(v)} "
                f"|| ' where {col.source} belongs (a broken field shifts the columns)'",
            )
        reasons.append(f"if({bad}, '; ' || {quote(col.expectation + ', got ')} || {_got(v)}, '')")
        kinds.append(f"when {bad} then {quote(col.expectation)}")
    if not bads:
        return ValueChecks(typed, "false", "null", "null")
    reason = f"nullif(substr({' || '.join(reasons)}, 3), '')"
    kind = f"case {' '.join(kinds)} end"
    if shifted:
        reason = f"if({shifted[0]}, {shifted[1]}, {reason})"
        kind = f"if({shifted[0]}, 'shifted row', {kind})"
    return ValueChecks(typed, " or ".join(bads), reason, kind)


# ---------------------------------------------------------------------------------------------
# Snowflake SQL (the warehouse)


def raw_table_ddl(contract: FileContract) -> str:
    """Columns of a RAW table: the physical line of each row when the file is numbered
    (:attr:`.FileContract.numbered`), then the contract's columns."""
    cols = ", ".join(f"{c.target} {c.sql_type}" for c in contract.columns)
    return f"_LINE_NUMBER bigint, {cols}" if contract.numbered else cols


def raw_table_columns(contract: FileContract) -> list[str]:
    targets = [c.target for c in contract.columns]
    return ["_LINE_NUMBER", *targets] if contract.numbered else targets


def landing_ddl(contract: FileContract) -> str:
    """Columns of a landed file: typed values, the faults of each row and its text if faulty."""
    return f"{raw_table_ddl(contract)}, _REASON varchar, _REASON_KIND varchar, _RAW_LINE varchar"


def keyed_table_sql(contract: FileContract, landing: str, checked: str) -> str:
    """The statement that builds ``checked`` from a landed file whose rows have a key.

    Of several rows with one key, the first in file order is kept whatever it holds; the later
    ones are duplicates, their reason added to the faults of their values. ``_RAW_LINE`` is kept
    for the faulty rows only: the table is no bigger than the RAW table it feeds.
    """
    key = contract.key_column.target
    targets = ", ".join(c.target for c in contract.columns)
    duplicate = f"({key} is not null and _KEY_RANK > 1)"
    return f"""
        create or replace transient table {checked} as
        with ranked as (
            select
                _LINE_NUMBER, {targets}, _REASON as _VALUE_REASON,
                _REASON_KIND as _VALUE_KIND, _RAW_LINE,
                row_number() over (partition by {key} order by _LINE_NUMBER) as _KEY_RANK,
                min(_LINE_NUMBER) over (partition by {key}) as _KEY_FIRST_LINE
            from {landing}
        )
        select
            _LINE_NUMBER,
            {targets},
            case when {duplicate}
                then 'duplicate {contract.key} ' || cast({key} as varchar)
                    || ': the row at line ' || cast(_KEY_FIRST_LINE as varchar)
                    || ' has it first and is kept'
                    || iff(_VALUE_REASON is null, '', '; ' || _VALUE_REASON)
                else _VALUE_REASON
            end as _REASON,
            iff({duplicate}, 'duplicate {contract.key}', _VALUE_KIND) as _REASON_KIND,
            iff({duplicate} or _VALUE_REASON is not null, _RAW_LINE, null) as _RAW_LINE
        from ranked
    """
