"""Mutation fuzzing of the raw CSV ingestion: sources, damage, invariants and the loop.

``test_ingest_fuzz.py`` runs :func:`main` in a child process (``python fuzz_support.py …``), so
that its peak memory can be measured and a hang fails the test instead of stalling the suite.

Words used here:

- A *source* is an unmutated raw file with its contract: a generated sample file, a prefix of a
  real file (the header and its first lines) or a whole real file.
- A *mutant* is a source as a list of its lines (:class:`Entry`), each knowing the source line it
  comes from and what the mutation did to it: nothing, only its line end, inserted it blank, copied
  it, or damaged it. The damage classes (:data:`DAMAGE`) edit that list.
- The *baseline* of a source is what the structural pass makes of it unmutated (with the same
  limits): the line each record starts on and the values of those that land clean.

The grammar (scan/physical.py) says that damage costs its own line and at most
``max_record_lines`` lines after it (a quote it opens joins at most that many lines), so every line
that the mutation left intact, lies more than that far after the last damage before it and landed
clean in the baseline must land clean again, at its new line number, with the same values
(:func:`check`). A multi-line record counts as damaged when any of its lines is, and a window
that reaches into one stretches past it.

Each mutation is also bounded: over ``MUTATION_SECONDS`` it breaks an invariant, over
``HANG_SECONDS`` faulthandler ends the child (the test then names the mutation from
``progress.json``); the peak resident memory of each scan alone (VmHWM, reset before it) must stay
under the ceiling the test gives, and an optional cap on the address space turns a runaway
allocation into an error rather than a machine out of memory.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import contextlib
import csv
import faulthandler
import io
import json
import logging
import math
import random
import re
import resource
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from ingest_support import landed_rows

from netflix_pipeline.pipelines.genres.parser import parse_genre_value
from netflix_pipeline.pipelines.genres.rules import GenreRules
from netflix_pipeline.pipelines.genres.values import value_genres
from netflix_pipeline.pipelines.ingestion.contracts import CONTRACTS, CONTRACTS_BY_NAME
from netflix_pipeline.pipelines.ingestion.limits import Limits
from netflix_pipeline.pipelines.ingestion.scan import ScannedFile, structural_pass
from netflix_pipeline.pipelines.ingestion.source import RawFileError, inspect_file

# As ingest_support.ingest_params: two threads (DuckDB keeps the records in file order only in a
# plan it runs batch by batch, which it does not choose with one thread) and a memory bound.
DUCKDB = {"memory_limit": "512MB", "threads": 2}
# Small limits keep overlong lines and windows cheap; the TMDB 5000 lines (< 1 kB) fit them.
SMALL = Limits(max_record_bytes=4096, max_record_lines=8, max_columns=200, max_reject_text=256)
DEFAULT = Limits()
MUTATION_SECONDS = 30  # a mutation that takes longer breaks an invariant (and is reported)
HANG_SECONDS = 120  # one that takes this long is a hang: the child exits with tracebacks
REAL_PREFIX_LINES = 3_000  # data lines of a real file that most mutations work on
WHOLE_FILE_SHARE = 0.05  # share of the mutations of real files made on whole files
OFF_WARNING = "line numbers may be off"
GENRE_RULES = GenreRules.from_params(
    yaml.safe_load(
        (Path(__file__).resolve().parents[3] / "conf/base/parameters_genres.yml").read_text()
    )
)
READER_FAILED = "the CSV reader failed"

REAL_FILES = {
    "movies": "movielens-small/movies.csv",
    "ratings": "movielens-small/ratings.csv",
    "links": "movielens-small/links.csv",
    "tags": "movielens-small/tags.csv",
    "movies_metadata": "tmdb-5000/tmdb_5000_movies.csv",
}


# ---------------------------------------------------------------------------------------------
# sources


@dataclass(frozen=True)
class Source:
    key: str  # "sample:ratings", "real:ratings[:3000]", "real:ratings"
    contract_name: str
    data: bytes
    weight: float = 1.0

    @property
    def contract(self):
        return CONTRACTS_BY_NAME[self.contract_name]


def sample_sources(out: Path) -> list[Source]:
    """The generator's tiny files (Kaggle-flavoured metadata), and its TMDB-flavoured metadata."""
    from netflix_pipeline.pipelines.sample_data.generator import generate_scale

    generate_scale(out / "kaggle", "tiny")
    generate_scale(out / "tmdb", "tiny", metadata_flavour="tmdb")
    sources = [
        Source(f"sample:{c.name}", c.name, (out / "kaggle" / c.path).read_bytes())
        for c in CONTRACTS
    ]
    metadata = CONTRACTS_BY_NAME["movies_metadata"]
    sources.append(
        Source(
            "sample:movies_metadata(tmdb)",
            metadata.name,
            (out / "tmdb" / metadata.path).read_bytes(),
        )
    )
    return sources


def real_sources(shared: Path) -> list[Source]:
    """A prefix of each real file (most mutations), and each whole file (a few)."""
    sources = []
    for name, relative in REAL_FILES.items():
        data = (shared / relative).read_bytes()
        lines = split_lines(data)
        prefix = b"".join(lines[: REAL_PREFIX_LINES + 1])
        sources.append(
            Source(f"real:{name}[:{REAL_PREFIX_LINES}]", name, prefix, 1 - WHOLE_FILE_SHARE)
        )
        sources.append(Source(f"real:{name}", name, data, WHOLE_FILE_SHARE))
    return sources


LARGE = "real:ratings x5"


def large_source(shared: Path) -> Source:
    """The real ratings five times over (12 MB): room for damage longer than a CSV reader's
    buffer (:func:`malformed_run`). Soak only: a mutation of it takes a few seconds."""
    data = (shared / REAL_FILES["ratings"]).read_bytes()
    header, _, body = data.partition(b"\n")
    return Source(LARGE, "ratings", header + b"\n" + body * 5, 0.1)


def split_lines(data: bytes) -> list[bytes]:
    """The physical lines of ``data``, each with its line end (LF, or CR LF; the last may lack
    one). A line ends at LF only, as in the grammar."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def split_end(content: bytes) -> tuple[bytes, bytes]:
    """(text, line end) of one line."""
    for end in (b"\r\n", b"\n"):
        if content.endswith(end):
            return content[: -len(end)], end
    return content, b""


# ---------------------------------------------------------------------------------------------
# mutants

SAME, EOL, BLANK, COPY, DAMAGED = "same", "eol", "blank", "copy", "damaged"
INTACT = (SAME, EOL, COPY)  # a line that must read as its source line did


@dataclass
class Entry:
    origin: int | None  # the source line it comes from (header = 1); None: new text
    content: bytes  # with its line end
    state: str


class Mutant:
    """A source as a list of lines that the damage classes edit (:data:`DAMAGE`)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.entries = [
            Entry(i, line, SAME) for i, line in enumerate(split_lines(source.data), start=1)
        ]
        self.header_touched = False  # the header itself changed (every row may then be off)
        self.ops: list[str] = []

    def data(self) -> bytes:
        return b"".join(e.content for e in self.entries)

    def damage(self, index: int, content: bytes) -> None:
        self.entries[index].content = content
        self.entries[index].state = DAMAGED
        if index == 0:
            self.header_touched = True

    def data_lines(self, rng: random.Random, want=None) -> int | None:
        """A random data line (not the header) that is not empty and, with ``want``, for which
        ``want(content)`` holds; None when the file has none."""
        candidates = range(1, len(self.entries))
        for _ in range(50):  # most lines qualify: try a few at random first
            if not candidates:
                return None
            i = rng.choice(candidates)
            if self._fits(i, want):
                return i
        fitting = [i for i in candidates if self._fits(i, want)]
        return rng.choice(fitting) if fitting else None

    def _fits(self, i: int, want) -> bool:
        content = self.entries[i].content
        return bool(split_end(content)[0]) and (want is None or want(content))

    def eol(self, index: int) -> bytes:
        """The line end of the line at ``index`` (LF when it has none)."""
        return split_end(self.entries[index].content)[1] or b"\n"


def show(data: bytes, room: int = 60) -> str:
    """Bytes for a description: short ones whole, long ones cut, with their length."""
    if len(data) <= room:
        return repr(data)
    return f"{data[: room // 2]!r}…{data[-room // 4 :]!r} ({len(data):,} bytes)"


# ---------------------------------------------------------------------------------------------
# damage classes: each edits a mutant and says what it did


def eol_range(rng: random.Random, m: Mutant, limits: Limits) -> str:
    """CR LF <-> LF on a run of lines: mixed line ends are allowed; nothing may be lost."""
    a = rng.randrange(0, len(m.entries))
    b = min(len(m.entries), a + rng.choice([1, 2, 7, 60, len(m.entries)]))
    for e in m.entries[a:b]:
        text, end = split_end(e.content)
        if not end:
            continue
        e.content = text + (b"\n" if end == b"\r\n" else b"\r\n")
        if text.endswith(b"\r"):  # its CR would join the line end: a change of text
            e.state = DAMAGED
        elif e.state == SAME:
            e.state = EOL
    return f"line ends CRLF<->LF on lines {a + 1}-{b}"


def lone_cr(rng: random.Random, m: Mutant, limits: Limits) -> str:
    i = m.data_lines(rng)
    if i is None:
        return "lone CR: no line"
    text, end = split_end(m.entries[i].content)
    if end and rng.random() < 0.3:  # the line ends in a CR alone and runs into the next
        m.damage(i, text + b"\r")
        return f"line {i + 1} ends in a lone CR (runs into the next line)"
    pos = rng.randrange(0, len(text))  # before the last byte: a CR there would make a CR LF
    m.damage(i, text[:pos] + b"\r" + text[pos:] + end)
    return f"lone CR in line {i + 1} at byte {pos}"


def field_starts(text: bytes) -> list[int]:
    return [0] + [k + 1 for k, byte in enumerate(text) if byte == ord(",")]


def quote_insert(rng: random.Random, m: Mutant, limits: Limits) -> str:
    i = m.data_lines(rng)
    if i is None:
        return "quote inserted: no line"
    text, end = split_end(m.entries[i].content)
    where = rng.choice(["field start", "field start", "anywhere", "before the end"])
    if where == "field start":
        pos = rng.choice(field_starts(text))
    elif where == "anywhere":
        pos = rng.randrange(0, len(text) + 1)
    else:
        pos = len(text) - rng.randrange(0, min(3, len(text)) + 1)
    quotes = rng.choice([b'"', b'"', b'""', b'"""'])
    m.damage(i, text[:pos] + quotes + text[pos:] + end)
    return f"{quotes!r} inserted in line {i + 1} at byte {pos} ({where})"


def quote_remove(rng: random.Random, m: Mutant, limits: Limits) -> str:
    i = m.data_lines(rng, want=lambda content: b'"' in content)
    if i is None:
        return quote_insert(rng, m, limits) + " (no quote to remove)"
    text, end = split_end(m.entries[i].content)
    quotes = [k for k, byte in enumerate(text) if byte == ord('"')]
    pos = rng.choice(quotes)
    m.damage(i, text[:pos] + text[pos + 1 :] + end)
    return f"quote removed from line {i + 1} at byte {pos}"


CONTROL = [bytes([b]) for b in [*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]
UNICODE_BREAKS = ["\u2028", "\u2029", "\x85", "\u200b", "\ufffe"]


def control_bytes(rng: random.Random, m: Mutant, limits: Limits) -> str:
    i = m.data_lines(rng)
    if i is None:
        return "control bytes: no line"
    text, end = split_end(m.entries[i].content)
    kind = rng.choice(["NUL", "NULs", "control", "controls", "unicode"])
    if kind == "NUL":
        blob = b"\x00"
    elif kind == "NULs":
        blob = b"\x00" * rng.randint(2, 64)
    elif kind == "control":
        blob = rng.choice(CONTROL)
    elif kind == "controls":
        blob = b"".join(rng.choice(CONTROL) for _ in range(rng.randint(2, 16)))
    else:
        blob = rng.choice(UNICODE_BREAKS).encode()
    if rng.random() < 0.2:  # a whole field of them
        starts = field_starts(text)
        k = rng.randrange(len(starts))
        stop = starts[k + 1] - 1 if k + 1 < len(starts) else len(text)
        new = text[: starts[k]] + blob + text[stop:]
    else:
        pos = rng.randrange(0, len(text) + 1)
        new = text[:pos] + blob + text[pos:]
    m.damage(i, new + end)
    return f"{show(blob)} in line {i + 1}"


def truncate(rng: random.Random, m: Mutant, limits: Limits) -> str:
    """The file ends mid-record, or mid-UTF-8 character."""
    if rng.random() < 0.4:
        i = m.data_lines(rng, want=lambda content: re.search(rb"[\xc2-\xf4]", content) is not None)
        if i is not None:
            content = m.entries[i].content
            lead = rng.choice([k for k, byte in enumerate(content) if 0xC2 <= byte <= 0xF4])
            width = 2 if content[lead] < 0xE0 else 3 if content[lead] < 0xF0 else 4
            cut = lead + rng.randrange(1, width)
            del m.entries[i + 1 :]
            m.damage(i, content[:cut])
            return f"file cut in line {i + 1} inside the UTF-8 character at byte {lead}"
        # no multi-byte character in this file: end it with the first byte of "é"
        i = len(m.entries) - 1
        m.damage(i, m.entries[i].content.rstrip(b"\r\n") + b"\xc3")
        return f"file ends in byte 0xc3, half a UTF-8 character (line {i + 1})"
    i = m.data_lines(rng)
    if i is None:
        return "truncation: no line"
    content = m.entries[i].content
    cut = rng.randrange(1, len(content))
    del m.entries[i + 1 :]
    m.damage(i, content[:cut])
    return f"file cut in line {i + 1} at byte {cut}"


ODD_ENDINGS = [
    b"\r",
    b"\n\r",
    b"\r\r",
    b"\r\n\r",
    b" ",
    b"\t",
    b"\x00",
    b'"',
    b",",
    b"\xef\xbb\xbf",
]


def file_ending(rng: random.Random, m: Mutant, limits: Limits) -> str:
    """Stray bytes after the last line end, or the last line end removed."""
    last = m.entries[-1]
    if rng.random() < 0.2:
        text, end = split_end(last.content)
        if end:
            last.content = text  # a last line without its line end reads alike
            return f"line end of the last line ({len(m.entries)}) removed"
    if not last.content.endswith(b"\n"):
        last.content += rng.choice([b"\n", b"\r\n"])
    tail = rng.choice(ODD_ENDINGS) * rng.choice([1, 1, 2])
    for piece in split_lines(tail):
        m.entries.append(Entry(None, piece, BLANK if piece in (b"\n", b"\r\n") else DAMAGED))
    return f"file ends in {tail!r} after its last line end"


def byte_flip(rng: random.Random, m: Mutant, limits: Limits) -> str:
    done = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        i = rng.randrange(0, len(m.entries))
        content = bytearray(m.entries[i].content)
        if not content:
            continue
        pos = rng.randrange(len(content))
        before = content[pos]
        content[pos] ^= rng.randrange(1, 256)
        m.damage(i, bytes(content))
        done.append(f"line {i + 1} byte {pos} {before:#04x}->{content[pos]:#04x}")
    return "byte flip: " + ", ".join(done)


def long_field(rng: random.Random, m: Mutant, limits: Limits) -> str:
    i = m.data_lines(rng)
    if i is None:
        return "long field: no line"
    text, end = split_end(m.entries[i].content)
    n = rng.choice([2_000, 20_000, 200_000, max(1, limits.max_record_bytes - len(text) - 8)])
    kind = rng.choice(
        ["plain", "quoted", "quoted with line ends", "quoted with CR LF", "multi-byte"]
    )
    if kind == "plain":
        blob = b"x" * n
    elif kind == "quoted":
        blob = b'"' + b'a,""b' * (n // 5) + b'"'
    elif kind == "quoted with line ends":
        blob = b'"' + (b"x" * 60 + b"\n") * max(1, n // 61) + b'"'
    elif kind == "quoted with CR LF":
        blob = b'"' + (b"x" * 59 + b"\r\n") * max(1, n // 61) + b'"'
    else:
        blob = "é".encode() * (n // 2)
    starts = field_starts(text)
    k = rng.randrange(len(starts))
    stop = starts[k + 1] - 1 if k + 1 < len(starts) else len(text)
    m.damage(i, text[: starts[k]] + blob + text[stop:] + end)
    return f"field {k + 1} of line {i + 1} replaced by a {kind} field of {len(blob):,} bytes"


def long_line(rng: random.Random, m: Mutant, limits: Limits) -> str:
    """A line longer than max_record_bytes, or right at the bound."""
    bound = limits.max_record_bytes
    size = rng.choice(
        [bound - 1, bound, bound + 1, bound + 2, bound + 3, 2 * bound, 3 * bound + 17]
    )
    i = m.data_lines(rng)
    if i is None:
        return "long line: no line"
    text, end = split_end(m.entries[i].content)
    kind = rng.choice(["row padded", "digits", "quoted", "commas"])
    if kind == "row padded":
        body = (text + b"x" * size)[:size]
    elif kind == "digits":
        body = b"9" * size
    elif kind == "quoted":
        body = b'"' + b"y" * max(0, size - 2) + b'"'
    else:
        body = b"," * size
    if rng.random() < 0.5:
        m.damage(i, body + end)
        return f"line {i + 1} replaced by a {kind} line of {size:,} bytes (limit {bound:,})"
    m.entries.insert(i, Entry(None, body + m.eol(i), DAMAGED))
    return f"{kind} line of {size:,} bytes (limit {bound:,}) inserted as line {i + 1}"


def many_columns(rng: random.Random, m: Mutant, limits: Limits) -> str:
    i = m.data_lines(rng)
    if i is None:
        return "many columns: no line"
    text, end = split_end(m.entries[i].content)
    n = rng.choice([1, 2, 9, 300, 5_000])
    extra = rng.choice([b",", b",x", b',""', b",1"]) * n
    pos = rng.choice([len(text), rng.choice(field_starts(text))])
    m.damage(i, text[:pos] + extra + text[pos:] + end)
    return f"{n:,} extra column(s) {extra[:4]!r}… in line {i + 1} at byte {pos}"


READER_BUFFER = 8 << 20  # DuckDB's CSV reader reads 8 MB at a time


def malformed_run(rng: random.Random, m: Mutant, limits: Limits) -> str:
    """A run of consecutive rows each missing its last field, or with one more: a bad stretch
    of an export. The longest runs are longer than a CSV reader's buffer where the source allows
    (the large soak source): their rows get one more field, which makes them longer."""
    if len(m.entries) < 3:
        return "malformed run: no lines"
    budget = rng.choice([2_000, 200_000, READER_BUFFER + (1 << 20)])  # bytes of damaged rows
    long_run = budget > READER_BUFFER
    extra = long_run or rng.random() < 0.3
    first = rng.randrange(1, max(2, len(m.entries) // 5) if long_run else len(m.entries))
    k, size = first, 0
    while k < len(m.entries) and size < budget:
        e = m.entries[k]
        text, end = split_end(e.content)
        if text:
            cut = text.rfind(b",")
            new = text + b",x" if extra or cut < 0 else text[:cut]
            e.content, e.state = new + end, DAMAGED
        size += len(e.content)
        k += 1
    what = "one more field" if extra else "the last field missing"
    return f"lines {first + 1}-{k} ({size:,} bytes) with {what}"


def header_columns(m: Mutant) -> tuple[list[str], bytes, bytes]:
    text, end = split_end(m.entries[0].content)
    bom = b"\xef\xbb\xbf" if text.startswith(b"\xef\xbb\xbf") else b""
    row = next(csv.reader([text[len(bom) :].decode("utf-8", "replace")]), [])
    return row, bom, end


def set_header(m: Mutant, names: list[str], bom: bytes, end: bytes) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(names)
    m.damage(0, bom + out.getvalue().encode() + end)


def header_damage(rng: random.Random, m: Mutant, limits: Limits) -> str:
    names, bom, end = header_columns(m)
    kind = rng.choice(["duplicated", "missing", "many", "renamed", "semicolons", "empty"])
    required = set(m.source.contract.required_columns)
    if kind == "duplicated" and names:
        name = rng.choice(names)
        names.insert(rng.randrange(len(names) + 1), name)
        desc = f"column {name!r} twice ({'required' if name in required else 'not required'})"
    elif kind == "missing" and names:
        name = names.pop(rng.randrange(len(names)))
        desc = f"column {name!r} removed ({'required' if name in required else 'not required'})"
    elif kind == "many":
        total = rng.choice(
            [
                limits.max_columns,  # the most a header may have
                limits.max_columns + 1,
                len(names) + rng.choice([1, 40]),  # more than the rows: every row falls short
                rng.randint(len(names) + 1, limits.max_columns),
                20_000,
            ]
        )
        names += [f"extra_{k}" for k in range(max(0, total - len(names)))]
        desc = f"{len(names):,} columns (max_columns {limits.max_columns:,})"
    elif kind == "renamed" and names:
        k = rng.randrange(len(names))
        names[k] = rng.choice([names[k].lower(), names[k].upper(), names[k] + " ", "x"])
        desc = f"column {k + 1} renamed to {names[k]!r}"
    elif kind == "semicolons":
        m.damage(0, bom + ";".join(names).encode() + end)
        return "header: separated by semicolons"
    else:
        m.damage(0, end)
        return "header: empty line"
    set_header(m, names, bom, end)
    return f"header: {desc}"


def bom_middle(rng: random.Random, m: Mutant, limits: Limits) -> str:
    i = m.data_lines(rng)
    if i is None:
        return "BOM: no line"
    text, end = split_end(m.entries[i].content)
    pos = rng.choice([0, rng.randrange(0, len(text) + 1)])
    m.damage(i, text[:pos] + b"\xef\xbb\xbf" + text[pos:] + end)
    return f"BOM in line {i + 1} at byte {pos}"


def bom_start(rng: random.Random, m: Mutant, limits: Limits) -> str:
    """A byte-order mark before the header: allowed, and no row may be lost."""
    header = m.entries[0]
    if header.content.startswith(b"\xef\xbb\xbf"):
        return bom_middle(rng, m, limits)
    header.content = b"\xef\xbb\xbf" + header.content  # state unchanged: the header reads alike
    return "BOM before the header"


def empty_lines(rng: random.Random, m: Mutant, limits: Limits) -> str:
    """Empty lines between lines (and at the end): skipped, and no row may be lost."""
    done = []
    for _ in range(rng.choice([1, 1, 2, 5])):
        i = rng.randrange(1, len(m.entries) + 1)
        if i == len(m.entries) and not m.entries[-1].content.endswith(b"\n"):
            m.entries[-1].content += b"\n"  # a last line without its line end gets one first
        eol = rng.choice([b"\n", b"\r\n"])
        k = rng.choice([1, 1, 2, 30])
        for _ in range(k):
            m.entries.insert(i, Entry(None, eol, BLANK))
        done.append(f"{k} x {eol!r} before line {i + 1}")
    if rng.random() < 0.2:  # a line of blanks: one empty field, which is no empty line
        i = rng.randrange(1, len(m.entries) + 1)
        m.entries.insert(i, Entry(None, b"  \n", DAMAGED))
        done.append(f"a line of two spaces as line {i + 1}")
    return "empty lines: " + ", ".join(done)


def rows_moved(rng: random.Random, m: Mutant, limits: Limits) -> str:
    """Whole lines copied or deleted: later lines move, and keep loading at their new lines."""
    i = m.data_lines(rng)
    if i is None:
        return "rows: no line"
    if rng.random() < 0.5 or len(m.entries) < 3:
        e = m.entries[i]
        state = COPY if e.state in INTACT else DAMAGED
        if not e.content.endswith(b"\n"):
            e.content += b"\n"
        j = rng.randrange(1, len(m.entries) + 1)
        m.entries.insert(j, Entry(e.origin, e.content, state))
        return f"line {i + 1} copied before line {j + 1}"
    del m.entries[i]
    return f"line {i + 1} deleted"


def crafted_genres(rng: random.Random) -> list[tuple[str, str]]:
    """(label, value) of bad genre values, fixed ones and a few random ones."""
    values = [
        ("nested [ x5000", "[" * 5_000),
        ("nested [] x5000", "[" * 5_000 + "]" * 5_000),
        ("nested { x5000", '{"a": ' * 5_000 + "1" + "}" * 5_000),
        ("nested objects", '[{"name": ' * 2_000 + '"x"' + "}]" * 2_000),
        ("nested ( x300", "[" + "(" * 300 + ")" * 300 + "]"),
        ("unary chain", "[" + "-" * 100_000 + "1]"),
        ("number", "5"),
        ("float", "1e999"),
        ("object", '{"id": 28, "name": "Action"}'),
        ("string", '"Action"'),
        ("null", "null"),
        ("true", "true"),
        ("list of null", "[null]"),
        ("list of numbers", "[1, 2.5, -3]"),
        ("nested list", '[["Action"]]'),
        ("name not a string", '[{"id": 1, "name": 5}]'),
        ("name missing", '[{"id": 1}]'),
        ("name None", "[{'id': 1, 'name': None}]"),
        ("escaped NUL", '[{"name": "A\\u0000B"}]'),
        ("escaped lone surrogate", '["\\ud800"]'),
        ("NUL", "[\x00]"),
        ("many digits", "[" + "9" * 5_000 + "]"),
        ("unclosed", '[{"id": 1, "name": "Action"}'),
        ("trailing comma", "['Action',]"),
        ("mixed quotes", "[{'name': \"Children's\"}, {\"name\": 'Drama'}]"),
        ("unicode blanks", "\u3000[\u2028]"),
        ("BOM", '\ufeff["Action"]'),
        ("NaN", "[NaN, Infinity]"),
        ("bytes literal", "[b'Action']"),
        ("set", "{'Action'}"),
        ("tuple", "('Action',)"),
        ("complex", "[1j]"),
        ("ellipsis", "[...]"),
        ("just [", "["),
        ("just {", "{"),
        ("blank", "   "),
        ("pipes", "Action||Drama|"),
        ("pipe list", '["A|B"]'),
        ("line end inside", '[{"name": "Sci\nFi"}]'),
        ("duplicate key", '[{"name": "a", "name": "b"}]'),
        ("huge list", json.dumps([{"id": k, "name": f"G{k % 20}"} for k in range(20_000)])),
        ("huge name", json.dumps([{"id": 1, "name": "x" * 300_000}])),
    ]
    alphabet = "[]{}\"',: a1\\|n\x00é"
    for k in range(3):
        values.append(
            (f"random {k}", "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))))
        )
    return values


def genre_value(rng: random.Random, m: Mutant, limits: Limits) -> str:
    """A crafted value in the genres field of a row, quoted as a CSV writer would."""
    names, _, _ = header_columns(m)
    if "genres" not in names:
        return quote_insert(rng, m, limits) + " (no genres column)"
    column = names.index("genres")

    def one_record(content: bytes) -> bool:
        text = split_end(content)[0]
        try:
            rows = list(csv.reader([text.decode("utf-8")]))
        except (UnicodeDecodeError, csv.Error):
            return False
        return len(rows) == 1 and len(rows[0]) == len(names)

    i = m.data_lines(rng, want=one_record)
    if i is None:
        return quote_insert(rng, m, limits) + " (no single-line row)"
    label, value = rng.choice(crafted_genres(rng))
    text, end = split_end(m.entries[i].content)
    row = next(csv.reader([text.decode("utf-8")]))
    row[column] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    m.damage(i, out.getvalue().encode() + end)
    return f"genres of line {i + 1}: {label} ({len(value):,} characters)"


@dataclass(frozen=True)
class Damage:
    apply: Callable[[random.Random, Mutant, Limits], str]
    weight: float
    genres_only: bool = False


DAMAGE: dict[str, Damage] = {
    "line ends": Damage(eol_range, 8),
    "lone CR": Damage(lone_cr, 8),
    "quote inserted": Damage(quote_insert, 10),
    "quote removed": Damage(quote_remove, 6),
    "control bytes": Damage(control_bytes, 8),
    "truncation": Damage(truncate, 6),
    "file ending": Damage(file_ending, 4),
    "byte flip": Damage(byte_flip, 6),
    "long field": Damage(long_field, 6),
    "long line": Damage(long_line, 7),
    "many columns": Damage(many_columns, 6),
    "malformed run": Damage(malformed_run, 4),
    "header": Damage(header_damage, 5),
    "BOM in the middle": Damage(bom_middle, 5),
    "BOM at the start": Damage(bom_start, 2),
    "empty lines": Damage(empty_lines, 7),
    "rows copied or deleted": Damage(rows_moved, 4),
    "genre values": Damage(genre_value, 10, genres_only=True),
}


def pick_classes(rng: random.Random, source: Source) -> list[str]:
    has_genres = "genres" in source.contract.required_columns
    names = [n for n, d in DAMAGE.items() if has_genres or not d.genres_only]
    weights = [DAMAGE[n].weight for n in names]
    k = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
    classes = rng.choices(names, weights=weights, k=k)
    if source.key == LARGE and rng.random() < 0.5:
        classes.append("malformed run")  # what the large source is for
    return classes


def mutate(source: Source, classes: list[str], rng: random.Random, limits: Limits) -> Mutant:
    m = Mutant(source)
    for name in classes:
        m.ops.append(f"[{name}] {DAMAGE[name].apply(rng, m, limits)}")
    return m


def pick_limits(rng: random.Random, classes: list[str]) -> Limits:
    """Small limits for most overlong lines (cheap), and for a quarter of the rest."""
    if "long line" in classes:
        return SMALL if rng.random() < 0.8 else DEFAULT
    return SMALL if rng.random() < 0.25 else DEFAULT


# ---------------------------------------------------------------------------------------------
# one structural pass, and the baseline


_peak_before_reset = 0.0  # the highest peak of the stretches before the last reset


def _vm_hwm_mb() -> float | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def reset_peak() -> None:
    """Reset this process's peak resident memory (VmHWM), so that :func:`scan_peak_mb` measures
    one scan alone and not the test's own reading of its results. Where Linux does not allow
    it, the peaks are the process's."""
    global _peak_before_reset
    _peak_before_reset = peak_rss_mb()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def scan_peak_mb() -> float:
    """The peak resident memory since the last :func:`reset_peak`."""
    hwm = _vm_hwm_mb()
    return hwm if hwm is not None else peak_rss_mb()


def peak_rss_mb() -> float:
    """The peak resident memory of this process, its whole life (getrusage reports kB, and
    forgets what a reset cleared)."""
    rusage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return max(rusage, _peak_before_reset, _vm_hwm_mb() or 0.0)


@dataclass
class Outcome:
    refused: str | None = None
    item: ScannedFile | None = None
    landed: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    peak_mb: float = 0.0  # peak resident memory of the process while the scan ran


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_scan(path: Path, contract, limits: Limits, out_dir: Path) -> Outcome:
    """``inspect_file`` then ``structural_pass`` on the file at ``path`` (its uri), the landed
    rows and the rejects read back; a RawFileError is a refusal, any other error propagates.
    ``peak_mb`` is the peak resident memory while the two ran."""
    outcome = Outcome()
    reset_peak()
    handler = _Warnings()
    logger = logging.getLogger("netflix_pipeline")
    logger.addHandler(handler)
    try:
        shape = inspect_file(path, str(path), contract, limits)
        item = structural_pass(path, contract, str(path), shape, out_dir, DUCKDB, limits=limits)
    except RawFileError as exc:
        outcome.refused = str(exc)
        return outcome
    finally:
        logger.removeHandler(handler)
        outcome.warnings = handler.messages
        outcome.peak_mb = scan_peak_mb()
    outcome.item = item
    outcome.landed = landed_rows(item.landed)
    outcome.rejects = pq.read_table(item.rejects).to_pylist()
    return outcome


@dataclass
class Baseline:
    """What the structural pass makes of an unmutated source (numbered, with the same limits)."""

    clean: dict[int, tuple]  # line -> values of a record that lands without a fault
    starts: set[int]  # lines where a record starts: landed or set aside
    rejected: set[int]  # lines set aside
    lines: int  # physical lines of the source
    span_end: dict[int, int]  # start of a record over several lines -> its last line
    record_of: dict[int, int]  # each line of a record over several lines -> its start


def numbered(contract):
    """The contract itself when it is numbered, else the same with a key: its rows then carry
    their lines (the values and faults are the same)."""
    return contract if contract.numbered else replace(contract, key=contract.columns[0].source)


def values(row: dict, contract) -> tuple:
    return tuple(row[c.target] for c in contract.columns)


def compute_baseline(source: Source, limits: Limits, work: Path) -> Baseline:
    path = work / "baseline.csv"
    path.write_bytes(source.data)
    contract = numbered(source.contract)
    outcome = run_scan(path, contract, limits, work / "baseline")
    shutil.rmtree(work / "baseline", ignore_errors=True)
    if outcome.refused is not None:
        raise RuntimeError(f"the unmutated source {source.key} is refused: {outcome.refused}")
    clean = {r["_LINE_NUMBER"]: values(r, contract) for r in outcome.landed if r["_REASON"] is None}
    rejected = {r["LINE_NUMBER"] for r in outcome.rejects}
    starts = {r["_LINE_NUMBER"] for r in outcome.landed} | rejected
    # the lines from a start to the last non-empty line before the next start are its record's
    lines = split_lines(source.data)
    span_end: dict[int, int] = {}
    record_of: dict[int, int] = {}
    ordered = sorted(starts) + [len(lines) + 1]
    for start, nxt in zip(ordered, ordered[1:], strict=False):
        end = start
        for n in range(start + 1, nxt):
            if split_end(lines[n - 1])[0]:
                end = n
        if end > start:
            span_end[start] = end
            for n in range(start, end + 1):
                record_of[n] = start
    return Baseline(clean, starts, rejected, len(lines), span_end, record_of)


# ---------------------------------------------------------------------------------------------
# the invariants


@dataclass
class Line:
    origin: int | None
    state: str


def physical_lines(m: Mutant, base: Baseline) -> list[Line]:
    """Each physical line of the mutant: the source line it is and whether it is intact.

    An entry that is no longer exactly one line (its line end gone, or one added inside) damages
    every line it touches. A record over several lines is intact only when all its lines follow
    each other intact; a copy is intact only when its source line landed clean.
    """
    out: list[Line] = []
    open_line = False  # the entry before ended without a line end: the next one continues it
    last = len(m.entries) - 1
    for k, e in enumerate(m.entries):
        if not e.content:
            continue
        newlines = e.content.count(b"\n")
        ends = e.content.endswith(b"\n")
        if open_line:  # joined to the line before
            out[-1] = Line(None, DAMAGED)
        started = (0 if open_line else 1) + newlines - (1 if ends else 0)
        whole = not open_line and started == 1 and (ends or k == last)
        out += [Line(e.origin, e.state) if whole else Line(None, DAMAGED) for _ in range(started)]
        open_line = not ends
    before = [(line.origin, line.state) for line in out]
    for p, (origin, state) in enumerate(before):
        if state == COPY and origin not in base.clean:
            out[p] = Line(None, DAMAGED)  # a copy of a broken line breaks where it lands
        elif state in INTACT and origin in base.record_of:
            start = base.record_of[origin]
            n = base.span_end[start] - start + 1
            q = p - (origin - start)
            run = before[q : q + n] if q >= 0 else []
            intact = len(run) == n and all(
                o == start + j and (s == SAME or (s == EOL and j == n - 1))
                for j, (o, s) in enumerate(run)
            )
            if not intact:
                out[p] = Line(None, DAMAGED)
    return out


def safe_lines(lines: list[Line], base: Baseline, window: int) -> dict[int, int]:
    """{physical line: source line} of the intact lines that must land clean.

    A damaged line may join the ``window`` lines after it. A line set aside in the baseline may
    have opened a quote that no line closed within the window: a change in that window (a damaged,
    inserted or deleted line) may now close it, which can take the lines between as well, so it
    counts as damaged too. A window that reaches a line of a record over several lines stretches
    past that line (reading may restart inside the record). What lies beyond every window, is
    intact and landed clean in the baseline, must land clean.
    """
    n = len(lines)
    unchanged = [line.state in (SAME, EOL) for line in lines]
    changes = [
        p
        for p in range(1, n)
        if not (unchanged[p] and unchanged[p - 1] and lines[p].origin == lines[p - 1].origin + 1)
    ]
    if n and lines[-1].origin != base.lines:  # the end of the file moved
        changes.append(n)
    damaged = {p for p in range(n) if lines[p].state == DAMAGED}
    for s in range(n):
        if unchanged[s] and lines[s].origin in base.rejected:
            k = bisect.bisect_right(changes, s)  # the first change after s
            if k < len(changes) and changes[k] <= s + window:
                damaged.add(s)
    safe: dict[int, int] = {}
    affected_until = -1
    for p, line in enumerate(lines):
        if p in damaged or (p <= affected_until and line.origin in base.record_of):
            affected_until = max(affected_until, p + window)
        if p > affected_until and line.state in INTACT and line.origin in base.clean:
            safe[p + 1] = line.origin
    return safe


CUT = re.compile(r"… \[cut: ([0-9,]+) characters in all\]")


def clipped_ok(raw, limits: Limits) -> bool:
    """RAW_LINE: at most max_reject_text characters, or exactly that many and the cut note."""
    if raw is None or len(raw) <= limits.max_reject_text:
        return True
    match = CUT.fullmatch(raw, limits.max_reject_text)
    return bool(match) and int(match.group(1).replace(",", "")) > limits.max_reject_text


def expected_outcome(m: Mutant, data: bytes, lines: list[Line]) -> str:
    """Whether the file must be refused ("refuse": it is not UTF-8), may be ("either": its
    header changed, or no data line is left) or must load ("load"): damage to data lines must
    cost rows, never the file."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "refuse"
    if m.header_touched or not lines or lines[0].state == DAMAGED:
        return "either"
    if not any(split_end(line)[0] for line in split_lines(data)[1:]):
        return "either"
    if not header_describes_first_rows(data):
        return "either"  # a documented refusal: source.check_row_widths
    return "load"


def header_describes_first_rows(data: bytes) -> bool:
    """Whether a row among the first thousand (in the first MB; when there are ten or more)
    has the header's number of columns, as the file-level check reads them."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 20))
    head = data[: 1 << 20]
    head = head[: head.rfind(b"\n") + 1].decode("utf-8-sig", "replace")
    rows = csv.reader(io.StringIO(head, newline=""))
    header = next(rows, [])
    widths = [len(row) for _, row in zip(range(1000), rows, strict=False) if row]
    return len(widths) < 10 or len(header) in widths


def is_sentence(message: str, uri: str) -> bool:
    rest = message[len(uri) + 2 :] if message.startswith(f"{uri}: ") else ""
    return len(rest.split()) >= 4 and rest.rstrip().endswith((".", "?"))


def check(
    m: Mutant, data: bytes, uri: str, limits: Limits, outcome: Outcome, base: Baseline
) -> list[tuple[str, str]]:
    """The invariants this outcome breaks: (invariant, detail)."""
    contract = m.source.contract
    broken: list[tuple[str, str]] = []
    lines = physical_lines(m, base)
    expected = expected_outcome(m, data, lines)
    if any(OFF_WARNING in w for w in outcome.warnings):
        broken.append(
            ("the CSV reader and the line walk agree (no warning)", "; ".join(outcome.warnings))
        )
    if outcome.refused is not None:
        if not is_sentence(outcome.refused, uri):
            broken.append(("refusal is a sentence that starts with the uri", outcome.refused))
        if READER_FAILED in outcome.refused:
            # the wrapper of any DuckDB error: a library message, not what is wrong with the file
            broken.append(
                ("a refusal names a fault of the file, not a reader error", outcome.refused)
            )
        if expected == "load":
            broken.append(("damage to data lines costs rows, not the file", outcome.refused))
        return broken
    if expected == "refuse":
        broken.append(("a file that is not UTF-8 is refused", "it loaded"))
    item = outcome.item
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    data_lines = sum(1 for line in split_lines(data)[1:] if split_end(line)[0])

    # every reject row
    for r in outcome.rejects:
        problems = []
        if r["SOURCE_FILE"] != contract.path:
            problems.append(f"SOURCE_FILE {r['SOURCE_FILE']!r}")
        if not (isinstance(r["LINE_NUMBER"], int) and 2 <= r["LINE_NUMBER"] <= n_lines):
            problems.append(f"LINE_NUMBER {r['LINE_NUMBER']} outside 2-{n_lines}")
        if not r["REASON"]:
            problems.append("empty REASON")
        if not clipped_ok(r["RAW_LINE"], limits):
            problems.append(f"RAW_LINE of {len(r['RAW_LINE']):,} characters")
        if problems:
            broken.append(("reject rows are well formed", f"{'; '.join(problems)}: {r!r:.300}"))
    reject_lines = [r["LINE_NUMBER"] for r in outcome.rejects]
    if len(set(reject_lines)) != len(reject_lines):
        twice = sorted(k for k, v in collections.Counter(reject_lines).items() if v > 1)
        broken.append(("one reject per line", f"lines rejected twice: {twice[:10]}"))

    # counts
    # Both land every record, faulty values included. The rows of a file with a key all load
    # (the warehouse finds the faulty ones with the duplicates); of one without, the clean rows
    # load, its faulty ones are among the rejects already.
    faulty = [r for r in outcome.landed if r.get("_REASON") is not None]
    faultless = [r for r in outcome.landed if r.get("_REASON") is None]
    loads = outcome.landed if contract.numbered else faultless
    if len(loads) != item.landed_rows or len(outcome.landed) != item.records:
        broken.append(
            (
                "counts agree",
                f"{len(outcome.landed)} landed rows of which {len(loads)} load, "
                f"records={item.records}, landed_rows={item.landed_rows}",
            )
        )
    if not contract.numbered and len(faulty) != item.value_rejected:
        broken.append(
            (
                "a file without a key marks its faulty rows",
                f"{len(faulty)} landed with a reason, value_rejected={item.value_rejected}",
            )
        )
    if item.rejects_rows != len(outcome.rejects):
        broken.append(
            ("counts agree", f"rejects_rows={item.rejects_rows}, {len(outcome.rejects)} rows")
        )
    if item.rejected != len(outcome.rejects) - item.value_rejected:
        broken.append(
            (
                "counts agree",
                f"rejected={item.rejected}, {len(outcome.rejects)} reject rows of which "
                f"value_rejected={item.value_rejected} are value faults",
            )
        )
    if contract.numbered and item.value_rejected:
        broken.append(("counts agree", f"value_rejected={item.value_rejected}, expected 0"))
    if item.records != item.landed_rows + item.value_rejected:
        broken.append(
            (
                "counts agree",
                f"records={item.records}, landed_rows={item.landed_rows} + "
                f"value_rejected={item.value_rejected}",
            )
        )
    if item.records + item.rejected > data_lines:
        broken.append(
            (
                "counts agree",
                f"{item.records} records + {item.rejected} set aside > {data_lines} data lines",
            )
        )
    for r in faulty:
        if not clipped_ok(r["_RAW_LINE"], limits) or not r["_REASON"]:
            broken.append(("faulty rows are well formed", f"{r!r:.300}"))
            break

    # line numbers of a numbered file
    landed_at: dict[int, dict] = {}
    if contract.numbered:
        numbers = [r["_LINE_NUMBER"] for r in outcome.landed]
        if any(not 2 <= n <= n_lines for n in numbers):
            broken.append(("landed lines are lines of the file", f"outside 2-{n_lines}"))
        landed_at = {r["_LINE_NUMBER"]: r for r in outcome.landed}
        if len(landed_at) != len(numbers):
            broken.append(("one record per line", "two landed rows carry the same line"))
        both = sorted(set(landed_at) & set(reject_lines))
        if both:
            broken.append(("one record per line", f"lines both landed and rejected: {both[:10]}"))

    # recovery: the intact lines far enough from any damage land clean, at their new lines
    if expected == "load" and not m.header_touched:
        safe = safe_lines(lines, base, limits.max_record_lines)
        lost = []
        if contract.numbered:
            for p, origin in safe.items():
                row = landed_at.get(p)
                if (
                    row is None
                    or row["_REASON"] is not None
                    or values(row, contract) != base.clean[origin]
                ):
                    got = "nothing" if row is None else f"{row!r:.200}"
                    lost.append(f"line {p} (source line {origin}): got {got}")
        else:
            # the clean rows of a file without a key are those that load
            clean = collections.Counter(values(r, contract) for r in loads)
            need = collections.Counter(base.clean[o] for o in safe.values())
            missing = need - clean
            if missing:
                where = [p for p, o in safe.items() if base.clean[o] in missing]
                lost.append(
                    f"{sum(missing.values())} clean rows missing (of {len(safe)} expected), "
                    f"e.g. lines {where[:10]}: {list(missing)[:3]}"
                )
            at_safe = sorted(set(reject_lines) & set(safe))
            if at_safe:
                lost.append(f"rejects at lines that must load clean: {at_safe[:10]}")
        if lost:
            broken.append(("intact lines away from damage land clean", "; ".join(lost[:8])))
    return broken


def check_genres(values: list) -> list[tuple[str, str]]:
    """The genre stage's Python part returns names or a reason for every value and never
    raises: the parser (``parse_genre_value``) and the value table (``value_genres``)."""
    broken: list[tuple[str, str]] = []
    for value in values:
        try:
            names, reason = parse_genre_value(value)
        except Exception as exc:  # noqa: BLE001 - any exception is the finding
            broken.append(("the genre parser never raises", f"{value!r:.120}: {exc!r:.200}"))
            continue
        if (names is None) == (reason is None):
            broken.append(("names or a reason", f"{value!r:.120} -> {names!r:.80}, {reason!r}"))
    strings = list(dict.fromkeys(v for v in values if isinstance(v, str)))
    try:
        table = value_genres(strings, GENRE_RULES)
    except Exception as exc:  # noqa: BLE001
        return [*broken, ("the genre values never raise", f"value_genres: {exc!r:.300}")]
    if set(table["GENRES_RAW"]) - set(strings):
        broken.append(("the genre values never raise", "value_genres made up a value"))
    return broken


def genre_inputs() -> list:
    """Crafted values checked directly (some cannot be written into a UTF-8 file)."""
    rng = random.Random(0)
    return [v for _, v in crafted_genres(rng)] + [None, math.nan, 5, "\ud800", '["\ud800"]']


# ---------------------------------------------------------------------------------------------
# the loop


class Loop:
    """Mutations of ``sources`` from ``seed``, each reproducible alone from (seed, index)."""

    def __init__(
        self, sources: list[Source], seed: str, work: Path, out: Path, max_rss_mb: float
    ) -> None:
        self.sources, self.seed, self.work, self.out = sources, seed, work, out
        self.max_rss_mb = max_rss_mb
        self.scan_peaks: list[tuple[float, str]] = []  # the three highest: (MB, mutation)
        self.peak_by_class: dict[str, float] = {}
        self.baselines: dict[tuple[str, Limits], Baseline] = {}
        self.by_class: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.outcomes: collections.Counter = collections.Counter()
        self.refusals: collections.Counter = collections.Counter()
        self.by_source: collections.Counter = collections.Counter()
        self.failures: list[dict] = []
        self.reader_failures: list[str] = []  # refusals that are DuckDB errors, allowed or not
        self.genre_values = 0
        self.slowest = (0.0, "")
        self.run = 0

    def baseline(self, source: Source, limits: Limits) -> Baseline:
        key = (source.key, limits)
        if key not in self.baselines:
            self.baselines[key] = compute_baseline(source, limits, self.work)
        return self.baselines[key]

    def one(self, index: int) -> None:
        rng = random.Random(f"{self.seed}:{index}")
        source = rng.choices(self.sources, weights=[s.weight for s in self.sources])[0]
        classes = pick_classes(rng, source)
        limits = pick_limits(rng, classes)
        m = mutate(source, classes, rng, limits)
        data = m.data()
        case = {
            "seed": self.seed,
            "index": index,
            "source": source.key,
            "contract": source.contract_name,
            "limits": "small" if limits == SMALL else "default",
            "classes": classes,
            "ops": m.ops,
        }
        base = self.baseline(source, limits)  # before the clock: computed once per source
        folder = self.work / "mutant"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        path = folder / Path(source.contract.path).name
        path.write_bytes(data)
        (self.out / "progress.json").write_text(json.dumps({**case, "input": str(path)}))
        started = time.monotonic()
        faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
        try:
            outcome = run_scan(path, source.contract, limits, folder / "out")
        except Exception:  # noqa: BLE001 - any other exception breaks invariant (a)
            outcome = Outcome(refused="(an exception other than RawFileError)")
            broken = [("only RawFileError refuses a file", traceback.format_exc(limit=8))]
        else:  # an exception in the checks is a fault of this test: it ends the child
            broken = check(m, data, str(path), limits, outcome, base)
            if outcome.refused is None and "genres" in source.contract.required_columns:
                genres = sorted({r["GENRES"] for r in outcome.landed if r["GENRES"] is not None})
                self.genre_values += len(genres)
                broken += check_genres(genres)
        finally:
            faulthandler.cancel_dump_traceback_later()
        seconds = time.monotonic() - started
        if seconds > MUTATION_SECONDS:
            broken.append(
                (
                    f"a mutation takes at most {MUTATION_SECONDS} s",
                    f"it took {seconds:.0f} s ({outcome_kind(outcome)})",
                )
            )
        for name in set(classes):
            self.peak_by_class[name] = max(self.peak_by_class.get(name, 0), outcome.peak_mb)
        self.scan_peaks.append((outcome.peak_mb, f"#{index} {source.key} {m.ops}"))
        self.scan_peaks = sorted(self.scan_peaks, reverse=True)[:3]
        if outcome.peak_mb > self.max_rss_mb:
            broken.append(
                (
                    "peak memory stays under the ceiling",
                    f"the scan peaked at {outcome.peak_mb:.0f} MB resident "
                    f"(ceiling {self.max_rss_mb:.0f} MB)",
                )
            )
        self.run += 1
        self.outcomes[outcome_kind(outcome)] += 1
        self.by_source[source.key] += 1
        for name in set(classes):
            self.by_class[name][outcome_kind(outcome)] += 1
        if outcome.refused is not None:
            self.refusals[refusal_kind(outcome.refused, str(path))] += 1
            if READER_FAILED in outcome.refused:
                self.reader_failures.append(f"#{index} {source.key} {m.ops}: {outcome.refused}")
        if seconds > self.slowest[0]:
            self.slowest = (seconds, f"#{index} {source.key} {classes}")
        if broken:
            saved = self.out / "failures" / f"{self.seed}-{index}.csv"
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_bytes(data)
            self.failures.append(
                {
                    **case,
                    "broken": broken,
                    "saved": str(saved),
                    "bytes": show(data, 400) if len(data) > 2_000 else repr(data),
                    "outcome": outcome.refused or "loaded",
                }
            )
        shutil.rmtree(folder, ignore_errors=True)

    def report(self, started: float) -> dict:
        return {
            "seed": self.seed,
            "mutations": self.run,
            "seconds": round(time.monotonic() - started, 1),
            "outcomes": dict(self.outcomes),
            "by_class": {k: dict(v) for k, v in sorted(self.by_class.items())},
            "by_source": dict(sorted(self.by_source.items())),
            "refusals": dict(self.refusals.most_common()),
            "genre_values_checked": self.genre_values,
            "slowest": [round(self.slowest[0], 2), self.slowest[1]],
            "failures": self.failures,
            "peak_rss_mb": round(peak_rss_mb(), 1),  # the whole child, the test's own work too
            "scan_peaks_mb": [[round(mb), what[:300]] for mb, what in self.scan_peaks],
            "scan_peak_by_class_mb": {k: round(v) for k, v in sorted(self.peak_by_class.items())},
            "reader_failures": self.reader_failures,
        }


def outcome_kind(outcome: Outcome) -> str:
    return "refused" if outcome.refused is not None else "loaded"


def refusal_kind(message: str, uri: str) -> str:
    """A refusal's message without the uri, numbers and what follows its first clause: its kind,
    for the summary."""
    text = message[len(uri) + 2 :] if message.startswith(f"{uri}: ") else message
    text = re.split(r" \(|[.;] ", text)[0]  # bytes and library messages come in brackets
    text = re.sub(r"(?<![\w-])[0-9][0-9,]*", "N", text)  # numbers, not UTF-8
    return " ".join(text.split()[:9])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mutation fuzzing of the raw CSV ingestion")
    parser.add_argument("--inputs", choices=["sample", "real"], required=True)
    parser.add_argument("--shared", type=Path, help="the real data folder (../shared/data)")
    parser.add_argument("--out", type=Path, required=True, help="report.json, failures/")
    parser.add_argument("--seed", default="0")
    parser.add_argument("--mutations", type=int, default=0, help="0: until --seconds")
    parser.add_argument("--seconds", type=float, default=0, help="0: until --mutations")
    parser.add_argument("--only", type=int, help="run this mutation index alone")
    parser.add_argument("--large", action="store_true", help="add a 12 MB real source (soak)")
    parser.add_argument("--max-rss-mb", type=float, default=1536, help="the memory ceiling")
    parser.add_argument(
        "--address-space-mb",
        type=int,
        default=0,
        help="a hard cap on the address space (0: none), so that a runaway mutation fails "
        "with an allocation error instead of exhausting a shared machine",
    )
    args = parser.parse_args(argv)
    if not args.mutations and not args.seconds and args.only is None:
        parser.error("give --mutations, --seconds or both")
    if args.address_space_mb:
        cap = args.address_space_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    started = time.monotonic()
    work = args.out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if args.inputs == "sample":
        sources = sample_sources(work / "sample")
    else:
        sources = real_sources(args.shared)
        if args.large:
            sources.append(large_source(args.shared))
    loop = Loop(sources, args.seed, work, args.out, args.max_rss_mb)
    genre_broken = check_genres(genre_inputs())
    if args.only is not None:
        loop.one(args.only)
    else:
        index = 0
        while True:
            if args.mutations and index >= args.mutations:
                break
            if args.seconds and time.monotonic() - started > args.seconds:
                break
            loop.one(index)
            index += 1
    report = loop.report(started)
    report["crafted_genre_failures"] = genre_broken
    (args.out / "report.json").write_text(json.dumps(report, indent=1, default=str))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
