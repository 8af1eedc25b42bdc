"""Finding and checking whole raw files, on disk or S3, before anything is loaded.

A fault found here — a missing file or column, an empty file, bytes that are not UTF-8, a bucket
that is missing, unreachable or refuses access — is a :class:`RawFileError` whose message names
the file or URI and says what was expected. Nothing in the warehouse has changed at that point.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import fsspec
import numpy as np

from .contracts import CONTRACTS_BY_NAME, FileContract
from .limits import Limits

if TYPE_CHECKING:
    from .raw_files import RawFile

logger = logging.getLogger(__name__)

CHUNK = 8 << 20
NEWLINE = ord("\n")
CR = ord("\r")


class RawFileError(RuntimeError):
    """A raw file, or the storage that holds it, is unusable; nothing was loaded."""


class StorageError(RawFileError):
    """The storage itself fails (unreachable, access denied, no bucket): every file would."""


@dataclass(frozen=True)
class FileShape:
    """What the byte-level pass learnt about a valid UTF-8 file."""

    header: list[str]
    lines: int  # physical lines up to the last one that is not blank (header = line 1)
    size: int
    quoted: bool  # holds a quote character (else no field can hold a line end)
    line_ends: str = "lf"  # "lf", "crlf" or "mixed"
    lone_cr: bool = False  # a CR that ends no line
    blank: bool = False  # an empty line before the last record
    long_line: bool = False  # maybe a line longer than ingest.limits.max_record_bytes

    @property
    def regular(self) -> bool:
        """Every line a record, as DuckDB's reader would read it: no quote that could join
        lines, one kind of line end, no empty and no overlong line. Any other file is walked
        line by line first (:mod:`.scan.physical`)."""
        return not (
            self.quoted or self.line_ends == "mixed" or self.lone_cr or self.blank or self.long_line
        )


# ---------------------------------------------------------------------------------------------
# locating and fetching


def _filesystem(uri: str, storage_options: dict | None):
    try:
        return fsspec.core.url_to_fs(uri, **(storage_options or {}))
    except Exception as exc:
        raise RawFileError(
            f"{uri}: cannot open the raw location ({type(exc).__name__}: {exc})."
        ) from exc


def is_remote(fs) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return "file" not in protocols and "local" not in protocols


def endpoint_of(fs) -> str:
    """The S3 endpoint a filesystem talks to, for messages."""
    explicit = (getattr(fs, "client_kwargs", None) or {}).get("endpoint_url") or getattr(
        fs, "endpoint_url", None
    )
    env = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return explicit or env or "the default AWS S3 endpoint"


def _network_error(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(
        names
        & {
            "EndpointConnectionError",
            "ConnectTimeoutError",
            "ReadTimeoutError",
            "ConnectionClosedError",
            "ClientConnectionError",
            "ServerDisconnectedError",
            "ConnectionError",
            "TimeoutError",
        }
    )


def _storage_error(uri: str, fs, exc: BaseException, doing: str) -> RawFileError:
    """The message for an exception of fsspec/s3fs/botocore, saying what was expected."""
    kind = type(exc).__name__
    if isinstance(exc, PermissionError):
        return StorageError(
            f"{uri}: access denied by {endpoint_of(fs)} while {doing} ({exc}). Expected read "
            "access to the raw files: check the credentials (AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY or AWS_PROFILE) or the IAM role of the pod "
            "(s3:GetObject and s3:ListBucket on the raw prefix)."
        )
    if kind == "NoCredentialsError":
        return StorageError(
            f"{uri}: no AWS credentials were found while {doing}. Set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or run with an IAM role that can read the "
            "raw prefix."
        )
    if _network_error(exc):
        return StorageError(
            f"{uri}: the storage is unreachable: cannot connect to {endpoint_of(fs)} while "
            f"{doing} ({kind}: {exc}). Check raw_uri, AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL and "
            "the network."
        )
    return RawFileError(f"{uri}: failed while {doing} ({kind}: {exc}).")


def locate(uri: str, storage_options: dict | None = None) -> dict | None:
    """The file's info (size…), or None when it does not exist; raises on storage faults."""
    fs, path = _filesystem(uri, storage_options)
    try:
        info = fs.info(path)
    except FileNotFoundError as exc:
        if "bucket" in str(exc).lower():
            bucket = path.split("/", 1)[0]
            raise StorageError(
                f"{uri}: the bucket {bucket!r} does not exist at {endpoint_of(fs)}. "
                "Expected raw_uri=s3://<existing bucket>/<prefix>."
            ) from exc
        return None
    except Exception as exc:
        raise _storage_error(uri, fs, exc, "looking for the file") from exc
    if info.get("type") != "file":
        raise RawFileError(f"{uri}: is a folder; expected a CSV file at this path.")
    return info


@dataclass(frozen=True)
class RawSource:
    """Where the bytes of one raw file are read: a file on disk, or an S3 object read as each
    pass goes (never copied whole to local disk, so the pod's scratch volume does not cap the
    input's size)."""

    uri: str
    path: str  # the file's path on its filesystem
    size: int
    fs: Any = None  # the filesystem of a remote file; None for a local one

    @classmethod
    def local(cls, path: Path, uri: str | None = None) -> RawSource:
        return cls(uri=uri or str(path), path=str(path), size=path.stat().st_size)

    def open(self) -> BinaryIO:
        """The file's bytes, from the start; read them in chunks of :data:`CHUNK` or fewer."""
        if self.fs is None:
            return open(self.path, "rb")  # noqa: SIM115 - the caller closes it
        try:
            return self.fs.open(self.path, "rb", block_size=CHUNK)
        except Exception as exc:
            raise _storage_error(self.uri, self.fs, exc, "opening the file") from exc

    def duckdb_path(self, con) -> str:
        """The path DuckDB reads the file at on ``con``: a remote file through its filesystem,
        registered on the connection."""
        if self.fs is None:
            return self.path
        con.register_filesystem(self.fs)
        return self.fs.unstrip_protocol(self.path)


def as_source(local: Path | RawSource, uri: str | None = None) -> RawSource:
    return local if isinstance(local, RawSource) else RawSource.local(Path(local), uri)


def source_at(uri: str, storage_options: dict | None, size: int) -> RawSource:
    """The file at ``uri`` (located: ``size`` bytes) as a :class:`RawSource`."""
    fs, path = _filesystem(uri, storage_options)
    if not is_remote(fs):
        return RawSource.local(Path(path), uri)
    return RawSource(uri=uri, path=path, size=size, fs=fs)


# ---------------------------------------------------------------------------------------------
# the byte-level pass: encoding, lines, header

_MAGIC = {
    b"\x1f\x8b": "gzip-compressed",
    b"PK\x03\x04": "a zip archive",
    b"\xff\xfe": "UTF-16 (little-endian byte-order mark)",
    b"\xfe\xff": "UTF-16 (big-endian byte-order mark)",
}


def _encoding_error(
    uri: str, source: RawSource, pos: int, newlines_before: int, sample: bytes
) -> RawFileError:
    line = newlines_before + 1
    with source.open() as fh:
        fh.seek(max(0, pos - 200))
        around = fh.read(400)
    hint = "re-export the file as UTF-8"
    try:
        around.decode("cp1252")
        hint = (
            "the bytes read as Windows-1252/Latin-1: re-export the file as UTF-8 "
            "(for example `iconv -f cp1252 -t utf-8`)"
        )
    except UnicodeDecodeError:
        pass
    return RawFileError(
        f"{uri}: line {line} is not valid UTF-8 (byte offset {pos}: {sample!r}); expected a "
        f"UTF-8 CSV file — {hint}."
    )


class _LineCounts:
    """What one pass over the bytes counts: line ends of both kinds, lone CRs, empty lines,
    quotes, and whether a line may be longer than ``long`` bytes.

    Only single bytes and short byte strings are searched for (``bytes.count``, ``in``), and
    numpy counts the line ends: the pass runs at about the speed of reading the file. Empty
    lines and long lines are looked at closely only in the chunks where a quick search finds
    a sign of them.
    """

    def __init__(self, long: int) -> None:
        self.newlines = self.crlf = self.cr = self.blank = 0
        self.quoted = self.long_line = False
        self.long = long
        self.tail = b"\0\0"  # the last two bytes seen (none yet: no line end)
        self.since_newline = 0  # bytes since the last line end

    def add(self, done: bytes) -> None:
        arr = np.frombuffer(done, dtype=np.uint8)
        lf = arr == NEWLINE
        # numpy counts bytes four times as fast as bytes.count
        self.newlines += int(np.count_nonzero(lf))
        self.quoted = self.quoted or b'"' in done
        cr = b"\r" in done
        if cr or self.tail.endswith(b"\r"):
            self.cr += done.count(b"\r")
            self.crlf += done.count(b"\r\n") + (self.tail.endswith(b"\r") and done[:1] == b"\n")
        # Empty lines: an LF right after an LF or a CR LF. Those that end in the first two bytes
        # are looked at with the bytes before them; numpy counts the others (a search for
        # b"\n\n" would read the chunk at a quarter of the speed).
        self.blank += self._empty_lines(self.tail + done[:2])
        self.blank += int(np.count_nonzero(lf[2:] & lf[1:-1]))
        if cr:
            self.blank += int(np.count_nonzero(lf[2:] & (arr[1:-1] == CR) & lf[:-2]))
        self._look_for_long_lines(done)
        self.tail = (self.tail + done[-2:])[-2:]

    @staticmethod
    def _empty_lines(window: bytes) -> int:
        """Empty lines that end in ``window[2:]`` (``window[:2]`` being the bytes before)."""
        w = np.frombuffer(window, dtype=np.uint8)
        ends = np.flatnonzero(w[2:] == NEWLINE) + 2
        before = w[ends - 1]
        empty = (before == NEWLINE) | ((before == CR) & (w[ends - 2] == NEWLINE))
        return int(np.count_nonzero(empty))

    def _look_for_long_lines(self, done: bytes) -> None:
        """Sets ``long_line`` when a line may be longer than ``long`` bytes: a stretch of
        ``long // 2`` bytes without a line end (any longer line holds one), or a line that runs
        on from the chunks before. Cautious: the line walk measures each line."""
        if self.long_line:
            return
        first = done.find(b"\n")
        if (first if first >= 0 else len(done)) + self.since_newline > self.long:
            self.long_line = True
        half = max(self.long // 2, 1)
        if len(done) >= half and any(
            done.find(b"\n", at, at + half) < 0 for at in range(0, len(done) - half + 1, half)
        ):
            self.long_line = True
        last = done.rfind(b"\n")
        self.since_newline = len(done) - last - 1 if last >= 0 else self.since_newline + len(done)

    @property
    def line_ends(self) -> str:
        if self.crlf == 0:
            return "lf"
        return "crlf" if self.crlf == self.newlines else "mixed"


def _count_lines(source: RawSource, uri: str, long: int) -> tuple[_LineCounts, int]:
    """One pass over the bytes: checks UTF-8 and counts lines (:class:`_LineCounts`).

    Returns the counts and the line ends of the trailing empty lines. Only the chunks that
    are not pure ASCII are decoded.
    """
    counts = _LineCounts(long)
    offset = 0  # file offset of data[0]
    pending = b""
    with source.open() as fh:
        while True:
            chunk = _read(fh, source)
            data = pending + chunk if pending else chunk
            final = not chunk
            if data.isascii():
                consumed = len(data)
            else:
                try:
                    _, consumed = codecs.utf_8_decode(data, "strict", final)
                except UnicodeDecodeError as exc:
                    before = counts.newlines + data[: exc.start].count(b"\n")
                    raise _encoding_error(
                        uri, source, offset + exc.start, before, data[exc.start : exc.start + 4]
                    ) from None
            counts.add(data[:consumed] if consumed < len(data) else data)
            offset += consumed
            pending = data[consumed:]
            if final:
                break
        fh.seek(max(0, offset - 65536))
        tail = fh.read()
    return counts, _trailing_line_ends(tail)


def _trailing_line_ends(tail: bytes) -> int:
    """The line ends (LF or CR LF) at the very end of ``tail``: the last line's, and those of
    the empty lines after it. A CR with no LF after it is no line end: it stays a line (one
    with a CR inside, which the line walk sets aside)."""
    end, found = len(tail), 0
    while end and tail[end - 1] == NEWLINE:
        end -= 2 if tail[end - 2 : end - 1] == b"\r" else 1
        found += 1
    return found


def _read(fh: BinaryIO, source: RawSource) -> bytes:
    """The next chunk of the file; a storage that fails midway is named, with what to do."""
    try:
        return fh.read(CHUNK)
    except Exception as exc:
        if source.fs is None:
            raise
        raise _storage_error(source.uri, source.fs, exc, "reading the file") from exc


def read_header(head: bytes, uri: str, limits: Limits) -> list[str]:
    """The names of the header (line 1) at the start of ``head`` (at least
    ``limits.max_record_bytes + 2`` bytes of the file); refuses a header past the limits."""
    end = head.find(b"\n")
    first = head if end < 0 else head[: end + 1]
    if len(first.rstrip(b"\r\n")) > limits.max_record_bytes:
        raise RawFileError(
            f"{uri}: the header (line 1) is longer than ingest.limits.max_record_bytes "
            f"({limits.max_record_bytes:,} bytes); expected a CSV header line. Is this the right "
            "file?"
        )
    text = first.decode("utf-8-sig").rstrip("\r\n")
    header = [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]
    if len(header) > limits.max_columns:
        raise RawFileError(
            f"{uri}: the header has {len(header):,} columns, more than "
            f"ingest.limits.max_columns ({limits.max_columns:,}); expected the columns of the "
            "input contract. Is this the right file? Raise the limit if it is."
        )
    if text.count('"') % 2:
        raise RawFileError(
            f"{uri}: the header (line 1) opens a quote that it does not close; expected one line "
            "of column names."
        )
    return header


SAMPLE_BYTES = 1 << 20
SAMPLE_ROWS = 1_000


def check_row_widths(head: bytes, header: list[str], uri: str) -> None:
    """Refuses a file none of whose first rows (up to a thousand, in its first MB, at least
    ten) has as many columns as its header: the header does not describe the rows. (Reading
    on would set every row aside, and DuckDB's reader spends time and memory on each column
    missing from each row: a header some hundred columns too wide costs gigabytes.)"""
    csv.field_size_limit(max(csv.field_size_limit(), SAMPLE_BYTES))
    head = head[:SAMPLE_BYTES]
    text = head[: head.rfind(b"\n") + 1].decode("utf-8-sig", "replace")
    rows = csv.reader(io.StringIO(text, newline=""))
    next(rows, None)
    widths = [len(row) for _, row in zip(range(SAMPLE_ROWS), rows, strict=False) if row]
    if len(widths) >= 10 and len(header) not in widths:
        common = max(set(widths), key=widths.count)
        raise RawFileError(
            f"{uri}: the header has {len(header)} columns but none of the first "
            f"{len(widths):,} rows has as many (most have {common}): the header does not "
            "describe the rows. Expected one header line with the names of the rows' columns; "
            "check the header and the delimiter (a comma)."
        )


def check_columns(header: list[str], contract: FileContract, uri: str) -> None:
    missing = [c for c in contract.required_columns if c not in header]
    twice = sorted({c for c in contract.required_columns if header.count(c) > 1})
    if not missing and not twice:
        return
    found = ", ".join(header) if header else "no columns"
    if missing:
        problem = f"missing required column(s) {', '.join(missing)}"
    else:
        problem = f"column(s) {', '.join(twice)} appear more than once in the header"
    hints = []
    lowered = {h.lower(): h for h in header}
    near = [f"{lowered[m.lower()]!r} for {m!r}" for m in missing if m.lower() in lowered]
    if near:
        hints.append(f"names are case-sensitive (found {', '.join(near)})")
    if len(header) == 1 and any(d in header[0] for d in ";\t|"):
        hints.append("the header is one column: the file must be comma-separated")
    hint = f" Note: {'; '.join(hints)}." if hints else ""
    raise RawFileError(
        f"{uri}: {problem}. Expected the header to hold "
        f"{', '.join(contract.required_columns)} (more columns are fine); it holds: {found}.{hint}"
    )


def inspect_file(
    local: Path | RawSource, uri: str, contract: FileContract, limits: Limits | None = None
) -> FileShape:
    """Every whole-file check: not empty, UTF-8 throughout, a header with the required columns
    (and at most ``limits.max_columns``)."""
    limits = limits or Limits()
    source = as_source(local, uri)
    size = source.size
    with source.open() as fh:  # the header and the first rows, read once
        head = fh.read(max(SAMPLE_BYTES, limits.max_record_bytes + 2))
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise RawFileError(f"{uri}: the file is {what}; expected a plain UTF-8 CSV file.")
    empty = (
        f"{uri}: the file is empty; expected a CSV header "
        f"({', '.join(contract.required_columns)}) and data rows."
    )
    if size == 0:
        raise RawFileError(empty)
    counts, trailing = _count_lines(source, uri, limits.max_record_bytes)
    lines = counts.newlines - trailing + 1
    header = read_header(head, uri, limits)
    if not any(header):
        if lines > 1:
            raise RawFileError(
                f"{uri}: the first line is empty; expected the CSV header "
                f"({', '.join(contract.required_columns)}) on line 1."
            )
        raise RawFileError(empty)
    check_columns(header, contract, uri)
    check_row_widths(head, header, uri)
    if lines <= 1 and not contract.optional:
        raise RawFileError(
            f"{uri}: the file has a header but no data rows; expected at least one row "
            f"(an empty export would empty {contract.table})."
        )
    return FileShape(
        header=header,
        lines=lines,
        size=size,
        quoted=counts.quoted,
        line_ends=counts.line_ends,
        lone_cr=counts.cr != counts.crlf,
        blank=counts.blank > max(trailing - 1, 0),
        long_line=counts.long_line,
    )


# ---------------------------------------------------------------------------------------------
# all the files of a run


def _not_found(raw: RawFile, contract: FileContract) -> RawFileError:
    root = raw.uri[: -len(contract.path) - 1] if raw.uri.endswith(contract.path) else raw.uri
    hint = ""
    if "://" not in root and not Path(root).is_dir():
        hint = f" (the folder {root} does not exist)"
    return RawFileError(
        f"{raw.uri}: required file not found. Expected {contract.path} under raw_uri = "
        f"{root}{hint}: the layout of README 'Raw input and ingestion'. Point raw_uri at the "
        "right place with --params=raw_uri=<folder or s3://bucket/prefix>."
    )


def check_raw_files(
    files: dict[str, RawFile], limits: Limits | None = None
) -> dict[str, tuple[RawSource, FileShape]]:
    """Every file located and checked whole, before any is parsed.

    ``files`` maps a contract name to where its file is expected. Returns the source and shape
    of each present file; raises one error that lists every unusable file (a storage fault
    stops at once: every file would hit it).
    """
    located: dict[str, tuple[RawSource, FileShape]] = {}
    faults: list[str] = []
    for name, raw in files.items():
        contract = CONTRACTS_BY_NAME[name]
        try:
            info = locate(raw.uri, raw.storage_options)
            if info is None:
                if raw.optional:
                    logger.info("%s: absent; optional, %s will be empty", raw.uri, contract.table)
                    continue
                raise _not_found(raw, contract)
            source = source_at(raw.uri, raw.storage_options, int(info.get("size") or 0))
            located[name] = (source, inspect_file(source, raw.uri, contract, limits))
        except StorageError as exc:
            raise RawFileError(
                f"{exc} Nothing was loaded; the RAW tables are as they were."
            ) from exc
        except RawFileError as exc:
            faults.append(str(exc))
    if len(faults) == 1:
        raise RawFileError(f"{faults[0]} Nothing was loaded; the RAW tables are as they were.")
    if faults:
        listed = "\n".join(f"  - {fault}" for fault in faults)
        raise RawFileError(
            f"{len(faults)} raw files are unusable, so nothing was loaded and the RAW tables are "
            f"as they were:\n{listed}"
        )
    return located
