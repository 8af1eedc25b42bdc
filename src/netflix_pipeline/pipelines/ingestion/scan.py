"""The structural pass over one raw CSV file: records typed and checked, malformed ones set aside.

DuckDB's CSV reader (multi-threaded, streaming, memory bounded by ``memory_limit``) parses the
quoting, byte-order mark and CRLF line ends, and sets aside every record with the wrong number of
columns or broken quoting. The records it keeps are typed and checked against the contract as
they stream by (:func:`.sql.value_checks`: each faulty row keeps its reasons and its text), and
written in file order to a Parquet file, which the warehouse loads
(:mod:`netflix_pipeline.ingest.load`). The malformed records go to a second Parquet file in the
shape of ``REJECTED_ROWS``.

A file with a key (:attr:`.FileContract.numbered`) is written a second time with the physical
line number of each row: the warehouse keeps the first row of each key in file order. A file
without one is loaded as the first pass wrote it; only its faulty rows are numbered, and they
join the malformed records in the second file (the warehouse has nothing left to find there).

Line numbers are physical lines of the file, the header being line 1. DuckDB numbers a rejected
record by *logical* lines (blank lines count, newlines inside quoted fields do not), and numbers
kept records not at all, so::

    line(kept record k) = 2 + k + (records set aside and blank lines before it)
                            + (newlines inside the quoted fields of every earlier record)

The added shift is a step function of ``k`` that only changes after the few records that are set
aside or hold newlines, so it is evaluated while streaming (a search tree of ``case``
expressions; an as-of join when there are very many steps). Blank lines between records, which
DuckDB skips without a trace, are located by a second (Python ``csv``) pass when the records
span fewer lines than the file has. The last line the records reach is checked against the
file's own count.
"""

from __future__ import annotations

import csv
import logging
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .contracts import FileContract
from .source import FileShape, RawFileError
from .sql import DATE, csv_record, quote, value_checks

logger = logging.getLogger(__name__)

MAX_RECORD_BYTES = 10_000_000
MAX_CASE_POINTS = 256


@dataclass
class ScannedFile:
    """A raw file that passed the file-level checks, landed typed."""

    contract: FileContract
    uri: str
    landed: Path | None = None  # Parquet in the shape of .sql.landing_ddl
    rejects: Path | None = None  # Parquet: SOURCE_FILE, LINE_NUMBER, REASON, RAW_LINE, STAGE
    records: int = 0  # records landed, faulty values included
    rejected: int = 0  # malformed records set aside
    rejected_lines: int = 0  # physical lines those records span
    reject_kinds: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind: (rows, line)
    # Landed records with faulty values that are already in `rejects` (files without a key;
    # the warehouse finds those of a file with a key, with its duplicates).
    value_kinds: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind: (rows, line)
    seconds: float = 0.0

    @property
    def present(self) -> bool:
        return self.landed is not None

    @property
    def value_rejected(self) -> int:
        return sum(rows for rows, _ in self.value_kinds.values())

    @property
    def rejects_rows(self) -> int:
        """Rows of the ``rejects`` file."""
        return self.rejected + self.value_rejected


def _nl(expr: str) -> str:
    return f"coalesce(length({expr}) - length(replace({expr}, chr(10), '')), 0)"


def _csv_field(line: str | None, index: int) -> str | None:
    if line is None:
        return None
    row = next(csv.reader([line]), [])
    return row[index].strip() if index < len(row) else None


def _blank_lines(local: Path) -> list[int]:
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


class StructuralPass:
    """One DuckDB session over one file (see the module docstring)."""

    def __init__(
        self,
        local: Path,
        contract: FileContract,
        uri: str,
        shape: FileShape,
        out_dir: Path,
        duckdb_config: dict | None = None,
        discard_source: bool = False,
    ) -> None:
        self.local, self.contract, self.uri, self.shape = local, contract, uri, shape
        self.discard_source = discard_source
        self.first = out_dir / f"{contract.name}.records.parquet"
        self.landed = out_dir / f"{contract.name}.parquet"
        self.rejects = out_dir / f"{contract.name}.rejects.parquet"
        tmp = out_dir / "duckdb_tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        config = {"temp_directory": str(tmp), "preserve_insertion_order": True}
        config.update({k: v for k, v in (duckdb_config or {}).items() if v is not None})
        self.con = duckdb.connect(config=config)
        self.records = 0
        # DuckDB names the columns by position (c0, c1, ...): headers need no quoting.
        self.positions = [shape.header.index(c.source) for c in contract.columns]
        self.cols = ", ".join(c.target for c in contract.columns)
        self.extra = ", _REASON, _REASON_KIND, _RAW_LINE"

    def run(self) -> ScannedFile:
        started = time.monotonic()
        try:
            self._read()
            self._number([])
            blanks: list[int] = []
            if self._record_lines() != self.shape.lines:
                # DuckDB skips blank lines without a trace; they show as records that span
                # fewer lines than the file has, and a second pass finds them (a blank line
                # inside a quoted field is no blank line).
                blanks = _blank_lines(self.local)
                if blanks:
                    self._number(blanks)
                    logger.info("%s: %d blank line(s) skipped", self.uri, len(blanks))
            end = self._last_line()
            if end != self.shape.lines:
                end = self._unterminated_to_end(end)
            if end != self.shape.lines:
                logger.warning(
                    "%s: its records end at line %d but the file has %d lines; line numbers "
                    "may be off (is a quote character used unquoted, or are lines ended by a "
                    "lone CR?)",
                    self.uri,
                    end,
                    self.shape.lines,
                )
            if self.discard_source:
                self.local.unlink()  # a download: disk is scarce in a pod
            self._write()
            return self._result(time.monotonic() - started)
        except duckdb.Error as exc:
            raise RawFileError(f"{self.uri}: the CSV cannot be parsed ({exc}).") from exc
        finally:
            self.con.close()
            self.first.unlink(missing_ok=True)

    def _reader(self) -> str:
        columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(self.shape.header)))
        return (
            f"read_csv({quote(str(self.local))}, header = true, auto_detect = false, "
            f"columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"', "
            f"store_rejects = true, max_line_size = {MAX_RECORD_BYTES})"
        )

    def _read(self) -> None:
        """First pass: typed values, their faults and the newlines the records hold; the
        records set aside."""
        n = len(self.shape.header)
        fields = [f"c{i}" for i in range(n)]
        checks = value_checks(
            self.contract,
            {c.target: f"c{p}" for p, c in zip(self.positions, self.contract.columns, strict=True)},
        )
        nl = " + ".join(_nl(f) for f in fields) if self.shape.quoted else "0"
        # The record's text, for the reasons of the faulty rows; and for every row of a file
        # with a key, whose duplicates only the warehouse finds.
        record = csv_record(fields)
        raw = record if self.contract.key else f"case when _BAD then {record} end"
        # Whether a row is faulty is decided once (_BAD): each expression that repeated the
        # checks cost DuckDB a second or two of CPU on a 32M-row file.
        self._copy_in_file_order(
            f"""
            copy (
                select {self.cols},
                       cast(case when _BAD then {checks.reason} end as varchar) as _REASON,
                       cast(case when _BAD then {checks.kind} end as varchar) as _REASON_KIND,
                       cast({raw} as varchar) as _RAW_LINE,
                       ({nl})::integer as _NL
                from (
                    select *, {checks.any_bad} as _BAD
                    from (select {", ".join(fields)}, {", ".join(checks.typed)}
                          from {self._reader()})
                )
            ) to {quote(str(self.first))} (format parquet, compression snappy)
            """
        )
        self.con.execute(
            r"""
            create temp table rej as
            select line::bigint as s, error_type::varchar as error_type, error_message,
                   regexp_replace(regexp_replace(csv_line, '^[\r\n]+', ''), '[\r\n]+$', '') as raw
            from reject_errors
            qualify row_number() over (partition by line order by byte_position) = 1
            """
        )
        line, count = self.con.execute(
            "select min(s), count(*) from rej where error_type = 'INVALID ENCODING'"
        ).fetchone()
        if count:
            raise RawFileError(
                f"{self.uri}: line {line} is not valid UTF-8; expected a UTF-8 CSV file."
            )
        self.con.execute(
            "create temp view rec as select file_row_number as k, * "
            f"from read_parquet({quote(str(self.first))}, file_row_number = true)"
        )
        self.records = self.con.execute("select count(*) from rec").fetchone()[0]
        self.con.execute(
            "create temp table kept_nl as select k, sum(_NL) over (order by k) as cum_nl "
            "from rec where _NL > 0"
        )

    def _number(self, blanks: list[int]) -> None:
        """Tables ``skip_at`` (for kept records) and ``rej_lines`` (set-aside records)."""
        self.con.execute("create or replace temp table blank (s bigint)")
        if blanks:
            self.con.executemany("insert into blank values (?)", [(b,) for b in blanks])
        self.con.execute(
            f"""
            create or replace temp table skip as
            with skips as (
                select s, {_nl("raw")} as nl from rej
                union all
                select s, 0 from blank
            )
            select *,
                s - 2 - (row_number() over (order by s) - 1) as kept_before,
                row_number() over (order by s) as cum_skips,
                sum(nl) over (order by s) as cum_skip_nl
            from skips
            """
        )
        self.con.execute(
            """
            create or replace temp table skip_at as
            select kept_before, max(cum_skips) as cum_skips, max(cum_skip_nl) as cum_skip_nl
            from skip group by kept_before
            """
        )
        self.con.execute(
            """
            create or replace temp table rej_lines as
            select r.*, (sk.s + sk.cum_skip_nl - sk.nl + coalesce(kn.cum_nl, 0))::bigint as line,
                   sk.nl
            from skip as sk
            join rej as r using (s)
            asof left join kept_nl as kn on sk.kept_before > kn.k
            """
        )
        self._steps()

    def _steps(self) -> None:
        """Table ``step``: from kept record ``k`` on, its line is ``2 + k + shift``.

        The shift only changes after a set-aside record, a blank line or a record that holds
        newlines: a few points even in a 32M-row file.
        """
        self.con.execute(
            """
            create or replace temp table step as
            with points as (
                select kept_before as k from skip_at
                union
                select k + 1 from kept_nl
            )
            select p.k, coalesce(sa.cum_skips, 0) + coalesce(sa.cum_skip_nl, 0)
                        + coalesce(kn.cum_nl, 0) as shift
            from points as p
            asof left join skip_at as sa on p.k >= sa.kept_before
            asof left join kept_nl as kn on p.k > kn.k
            """
        )

    def _shift_sql(self) -> tuple[str, str]:
        """(SQL of the shift of record ``rec.k``, the join it needs).

        Up to a few hundred points the shift is a search tree of ``case`` expressions, which
        DuckDB evaluates while streaming; beyond that an as-of join (which sorts) does it.
        """
        points = self.con.execute("select k, shift from step order by k").fetchall()
        if len(points) > MAX_CASE_POINTS:
            return "coalesce(st.shift, 0)", "asof left join step as st on rec.k >= st.k"

        def tree(lo: int, hi: int, below: int) -> str:
            # shift for k in [points[lo].k, ...), knowing the shift before points[lo] is `below`
            if lo >= hi:
                return str(below)
            mid = (lo + hi) // 2
            k, shift = points[mid]
            return (
                f"case when rec.k >= {k} then {tree(mid + 1, hi, shift)} "
                f"else {tree(lo, mid, below)} end"
            )

        return tree(0, len(points), 0), ""

    def _kept_lines_sql(self, where: str = "") -> str:
        shift, join = self._shift_sql()
        return f"""
            select
                (2 + rec.k + {shift})::bigint as _LINE_NUMBER,
                rec._NL,
                {self.cols}{self.extra}
            from (select * from rec {where}) as rec
            {join}
        """

    def _last_kept(self) -> tuple[int, int]:
        """(line, newlines) of the last kept record; lines grow with k."""
        row = self.con.execute(
            "select _LINE_NUMBER, _NL from "
            f"({self._kept_lines_sql(f'where k = {self.records - 1}')})"
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else (1, 0)

    def _copy_in_file_order(self, copy: str) -> None:
        """Run a ``copy … to`` whose rows must stay in file order (their positions number
        the lines). DuckDB keeps the order only in a plan it can write batch by batch; any
        other plan (an expression planned as a join, say) would number lines wrongly, so it
        is refused rather than run."""
        plan = "".join(row[1] for row in self.con.execute(f"explain {copy}").fetchall())
        if "BATCHCOPYTOFILE" not in re.sub(r"[\s_]", "", plan).upper():
            raise RuntimeError(
                f"{self.uri}: DuckDB would not keep the records in file order for this contract "
                f"({self.contract.name}), so the line numbers would be wrong; its plan was:\n"
                f"{plan}"
            )
        self.con.execute(copy)

    def _record_lines(self) -> int:
        """The lines that the header and the records span: the file's, when it has no blank."""
        kept_nl = self.con.execute("select coalesce(max(cum_nl), 0) from kept_nl").fetchone()[0]
        rejected, rejected_nl = self.con.execute(
            "select count(*), coalesce(sum(nl), 0) from rej_lines"
        ).fetchone()
        return int(1 + self.records + kept_nl + rejected + rejected_nl)

    def _last_line(self) -> int:
        """The last physical line that the records cover."""
        line, nl = self._last_kept()
        rejected = self.con.execute("select max(line + nl) from rej_lines").fetchone()[0]
        return int(max(line + nl, rejected or 1))

    def _unterminated_to_end(self, end: int) -> int:
        """A quote opened and never closed makes the rest of the file one record.

        DuckDB keeps only the start of that record's text, so its length is taken from the
        file's line count: it is the file's last record.
        """
        last = self.con.execute(
            "select s, line, error_message from rej_lines order by line desc limit 1"
        ).fetchone()
        if last is None or "unterminated quote" not in last[2] or last[1] < self._last_kept()[0]:
            return end
        self.con.execute(f"update rej_lines set nl = {self.shape.lines} - line where s = {last[0]}")
        return self._last_line()

    def _reasons(self) -> tuple[str, str]:
        """SQL for the reason of a set-aside record, and for its kind."""
        wrong_count = "error_type in ('MISSING COLUMNS', 'TOO MANY COLUMNS')"
        found = "regexp_extract(error_message, 'Found: ([0-9]+)', 1)"
        wrong = f"'wrong number of columns: expected {len(self.shape.header)}, found ' || {found}"
        key = self.contract.key_column
        shifted_reason = shifted_kind = ""
        if key is not None:
            holds = f"csv_field(raw, {self.shape.header.index(key.source)})"
            shifted = f"{wrong_count} and regexp_full_match(coalesce({holds}, ''), '{DATE}')"
            shifted_reason = (
                f"when {shifted} then 'shifted row: {key.source} holds the date ''' || {holds} "
                f"|| ''' where {key.source} belongs (a broken field shifts the columns); ' "
                f"|| {wrong}"
            )
            shifted_kind = f"when {shifted} then 'shifted row'"
        kind = f"""
            case {shifted_kind}
                when {wrong_count} then 'wrong number of columns'
                when error_type = 'UNQUOTED VALUE' then 'malformed quoting'
                when error_type = 'LINE SIZE OVER MAXIMUM' then 'record too long'
                else 'malformed record'
            end
        """
        reason = f"""
            case {shifted_reason}
                when {wrong_count} then {wrong}
                when error_type = 'UNQUOTED VALUE' and nl > 0
                    then 'malformed quoting: a quote opened here is not closed where it should '
                      || 'be, so lines ' || line || '-' || (line + nl) || ' read as one record'
                when error_type = 'UNQUOTED VALUE'
                    then 'malformed quoting: a quoted field is not closed properly (a quote '
                      || 'inside a quoted field must be doubled)'
                when error_type = 'LINE SIZE OVER MAXIMUM'
                    then 'record too long: more than {MAX_RECORD_BYTES} bytes'
                else 'malformed record: ' || error_message
            end
        """
        return reason, kind

    def _write(self) -> None:
        if self.contract.numbered:
            self.con.execute(
                f"copy (select _LINE_NUMBER, {self.cols}{self.extra} "
                f"from ({self._kept_lines_sql()})) to {quote(str(self.landed))} (format parquet)"
            )
            # their faulty rows are found in the warehouse, with the duplicates
            value_rejects = (
                "select null::bigint as line, '' as reason, '' as raw, '' as kind limit 0"
            )
        else:
            self.first.replace(self.landed)
            self.con.execute(
                "create or replace temp view rec as select file_row_number as k, * "
                f"from read_parquet({quote(str(self.landed))}, file_row_number = true)"
            )
            value_rejects = (
                "select _LINE_NUMBER as line, _REASON as reason, _RAW_LINE as raw, "
                "_REASON_KIND as kind "
                f"from ({self._kept_lines_sql('where _REASON is not null')})"
            )
        if self.contract.key_column is not None:
            self.con.create_function(
                "csv_field", _csv_field, ["VARCHAR", "INTEGER"], "VARCHAR", null_handling="special"
            )
        reason, kind = self._reasons()
        self.con.execute(
            f"""
            create temp table rejected as
            select {quote(self.contract.path)} as SOURCE_FILE, line as LINE_NUMBER,
                   {reason} as REASON, raw as RAW_LINE, 'ingest' as STAGE,
                   {kind} as _KIND, nl + 1 as _LINES
            from rej_lines
            """
        )
        self.con.execute(
            f"""
            create temp table value_rejected as
            select {quote(self.contract.path)} as SOURCE_FILE, line as LINE_NUMBER,
                   reason as REASON, raw as RAW_LINE, 'ingest' as STAGE, kind as _KIND
            from ({value_rejects})
            """
        )
        columns = "SOURCE_FILE, LINE_NUMBER, REASON, RAW_LINE, STAGE"
        self.con.execute(
            f"copy (select {columns} from rejected union all select {columns} "
            f"from value_rejected order by LINE_NUMBER) to {quote(str(self.rejects))} "
            "(format parquet)"
        )

    def _result(self, seconds: float) -> ScannedFile:
        rejected, lines = self.con.execute(
            "select count(*), coalesce(sum(_LINES), 0) from rejected"
        ).fetchone()
        kinds, value_kinds = (
            {
                kind: (int(rows), int(line))
                for kind, rows, line in self.con.execute(
                    f"select _KIND, count(*), min(LINE_NUMBER) from {table} "
                    "group by 1 order by 2 desc, 1"
                ).fetchall()
            }
            for table in ("rejected", "value_rejected")
        )
        return ScannedFile(
            contract=self.contract,
            uri=self.uri,
            landed=self.landed,
            rejects=self.rejects,
            records=int(self.records),
            rejected=int(rejected),
            rejected_lines=int(lines),
            reject_kinds=kinds,
            value_kinds=value_kinds,
            seconds=seconds,
        )


def structural_pass(
    local: Path,
    contract: FileContract,
    uri: str,
    shape: FileShape,
    out_dir: Path,
    duckdb_config: dict | None = None,
    discard_source: bool = False,
) -> ScannedFile:
    """Parse one file, set aside malformed records, land the rest typed (numbered when the
    file has a key).

    Both the intermediate and the landed files use Snappy: several times faster to write than
    zstd here, and read by every warehouse. ``discard_source`` deletes the CSV file as
    soon as it is no longer needed (a download).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    return StructuralPass(local, contract, uri, shape, out_dir, duckdb_config, discard_source).run()
