"""SQL that applies the contracts where the data is.

Kinds of value (:mod:`.contracts`) become Snowflake SQL: a typed expression and the condition
under which a landed text value is a fault. One statement per file turns the landed text into
typed rows plus a reason per faulty row; it runs as is on Snowflake and on the emulator.
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

REJECTED_COLUMNS = ("SOURCE_FILE", "LINE_NUMBER", "REASON", "RAW_LINE", "STAGE")
REJECTED_DDL = (
    "SOURCE_FILE varchar, LINE_NUMBER bigint, REASON varchar, RAW_LINE varchar, STAGE varchar"
)


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


def column_check(col: Column, v: str, typed_ref: str | None = None) -> ColumnCheck:
    """Typed expression and fault condition for the landed text value ``v`` of one column.

    ``bad`` refers to the typed value as ``typed_ref`` (a column that holds it) when given,
    which keeps the checking statement short; else it repeats the typed expression.
    """
    t = f"trim({v})"
    present = f"({v} is not null and {t} <> '')"

    def when(pattern: str, expr: str) -> str:
        return f"iff(regexp_like({t}, '{pattern}'), {expr}, null)"

    kind = col.kind
    if kind in ("id", "optional_id", "epoch"):
        typed = when(INTEGER, f"try_cast({t} as bigint)")
    elif kind == "rating":
        typed = when(RATING, f"try_cast({t} as number(2, 1))")
    elif kind == "money":
        typed = when(DECIMAL, f"try_to_double({t})")
    elif kind == "count":
        number = when(DECIMAL, f"try_to_double({t})")
        whole = f"{number} = floor({number}) and {number} < 1e18"
        typed = f"iff({whole}, cast({number} as bigint), null)"
    elif kind == "number":
        typed = when(f"[+-]?{DECIMAL}", f"try_to_double({t})")
    elif kind == "date":
        typed = when(PLAUSIBLE_DATE, f"try_to_date({t}, 'YYYY-MM-DD')")
    else:
        return ColumnCheck(v, "false")
    x = typed_ref or typed
    if kind == "id":
        bad = f"({x} is null or {x} <= 0)"
    elif kind == "optional_id":
        bad = f"({present} and ({x} is null or {x} <= 0))"
    elif kind == "epoch":
        bad = f"({x} is null or {x} >= {EPOCH_END})"
    elif kind == "rating":
        bad = f"({x} is null or {x} < 0.5 or {x} > 5)"
    else:
        bad = f"({present} and {x} is null)"
    return ColumnCheck(typed, bad)


def raw_table_ddl(contract: FileContract) -> str:
    """Columns of a RAW table: the physical line of each row, then the contract's columns."""
    cols = ", ".join(f"{c.target} {c.sql_type}" for c in contract.columns)
    return f"_LINE_NUMBER bigint, {cols}"


def raw_table_columns(contract: FileContract) -> list[str]:
    return ["_LINE_NUMBER", *(c.target for c in contract.columns)]


def landing_ddl(contract: FileContract, with_raw_line: bool) -> str:
    """Columns of a landing table: every value still as text, as the file held it."""
    cols = ", ".join(f"{c.target} varchar" for c in contract.columns)
    return f"_LINE_NUMBER bigint, {cols}" + (", _RAW_LINE varchar" if with_raw_line else "")


def _got(v: str) -> str:
    return f"coalesce('''' || left({v}, 80) || '''', 'nothing')"


def checked_table_sql(
    contract: FileContract, landing: str, checked: str, *, raw_line_landed: bool
) -> str:
    """The statement that builds ``checked``: every landed row, typed, with its faults.

    A good row has a null ``_REASON``. A faulty row's ``_REASON`` lists its faults
    (``; ``-separated), ``_REASON_KIND`` names the first one without the value (for counting)
    and ``_RAW_LINE`` holds the record as CSV. Of several rows with one key, the first in file
    order is kept whatever it holds; the later ones are duplicates. Only the typed values are
    kept for the good rows: the table is no bigger than the RAW table it feeds.
    """
    typed_cols, reasons, kinds = [], [], []
    shifted = None
    for col in contract.columns:
        v = f"{col.target}__RAW"
        check = column_check(col, f"l.{col.target}")
        typed_cols.append(f"{check.typed} as {col.target}, l.{col.target} as {v}")
        bad = column_check(col, v, typed_ref=col.target).bad
        if bad == "false":
            continue
        if col.source == contract.key:
            # Kaggle's malformed rows: a broken field shifts the columns so that the id holds
            # the release date; the faults of the other columns follow from it.
            shifted = (
                f"({bad} and regexp_like(trim({v}), '{DATE}'))",
                f"'shifted row: {col.source} holds the date ' || {_got(v)} "
                f"|| ' where {col.source} belongs (a broken field shifts the columns)'",
            )
        reasons.append(f"iff({bad}, '; ' || {quote(col.expectation + ', got ')} || {_got(v)}, '')")
        kinds.append(f"when {bad} then {quote(col.expectation)}")
    value_reason = f"nullif(substr({' || '.join(reasons)}, 3), '')" if reasons else "null"
    value_kind = f"case {' '.join(kinds)} end" if kinds else "null"
    if shifted:
        value_reason = f"iff({shifted[0]}, {shifted[1]}, {value_reason})"
        value_kind = f"iff({shifted[0]}, 'shifted row', {value_kind})"
    landed_line = ", l._RAW_LINE" if raw_line_landed else ""
    raw_line = (
        "_RAW_LINE"
        if raw_line_landed
        else csv_record([f"{c.target}__RAW" for c in contract.columns])
    )
    key = contract.key_column.target if contract.key_column else None
    if key:
        ranked = (
            f"row_number() over (partition by {key} order by _LINE_NUMBER) as _KEY_RANK, "
            f"min(_LINE_NUMBER) over (partition by {key}) as _KEY_FIRST_LINE"
        )
        duplicate = f"{key} is not null and _KEY_RANK > 1"
        reason_sql = (
            f"case when {duplicate} then 'duplicate {contract.key} ' || cast({key} as varchar) "
            "|| ': the row at line ' || cast(_KEY_FIRST_LINE as varchar) "
            "|| ' has it first and is kept' "
            "|| iff(_VALUE_REASON is null, '', '; ' || _VALUE_REASON) else _VALUE_REASON end"
        )
        kind_sql = f"iff({duplicate}, 'duplicate {contract.key}', _VALUE_KIND)"
    else:
        ranked = "1 as _KEY_RANK"
        reason_sql, kind_sql = "_VALUE_REASON", "_VALUE_KIND"
    targets = ", ".join(c.target for c in contract.columns)
    return f"""
        create or replace table {checked} as
        with typed as (
            select
                l._LINE_NUMBER,
                {", ".join(typed_cols)}{landed_line}
            from {landing} as l
        ),
        checked as (
            select *, {value_reason} as _VALUE_REASON, {value_kind} as _VALUE_KIND from typed
        ),
        ranked as (
            select *, {ranked} from checked
        ),
        reasoned as (
            select *, {reason_sql} as _REASON, {kind_sql} as _REASON_KIND from ranked
        )
        select
            _LINE_NUMBER,
            {targets},
            _REASON,
            _REASON_KIND,
            iff(_REASON is null, null, {raw_line}) as _RAW_LINE
        from reasoned
    """
