"""Step 0 of the structural pass: the records of a file, by its physical lines.

DuckDB's CSV reader is fast, but its grammar is its own: a line end of the other kind stops it,
and one quote that never closes makes the rest of the file one record. So the grammar is set
here, line by line, and DuckDB only reads what this grammar calls well formed:

- A line ends at LF; a CR just before the LF is part of the line end.
- A field that starts with a quote is quoted: it ends at a quote followed by a comma or by the
  end of the line, and a quote inside it is doubled. Anywhere else a quote is text.
- A record is one line or, when a quoted field holds line ends, the lines up to the one where
  that field closes: at most ``max_record_lines`` lines and ``max_record_bytes`` bytes
  (:class:`..limits.Limits`), and then with exactly the header's columns.
- A line that cannot start a record by these rules is *broken*: a quote that does not close
  within those bounds or before the end of the file, text after a closing quote, a CR inside the
  line, a line longer than ``max_record_bytes``. A broken line is set aside alone, with its
  reason, and reading goes on at the next line: one bad line costs one row.

A regular file (:attr:`..source.FileShape.regular`: every line a record) is read by DuckDB as it
is. Any other is walked here, one record in memory at a time. When the walk finds a broken line,
or the file mixes line ends, DuckDB reads a cleaned copy instead, in which the line ends are of
one kind and each broken line is empty, so every record keeps its line. What the walk finds
goes to two Parquet files, written in batches: the lines that hold no record (empty or broken),
numbered as DuckDB numbers lines (for :mod:`.lines`), and the broken lines with their reasons
(for :mod:`.rejects`).
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..limits import Limits
from ..source import FileShape, RawSource

logger = logging.getLogger(__name__)

QUOTE = b'"'
COMMA = ord(",")
NEWLINE = ord("\n")
CR = ord("\r")
IN_QUOTES = re.compile(rb'[^"]*(?:""[^"]*)*')  # the rest of a quoted field, up to its end quote
UNQUOTED = re.compile(rb"[^,]*")
OPEN, DONE = "open", "done"
BATCH_ROWS = 10_000
COPY_CHUNK = 8 << 20

SKIPPED_SCHEMA = pa.schema([("s", pa.int64())])
BROKEN_SCHEMA = pa.schema(
    [("line", pa.int64()), ("reason", pa.string()), ("raw", pa.string()), ("kind", pa.string())]
)


class BadQuoting(ValueError):
    """A line breaks the quoting rules; the message says how."""


def scan_line(text: bytes, in_quotes: bool, fields: int) -> tuple[str, int]:
    """How one line (without its line end) leaves a record that has ``fields`` complete fields
    so far: ``OPEN`` inside a quoted field, or ``DONE``; and the complete fields then."""
    pos, end = 0, len(text)
    if not in_quotes:  # a record's first field starts the line
        in_quotes = text[:1] == QUOTE
        pos = int(in_quotes)
    while True:
        if in_quotes:
            pos = IN_QUOTES.match(text, pos).end()
            if pos == end:
                return OPEN, fields
            pos += 1  # the end quote
            if pos == end:
                return DONE, fields + 1
            if text[pos] != COMMA:
                raise BadQuoting(
                    "text follows the quote that closes a quoted field (a quote inside a "
                    "quoted field must be doubled)"
                )
        else:
            pos = UNQUOTED.match(text, pos).end()
            if pos == end:
                return DONE, fields + 1
        fields += 1
        pos += 1  # the comma
        in_quotes = text[pos : pos + 1] == QUOTE
        pos += in_quotes


@dataclass
class Line:
    number: int  # the header is line 1
    start: int  # byte offset in the file
    text: bytes  # without its line end; cut at max_record_bytes when longer
    end: bytes  # b"\n", b"\r\n", or b"" for a last line without one
    length: int  # bytes of the whole line, without its line end


@dataclass
class Run:
    """Lines in a row that are each a record with nothing to look at: no quote, no CR but a
    line end, not empty, not long. Handed over whole; never more than a chunk of the file."""

    number: int  # the number of its first line
    start: int  # byte offset of its first line in the file
    chunk: bytes  # the chunk of the file that holds it
    lo: int  # where it starts in the chunk
    hi: int  # where it ends in the chunk (after its last line end)
    count: int

    @property
    def data(self) -> memoryview:
        """Its lines, line ends included (a view: a chunk is never copied)."""
        return memoryview(self.chunk)[self.lo : self.hi]

    def split_first(self) -> tuple[Line, Run | None]:
        """Its first line, and the run of the others (None when there are none)."""
        cut = self.chunk.index(b"\n", self.lo, self.hi) + 1
        crlf = self.chunk[cut - 2 : cut] == b"\r\n"
        text = self.chunk[self.lo : cut - 1 - crlf]
        line = Line(self.number, self.start, text, b"\r\n" if crlf else b"\n", len(text))
        if self.count == 1:
            return line, None
        next_start = self.start + cut - self.lo
        return line, Run(self.number + 1, next_start, self.chunk, cut, self.hi, self.count - 1)


def _lines_of(body: bytes, first: int, start: int, limit: int) -> Iterator[Line | Run]:
    """The lines of ``body`` (whole lines, the last ending with LF): each line to look at as
    a :class:`Line`, the lines between as :class:`Run` s. numpy finds the lines to look at, so
    a file of plain lines goes by at the speed of reading it."""
    arr = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(arr == NEWLINE)
    starts = np.concatenate(([0], ends[:-1] + 1))
    crlf = np.zeros(len(ends), dtype=bool)
    look = ends == starts  # empty
    if b"\r" in body:
        crs = np.flatnonzero(arr == CR)
        lone = arr[crs + 1] != NEWLINE  # body ends with LF: crs + 1 is in it
        look[np.searchsorted(ends, crs[lone])] = True
        crlf[np.searchsorted(ends, crs[~lone])] = True
        look |= (ends - starts == 1) & crlf  # empty, with CR LF
    if b'"' in body:
        look[np.searchsorted(ends, np.flatnonzero(arr == QUOTE[0]))] = True
    look |= ends - starts - crlf > limit
    at = 0  # index of the first line not handed over
    for i in np.flatnonzero(look).tolist():
        if i > at:
            lo, hi = int(starts[at]), int(starts[i])
            yield Run(first + at, start + lo, body, lo, hi, i - at)
        lo, text_end = int(starts[i]), int(ends[i]) - int(crlf[i])
        end = b"\r\n" if crlf[i] else b"\n"
        yield Line(first + i, start + lo, body[lo : min(text_end, lo + limit)], end, text_end - lo)
        at = i + 1
    if at < len(ends):
        lo = int(starts[at])
        yield Run(first + at, start + lo, body, lo, len(body), len(ends) - at)


def _last_line(data: bytes, number: int, offset: int, limit: int) -> Line:
    """The file's last line when no line end follows it (a CR at its end is a CR inside it)."""
    return Line(number, offset, data[:limit], b"", len(data))


def read_lines(fh, limit: int) -> Iterator[Line | Run]:
    """The lines of a binary file, read in chunks; a line is held only up to ``limit`` bytes."""
    number, offset, buf, eof = 1, 0, b"", False
    while True:
        if not eof:
            chunk = fh.read(COPY_CHUNK)
            eof = not chunk
            buf = buf + chunk if buf else chunk
        cut = buf.rfind(b"\n") + 1
        if cut:
            body, buf = buf[:cut], buf[cut:]
            yield from _lines_of(body, number, offset, limit)
            number += body.count(b"\n")
            offset += cut
        if eof:
            if buf:
                yield _last_line(buf, number, offset, limit)
            return
        if len(buf) > limit + 1:  # no line end yet: a line too long to hold
            line, buf, eof = _long_line(fh, buf, number, offset, limit)
            yield line
            number += 1
            offset += line.length + len(line.end)
            if eof:
                return


def _long_line(fh, head: bytes, number: int, offset: int, limit: int) -> tuple[Line, bytes, bool]:
    """A line longer than ``limit`` whose first bytes are ``head``: read on to its end keeping
    none of the rest. Returns the line, the bytes read after it and whether the file ended."""
    length, last = len(head), head[-1:]
    while True:
        chunk = fh.read(COPY_CHUNK)
        if not chunk:
            return Line(number, offset, head[:limit], b"", length), b"", True
        stop = chunk.find(b"\n")
        if stop >= 0:
            crlf = (chunk[stop - 1 : stop] if stop else last) == b"\r"
            length += stop - crlf
            line = Line(number, offset, head[:limit], b"\r\n" if crlf else b"\n", length)
            return line, chunk[stop + 1 :], False
        length += len(chunk)
        last = chunk[-1:]


@dataclass(frozen=True)
class LineMap:
    """What DuckDB reads for one raw file, and what the walk found in it."""

    source: RawSource  # the file, or its cleaned copy
    records: int  # records by the grammar above
    skipped: Path | None = None  # Parquet (s): empty and broken lines, in DuckDB's numbering
    broken: Path | None = None  # Parquet (line, reason, raw, kind): the broken lines
    skipped_lines: int = 0
    broken_lines: int = 0

    @classmethod
    def regular(cls, source: RawSource, shape: FileShape) -> LineMap:
        return cls(source=source, records=shape.lines - 1)

    def remove_scratch(self, raw: RawSource) -> None:
        """Delete what the walk wrote, once DuckDB has read it."""
        copy = None if self.source == raw else Path(self.source.path)
        for path in (self.skipped, self.broken, copy):
            if path is not None:
                path.unlink(missing_ok=True)


class _Rows:
    """Rows written to a Parquet file in batches (nothing written: no file)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path, self.schema = path, schema
        self.rows: list[tuple] = []
        self.count = 0
        self.writer: pq.ParquetWriter | None = None

    def add(self, *row) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema)
        columns = list(zip(*self.rows, strict=True))
        self.writer.write_table(
            pa.table(dict(zip(self.schema.names, columns, strict=True)), schema=self.schema)
        )
        self.rows = []

    def close(self) -> Path | None:
        self.flush()
        if self.writer is None:
            return None
        self.writer.close()
        return self.path


class LineWalk:
    """One walk over the lines of a raw file that is not regular (:meth:`run`)."""

    def __init__(
        self, source: RawSource, shape: FileShape, limits: Limits, out_dir: Path, name: str
    ) -> None:
        self.raw, self.shape, self.limits = source, shape, limits
        self.width = len(shape.header)
        self.copy_path = out_dir / f"{name}.cleaned.csv"
        self.skipped = _Rows(out_dir / f"{name}.skipped.parquet", SKIPPED_SCHEMA)
        self.broken = _Rows(out_dir / f"{name}.broken.parquet", BROKEN_SCHEMA)
        self.eol = b"\r\n" if shape.line_ends == "crlf" else b"\n"
        self.copy = None
        self.records = 0
        self.continued = 0  # lines that continue a record: DuckDB does not number them
        self.pending: deque[Line | Run] = deque()

    def run(self) -> LineMap:
        with self.raw.open() as fh:
            self.lines = read_lines(fh, self.limits.max_record_bytes)
            try:
                if self.shape.line_ends == "mixed":
                    self._start_copy(0)
                self._walk()
            finally:
                if self.copy is not None:
                    self.copy.close()
        return LineMap(
            source=RawSource.local(self.copy_path) if self.copy is not None else self.raw,
            records=self.records,
            skipped=self.skipped.close(),
            broken=self.broken.close(),
            skipped_lines=self.skipped.count,
            broken_lines=self.broken.count,
        )

    # -- reading

    def _next(self) -> Line | Run | None:
        """The next line or run up to the file's last record (the empty lines after it, which
        are always :class:`Line` s, are no lines)."""
        item = self.pending.popleft() if self.pending else next(self.lines, None)
        return item if item is not None and item.number <= self.shape.lines else None

    def _next_line(self) -> Line | None:
        """The next line, taken from the front of a run when one comes next."""
        item = self._next()
        if isinstance(item, Run):
            item, rest = item.split_first()
            if rest is not None:
                self.pending.appendleft(rest)
        return item

    def _push_back(self, lines: list[Line]) -> None:
        self.pending.extendleft(reversed(lines))

    # -- the grammar

    def _walk(self) -> None:
        header = self._next_line()
        if header is not None:
            self._write(header)
        while (line := self._next()) is not None:
            if isinstance(line, Run):
                self._run(line)
                continue
            problem = self._problem(line)
            if problem is not None:
                self._broken(line, *problem)
            elif not line.text:
                self._skip(line)
            elif QUOTE not in line.text:
                self._record([line])
            else:
                self._quoted(line)

    def _problem(self, line: Line) -> tuple[str, str] | None:
        """(kind, reason) when the line is broken whatever comes after it."""
        if line.length > self.limits.max_record_bytes:
            return (
                "record too long",
                f"record too long: the line has {line.length:,} bytes, more than "
                f"ingest.limits.max_record_bytes ({self.limits.max_record_bytes:,})",
            )
        if b"\r" in line.text:
            return (
                "malformed line end",
                "malformed line end: a carriage return (CR) inside the line; lines must end "
                "with LF or CR LF",
            )
        return None

    def _quoted(self, first: Line) -> None:
        """A line with quotes: a record of its own, or the first of a record's lines."""
        try:
            state, fields = scan_line(first.text, False, 0)
        except BadQuoting as bad:
            self._broken(first, "malformed quoting", f"malformed quoting: {bad}")
            return
        lines = [first]
        size = len(first.text)
        reason = None
        while state == OPEN:
            nxt = self._next_line()
            limits = self.limits
            if nxt is None:
                reason = "it is not closed before the end of the file"
            elif len(lines) >= limits.max_record_lines or size + 1 + len(nxt.text) > (
                limits.max_record_bytes
            ):
                reason = (
                    f"it is not closed within ingest.limits.max_record_lines "
                    f"({limits.max_record_lines}) lines or max_record_bytes "
                    f"({limits.max_record_bytes:,}) bytes"
                )
            elif self._problem(nxt) is not None:
                reason = f"it runs into line {nxt.number}, which is broken"
            if reason is not None:
                if nxt is not None:
                    self._push_back([nxt])
                break
            lines.append(nxt)
            size += 1 + len(nxt.text)
            try:
                state, fields = scan_line(nxt.text, True, fields)
            except BadQuoting as bad:
                reason = f"it is not closed properly on line {nxt.number}: {bad}"
                break
        if reason is None and (len(lines) == 1 or fields == self.width):
            self._record(lines)
            return
        if reason is None:
            reason = (
                f"it closes on line {lines[-1].number}, but lines {first.number}-"
                f"{lines[-1].number} then hold {fields} columns, not {self.width}"
            )
        self._broken(
            first,
            "malformed quoting",
            f"malformed quoting: a quoted field opens on this line and {reason}; this line "
            "alone is set aside",
        )
        self._push_back(lines[1:])

    # -- what the walk finds

    def _record(self, lines: list[Line]) -> None:
        self.records += 1
        self.continued += len(lines) - 1
        if self.copy is not None:
            # Line ends inside quoted fields are text, kept as they are; DuckDB only needs the
            # records to end alike.
            for line in lines[:-1]:
                self.copy.write(line.text + line.end)
            self._write(lines[-1])

    def _run(self, run: Run) -> None:
        self.records += run.count
        if self.copy is not None:
            data = run.data
            if self.eol == b"\n" and run.chunk.find(b"\r", run.lo, run.hi) >= 0:
                data = bytes(data).replace(b"\r\n", b"\n")  # a run's only CRs end its lines
            self.copy.write(data)

    def _skip(self, line: Line) -> None:
        """A line without a record: DuckDB skips it, and counts it."""
        self.skipped.add(line.number - self.continued)
        if self.copy is not None:
            self.copy.write(self.eol)

    def _broken(self, line: Line, kind: str, reason: str) -> None:
        if self.copy is None:
            self._start_copy(line.start)
        text = line.text[: self.limits.max_reject_text * 4].decode("utf-8", "replace")
        if line.length > len(line.text):
            text += "…"
        self.broken.add(line.number, reason, self.limits.clip(text), kind)
        self._skip(line)

    # -- the cleaned copy

    def _start_copy(self, upto: int) -> None:
        """Open the cleaned copy with the file's first ``upto`` bytes, which hold no fault."""
        self.copy = self.copy_path.open("wb")
        with self.raw.open() as src:
            left = upto
            while left > 0:
                chunk = src.read(min(COPY_CHUNK, left))
                if not chunk:
                    break
                self.copy.write(chunk)
                left -= len(chunk)
        logger.info("%s: reading a cleaned copy from byte %d on", self.raw.uri, upto)

    def _write(self, line: Line) -> None:
        if self.copy is not None:
            self.copy.write(line.text + self.eol)


def map_lines(
    source: RawSource, shape: FileShape, limits: Limits, out_dir: Path, name: str
) -> LineMap:
    """What DuckDB reads for the file at ``source``, and the lines that hold no record."""
    if shape.regular:
        return LineMap.regular(source, shape)
    found = LineWalk(source, shape, limits, out_dir, name).run()
    if found.broken_lines:
        logger.info("%s: %d broken line(s) set aside", source.uri, found.broken_lines)
    return found
