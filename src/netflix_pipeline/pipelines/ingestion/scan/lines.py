"""Step 2 of the structural pass: the physical line of every record, the header being line 1.

DuckDB numbers a set-aside record by *logical* lines (blank lines count, newlines inside quoted
fields do not), and kept records not at all, so::

    line(kept record k) = 2 + k + (records set aside and blank lines before it)
                            + (newlines inside the quoted fields of every earlier record)

The added shift is a step function of ``k`` that only changes after the few records that are set
aside or hold newlines, so it is evaluated while streaming (a search tree of ``case``
expressions; an as-of join when there are very many steps). Blank lines between records, which
DuckDB skips without a trace, are located by a second (Python ``csv``) pass when the records
span fewer lines than the file has. The last line the records reach is checked against the
file's own count.

Relations made here from ``kept`` and ``set_aside`` (:mod:`.records`), in this order:
``kept_newlines``, then ``blank_lines`` and :data:`NUMBERING` (made again when the file turns
out to have blank lines).
"""

from __future__ import annotations

import csv
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from .records import newlines

logger = logging.getLogger(__name__)

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


def find_blank_lines(local: Path) -> list[int]:
    """Logical line numbers (DuckDB's numbering) of the blank lines between records."""
    csv.field_size_limit(sys.maxsize)
    blanks: list[int] = []
    records = 0
    with local.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            if row:
                records += 1
            else:
                blanks.append(2 + records + len(blanks))
    return blanks


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

    def number(self, local: Path) -> None:
        """Every relation of the numbering, with the blank lines of the file at ``local``."""
        self.con.execute(f"create temp table kept_newlines as {kept_newlines_sql()}")
        self._make([])
        if self._record_lines() != self.lines:
            # DuckDB skips blank lines without a trace; they show as records that span fewer
            # lines than the file has, and a second pass finds them (a blank line inside a
            # quoted field is no blank line).
            blanks = find_blank_lines(local)
            if blanks:
                self._make(blanks)
                logger.info("%s: %d blank line(s) skipped", self.uri, len(blanks))
        end = self._last_line()
        if end != self.lines:
            end = self._unterminated_to_end(end)
        if end != self.lines:
            logger.warning(
                "%s: its records end at line %d but the file has %d lines; line numbers "
                "may be off (is a quote character used unquoted, or are lines ended by a "
                "lone CR?)",
                self.uri,
                end,
                self.lines,
            )

    def _make(self, blanks: list[int]) -> None:
        """``blank_lines``, then the relations of :data:`NUMBERING` in their order."""
        self.con.execute("create or replace temp table blank_lines (s bigint)")
        if blanks:
            self.con.executemany("insert into blank_lines values (?)", [(b,) for b in blanks])
        for name, sql in NUMBERING:
            self.con.execute(f"create or replace temp table {name} as {sql()}")

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

    def _last_kept(self) -> tuple[int, int]:
        """(line, newlines) of the last kept record; lines grow with k."""
        row = self.con.execute(
            self.kept_lines_sql("_NL", f"where k = {self.records - 1}")
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else (1, 0)

    def _record_lines(self) -> int:
        """The lines that the header and the records span: the file's, when it has no blank."""
        kept_nl = self.con.execute("select coalesce(max(cum_nl), 0) from kept_newlines").fetchone()[
            0
        ]
        rejected, rejected_nl = self.con.execute(
            "select count(*), coalesce(sum(nl), 0) from set_aside_lines"
        ).fetchone()
        return int(1 + self.records + kept_nl + rejected + rejected_nl)

    def _last_line(self) -> int:
        """The last physical line that the records cover."""
        line, nl = self._last_kept()
        rejected = self.con.execute("select max(line + nl) from set_aside_lines").fetchone()[0]
        return int(max(line + nl, rejected or 1))

    def _unterminated_to_end(self, end: int) -> int:
        """A quote opened and never closed makes the rest of the file one record.

        DuckDB keeps only the start of that record's text, so its length is taken from the
        file's line count: it is the file's last record.
        """
        last = self.con.execute(
            "select s, line, error_message from set_aside_lines order by line desc limit 1"
        ).fetchone()
        if last is None or "unterminated quote" not in last[2] or last[1] < self._last_kept()[0]:
            return end
        self.con.execute(f"update set_aside_lines set nl = {self.lines} - line where s = {last[0]}")
        return self._last_line()
