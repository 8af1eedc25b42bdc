"""The run id: one name for a run in its log lines, its warehouse sessions, its files and its
record.

``20261203T020000Z-3f9a1c``: when the run started (UTC, so ids sort by time) and six random
hex digits. An id exists from the first moment something asks for it (the command line, a log
line, the configuration's ``${run_id:}``), so that the lines Kedro logs while it starts carry
the same id as the rest; :func:`begin` makes it the id of the run that starts, and the next run
in the same process gets a new one.
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import UTC, datetime

_lock = threading.Lock()
_pending: str | None = None  # asked for before its run began
_active: str | None = None
_last: str | None = None


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def current() -> str:
    """The id of the run under way, or of the run about to start."""
    global _pending
    with _lock:
        if _active:
            return _active
        if _pending is None:
            _pending = new_run_id()
        return _pending


def begin() -> str:
    """A run begins: the id asked for before it, else a new one."""
    global _pending, _active
    with _lock:
        _active, _pending = _pending or new_run_id(), None
        return _active


def end() -> None:
    """The run has ended: the next one gets a new id."""
    global _active, _last
    with _lock:
        _last, _active = _active or _last, None


def for_log() -> str:
    """The id a log line carries: the run's, the last run's once it has ended, else the id
    of the run about to start."""
    with _lock:
        known = _active or _pending or _last
    return known or current()


def install_log_field() -> None:
    """Every log record gets a ``run_id`` attribute (``%(run_id)s`` in a format, a field of
    the JSON lines). Installed once, as the project's settings are read."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_run_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.run_id = for_log()
        return record

    factory.adds_run_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
