"""Step 2 of the structural pass: the physical line of every record, the header being line 1.

DuckDB numbers a set-aside record by *logical* lines (blank lines count, newlines inside quoted
fields do not), and kept records not at all, so::

    line(kept record k) = 2 + k + (records set aside and blank lines before it)
                            + (newlines inside the quoted fields of every earlier record)

The added shift is a step function of ``k`` that only changes after the few records that are set
aside or hold newlines, so it is evaluated while streaming (a search tree of ``case``
expressions; an as-of join when there are very many steps). The lines that DuckDB skips
without a trace (empty lines, and the broken lines that the line walk emptied) come from the
line walk (:mod:`.physical`). The records and the lines they span are checked against the
walk's own count.

Relations made here from ``kept`` and ``set_aside`` (:mod:`.records`), in this order:
``kept_newlines``, ``blank_lines`` (the skipped lines), then :data:`NUMBERING`.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from ..source import RawFileError
from ..sql import quote
from .physical import LineMap
from .records import newlines

MAX_CASE_POINTS = 256


def kept_newlines_sql() -> str:
    """``kept_newlines`` from ``kept``: each kept record that holds newlines (``k``), with the
    newlines of every kept record up to it (``cum_nl``)."""
    return "select k, sum(_NL) over (order by k) as cum_nl from kept where _NL > 0"


def skipped_sql() -> str:
    """``skipped`` from ``set_aside`` and ``blank_lines``: each logical line ``s`` that is no kept
    record, its newlines ``nl``, the kept records before it and the running totals of both."""
    return f"""
        with skips as (
            select s, {newlines("raw")} as nl from set_aside
            union all
            select s, 0 from blank_lines
        )
        select *,
            s - 2 - (row_number() over (order by s) - 1) as kept_before,
            row_number() over (order by s) as cum_skips,
            sum(nl) over (order by s) as cum_skip_nl
        from skips
    """


def skip_totals_sql() -> str:
    """``skip_totals`` from ``skipped``: the running totals of the skips that come before the
    kept record at position ``kept_before``."""
    return """
        select kept_before, max(cum_skips) as cum_skips, max(cum_skip_nl) as cum_skip_nl
        from skipped group by kept_before
    """


def set_aside_lines_sql() -> str:
    """``set_aside_lines`` from ``set_aside``, ``skipped`` and ``kept_newlines``: each set-aside
    record with its physical ``line`` and the newlines it spans (``nl``)."""
    return """
        select r.*, (sk.s + sk.cum_skip_nl - sk.nl + coalesce(kn.cum_nl, 0))::bigint as line,
               sk.nl
        from skipped as sk
        join set_aside as r using (s)
        asof left join kept_newlines as kn on sk.kept_before > kn.k
    """


def shift_steps_sql() -> str:
    """``shift_steps`` from ``skip_totals`` and ``kept_newlines``: from kept record ``k`` on, a
    record's line is ``2 + k + shift`` (a few steps even in a 32M-row file)."""
    return """
        with points as (
            select kept_before as k from skip_totals
            union
            select k + 1 from kept_newlines
        )
        select p.k, coalesce(tot.cum_skips, 0) + coalesce(tot.cum_skip_nl, 0)
                    + coalesce(kn.cum_nl, 0) as shift
        from points as p
        asof left join skip_totals as tot on p.k >= tot.kept_before
        asof left join kept_newlines as kn on p.k > kn.k
    """


# Made in this order after ``blank_lines``, each from the relations before it.
NUMBERING: tuple[tuple[str, Callable[[], str]], ...] = (
    ("skipped", skipped_sql),
    ("skip_totals", skip_totals_sql),
    ("set_aside_lines", set_aside_lines_sql),
    ("shift_steps", shift_steps_sql),
)


def shift_tree(points: list[tuple[int, int]], k: str) -> str:
    """SQL: the shift of kept record ``k``, a search tree of ``case`` over the ``(k, shift)``
    points where it changes."""

    def tree(lo: int, hi: int, below: int) -> str:
        # shift for k in [points[lo].k, ...), knowing the shift before points[lo] is `below`
        if lo >= hi:
            return str(below)
        mid = (lo + hi) // 2
        at, shift = points[mid]
        return (
            f"case when {k} >= {at} then {tree(mid + 1, hi, shift)} else {tree(lo, mid, below)} end"
        )

    return tree(0, len(points), 0)


class LineNumbers:
    """The line numbering of the records of one DuckDB session (the relations above)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, records: int, lines: int, uri: str):
        self.con, self.records, self.lines, self.uri = con, records, lines, uri

    def number(self, found: LineMap) -> None:
        """Every relation of the numbering, with the lines that ``found`` says hold no record
        (the line walk's empty and broken lines)."""
        self.con.execute(f"create temp table kept_newlines as {kept_newlines_sql()}")
        skipped = (
            f"select s from read_parquet({quote(str(found.skipped))})"
            if found.skipped is not None
            else "select null::bigint as s limit 0"
        )
        self.con.execute(f"create temp table blank_lines as {skipped}")
        for name, sql in NUMBERING:
            self.con.execute(f"create temp table {name} as {sql()}")
        set_aside = self.con.execute("select count(*) from set_aside").fetchone()[0]
        spanned = self._record_lines() + found.skipped_lines
        if self.records + set_aside != found.records or spanned != self.lines:
            # Seen: DuckDB's reader gives up on the rest of a file after several MB of records
            # it sets aside, without an error. Rows would be lost unseen: nothing is loaded.
            first = self.con.execute("select min(line) from set_aside_lines").fetchone()[0]
            where = f", the first at line {first}" if first is not None else ""
            raise RawFileError(
                f"{self.uri}: the CSV reader accounted for {self.records + set_aside:,} records "
                f"over {spanned:,} lines, where the file has {found.records:,} records over "
                f"{self.lines:,} lines, so rows would be lost unseen. This happens after a long "
                f"stretch of malformed lines (several MB of them{where}): repair or re-export "
                "the file and run again. Nothing was loaded; the RAW tables are as they were."
            )

    def kept_lines_sql(self, columns: str, where: str = "") -> str:
        """SQL: the physical line (``_LINE_NUMBER``) and ``columns`` of the kept records that
        match ``where``.

        Up to a few hundred steps the shift is a search tree of ``case`` expressions, which
        DuckDB evaluates while streaming; beyond that an as-of join (which sorts) does it.
        """
        points = self.con.execute("select k, shift from shift_steps order by k").fetchall()
        if len(points) > MAX_CASE_POINTS:
            shift = "coalesce(steps.shift, 0)"
            join = "asof left join shift_steps as steps on kept.k >= steps.k"
        else:
            shift, join = shift_tree(points, "kept.k"), ""
        return f"""
            select (2 + kept.k + {shift})::bigint as _LINE_NUMBER, {columns}
            from (select * from kept {where}) as kept
            {join}
        """

    def _record_lines(self) -> int:
        """The lines that the header and the records span: the file's, when it has no blank."""
        kept_nl = self.con.execute("select coalesce(max(cum_nl), 0) from kept_newlines").fetchone()[
            0
        ]
        rejected, rejected_nl = self.con.execute(
            "select count(*), coalesce(sum(nl), 0) from set_aside_lines"
        ).fetchone()
        return int(1 + self.records + kept_nl + rejected + rejected_nl)
