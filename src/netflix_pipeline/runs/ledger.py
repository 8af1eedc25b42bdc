"""The run ledger: ``OPS.RUN_LEDGER`` in the warehouse, one row per run, and ``run.json``.

The row is inserted when the run first reaches the warehouse and updated as the run goes (each
step whose outputs the record keeps, then the end): an operator reads last night's runs with

    select RUN_ID, STATUS, STEP, STARTED_AT, ENDED_AT, MESSAGE
    from OPS.RUN_LEDGER order by STARTED_AT desc limit 10;

and everything the run did in ``RECORD`` (a VARIANT: ``RECORD:tables``, ``RECORD:published``).
The same record is written as ``run.json`` with the run's reports (:func:`write_run_json`).
"""

from __future__ import annotations

import json
import logging
import shutil
from typing import Any

from ..warehouse.schemas import OPS
from .record import RunRecord

logger = logging.getLogger(__name__)

LEDGER_TABLE = f"{OPS}.RUN_LEDGER"
_COLUMNS = (
    ("RUN_ID", "varchar"),
    ("ENV", "varchar"),
    ("PIPELINE", "varchar"),
    ("VERSION", "varchar"),
    ("BUILD", "varchar"),
    ("HOST", "varchar"),
    ("STARTED_AT", "timestamp_ntz"),
    ("ENDED_AT", "timestamp_ntz"),
    ("STATUS", "varchar"),
    ("STEP", "varchar"),
    ("MESSAGE", "varchar"),
    ("RECORD", "variant"),
)
_DDL = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
_MESSAGE_CHARS = 4000  # of the message kept in the MESSAGE column (the RECORD keeps it all)


def _ts(iso: str | None) -> str | None:
    return iso.replace("T", " ").split("+")[0] if iso else None


def _record_json(record: RunRecord) -> str:
    return json.dumps(record.data, default=str, ensure_ascii=False)


def start(cur: Any, record: RunRecord) -> None:
    """Create the ledger if needed and insert the run's row."""
    d = record.data
    cur.execute(f"create table if not exists {LEDGER_TABLE} ({_DDL})")
    cur.execute(
        f"insert into {LEDGER_TABLE} ({', '.join(name for name, _ in _COLUMNS)}) "
        "select %s, %s, %s, %s, %s, %s, %s::timestamp_ntz, null, %s, %s, null, parse_json(%s)",
        (
            d["run_id"],
            d["env"],
            d["pipeline"],
            d["version"],
            d["build"],
            d["host"],
            _ts(d["started_at"]),
            d["status"],
            d["step"],
            _record_json(record),
        ),
    )


def update(cur: Any, record: RunRecord) -> None:
    """Bring the run's row up to date with its record."""
    d = record.data
    message = (d["message"] or "")[:_MESSAGE_CHARS] or None
    cur.execute(
        f"update {LEDGER_TABLE} set STATUS = %s, STEP = %s, MESSAGE = %s, "
        "ENDED_AT = %s::timestamp_ntz, RECORD = parse_json(%s) where RUN_ID = %s",
        (d["status"], d["step"], message, _ts(d["ended_at"]), _record_json(record), d["run_id"]),
    )


def mark_dead(cur: Any, run_id: str, found_by: str) -> None:
    """A run whose lease expired unreleased: it died without recording its end."""
    cur.execute(
        f"update {LEDGER_TABLE} set STATUS = 'interrupted', MESSAGE = %s "
        "where RUN_ID = %s and STATUS = 'running'",
        (
            f"the run died without recording its end (killed, out of memory, or its node lost): "
            f"its warehouse lease expired unreleased and run {found_by} took it over",
            run_id,
        ),
    )


def write_run_json(record: RunRecord, reports_dir: str, latest_dir: str | None) -> list[str]:
    """``run.json`` in the run's reports folder; with ``latest_dir``, a copy there of every
    file the run wrote. Returns where run.json was written."""
    from fsspec.core import url_to_fs

    fs, folder = url_to_fs(reports_dir)
    fs.makedirs(folder, exist_ok=True)
    text = json.dumps(record.data, indent=2, default=str, ensure_ascii=False) + "\n"
    with fs.open(f"{folder}/run.json", "w") as fh:
        fh.write(text)
    written = [f"{reports_dir.rstrip('/')}/run.json"]
    if latest_dir:
        latest_fs, latest = url_to_fs(latest_dir)
        latest_fs.makedirs(latest, exist_ok=True)
        for path in fs.find(folder):
            name = path[len(folder.rstrip("/")) + 1 :]
            with fs.open(path, "rb") as src, latest_fs.open(f"{latest}/{name}", "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        written.append(f"{latest_dir.rstrip('/')}/run.json")
    return written
