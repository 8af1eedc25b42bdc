"""Bulk load of scanned raw files into the warehouse: stage, COPY INTO, check, swap.

For each file the landed text goes to a scratch table (``RAW_LOAD.<T>__LANDING``) with one
``COPY INTO`` from a stage; one SQL statement casts every value, applies the contract's checks
and ranks duplicate keys, giving the typed rows and the rejected ones with a reason. Only when
every file is within ``max_reject_rate`` are the ``RAW`` tables and ``RAW.REJECTED_ROWS``
replaced, all together, inside one transaction: a failure at any point leaves the previous
tables as they were, and the same input always gives the same tables.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import fsspec
import pandas as pd

from ..warehouse import Warehouse
from .contracts import KIND_DESCRIPTIONS, Column, FileContract
from .scan import REJECT_COLUMNS, ScannedFile

logger = logging.getLogger(__name__)

RAW_SCHEMA = "RAW"
LOAD_SCHEMA = "RAW_LOAD"
REJECTED_TABLE = "REJECTED_ROWS"

_INT = "[0-9]{1,18}"
_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"


class RejectRateError(RuntimeError):
    """A file has more faulty rows than the run accepts."""


@dataclass(frozen=True)
class StageSettings:
    """Where landed files are written and the warehouse stage that reads them.

    ``uri`` is a local folder (an external stage on ``file://`` is created for it, which the
    emulator reads) or an ``s3://`` prefix behind an existing external stage (production).
    """

    name: str = f"{LOAD_SCHEMA}.LANDING_STAGE"
    uri: str = "data/02_intermediate/stage"
    create: bool = True

    @classmethod
    def from_params(cls, params: dict) -> StageSettings:
        return cls(**params)


def _typed(col: Column, v: str) -> tuple[str, str]:
    """(typed expression, condition that the raw value is bad) for one column."""
    t = f"trim({v})"
    empty = f"({v} is null or {t} = '')"
    if col.kind in ("id", "optional_id", "epoch"):
        typed = f"iff(regexp_like({t}, '{_INT}'), try_cast({t} as bigint), null)"
        bad = f"({typed} is null or {typed} {'< 0' if col.kind == 'epoch' else '<= 0'})"
        if col.kind == "optional_id":
            bad = f"(not {empty} and {bad})"
        return typed, bad
    if col.kind == "rating":
        typed = f"iff(regexp_like({t}, '[0-9]([.][0-9]+)?'), try_cast({t} as number(4, 2)), null)"
        bad = f"({typed} is null or {typed} < 0.5 or {typed} > 5 or mod({typed} * 2, 1) <> 0)"
        return f"cast({typed} as number(2, 1))", bad
    if col.kind in ("money", "number", "count"):
        typed = f"try_to_double({t})"
        bad = f"{typed} is null"
        if col.kind in ("money", "count"):
            bad = f"({bad} or {typed} < 0)"
        if col.kind == "count":
            bad = f"({bad} or {typed} <> floor({typed}))"
            typed = f"cast({typed} as bigint)"
        return typed, f"(not {empty} and {bad})"
    if col.kind == "date":
        typed = f"iff(regexp_like({t}, '{_DATE}'), try_to_date({t}), null)"
        return typed, f"(not {empty} and {typed} is null)"
    if col.kind == "required_text":
        return v, empty
    return v, "false"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_sql(contract: FileContract, landing: str, checked: str) -> str:
    """The statement that builds the checked table: typed values plus ``_REASON``."""
    typed_cols, reasons, kinds = [], [], []
    for col in contract.columns:
        v = f"l.{col.target}"
        typed, bad = _typed(col, v)
        typed_cols.append(f"{typed} as {col.target}")
        label = f"{col.source}: expected {KIND_DESCRIPTIONS[col.kind]}"
        shifted = ""
        if col.kind in ("id", "optional_id") and contract.key == col.source:
            shifted = (
                f"when {bad} and regexp_like(trim({v}), '{_DATE}') then "
                f"'shifted row: {col.source} holds the date ' || {v}"
            )
        reasons.append(
            f"{shifted} when {bad} then {_quote(label + ', got ')} || "
            f"coalesce('''' || left({v}, 60) || '''', 'nothing')"
        )
        kinds.append(
            f"when {bad} then "
            + (
                f"iff(regexp_like(trim({v}), '{_DATE}'), 'shifted row', {_quote(label)})"
                if shifted
                else _quote(label)
            )
        )
    raw_line = " || ',' || ".join(f"coalesce(l.{c.target}, '')" for c in contract.columns)
    key = contract.column(contract.key).target if contract.key else None
    rank = (
        f"row_number() over (partition by {key} order by _LINE_NUMBER)" if key else "1"
    )
    first = f"min(_LINE_NUMBER) over (partition by {key})" if key else "null"
    dup_reason = (
        f"when {key} is not null and _KEY_RANK > 1 then "
        f"'duplicate {contract.key} ' || {key} || ' (kept the row at line ' || _KEY_FIRST_LINE || ')'"
        if key
        else ""
    )
    dup_kind = f"when {key} is not null and _KEY_RANK > 1 then 'duplicate {contract.key}'" if key else ""
    return f"""
        create or replace table {checked} as
        with typed as (
            select
                l._LINE_NUMBER,
                {", ".join(typed_cols)},
                case {" ".join(reasons)} end as _VALUE_REASON,
                case {" ".join(kinds)} end as _VALUE_KIND,
                {raw_line} as _RAW_LINE
            from {landing} as l
        ),
        ranked as (
            select *, {rank} as _KEY_RANK, {first} as _KEY_FIRST_LINE from typed
        )
        select
            *,
            case {dup_reason} when _VALUE_REASON is not null then _VALUE_REASON end as _REASON,
            case {dup_kind} when _VALUE_KIND is not null then _VALUE_KIND end as _REASON_KIND
        from ranked
    """


def _write_stage_file(stage: StageSettings, run_id: str, name: str, local: Path) -> str:
    """Copy a landed file to the stage location; returns the path relative to the stage."""
    relative = f"{run_id}/{name}"
    target = f"{stage.uri.rstrip('/')}/{relative}"
    fs, path = fsspec.core.url_to_fs(target)
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    fs.put_file(str(local), path)
    return relative


def copy_from_stage(cur, table: str, stage: StageSettings, relative: str, expected_rows: int | None) -> int:
    """``COPY INTO`` one staged Parquet file; checks that every row arrived."""
    folder, name = relative.rsplit("/", 1)
    result = cur.execute(
        f"copy into {table} from @{stage.name}/{folder}/ files = ({_quote(name)}) "
        "file_format = (type = parquet) match_by_column_name = case_insensitive force = true"
    ).fetchall()
    loaded = sum(int(row[3] or 0) for row in result if len(row) > 3)
    if expected_rows is not None and loaded != expected_rows:
        raise RuntimeError(
            f"COPY INTO {table} from {relative} loaded {loaded} rows, expected {expected_rows}: "
            f"{result}"
        )
    return loaded


def _stage_url(stage: StageSettings) -> str:
    if "://" in stage.uri:
        return stage.uri.rstrip("/") + "/"
    return Path(stage.uri).resolve().as_uri() + "/"


def _cleanup_stage(stage: StageSettings, run_id: str) -> None:
    target = f"{stage.uri.rstrip('/')}/{run_id}"
    fs, path = fsspec.core.url_to_fs(target)
    if fs.exists(path):
        fs.rm(path, recursive=True)


def _landing_ddl(contract: FileContract, table: str) -> str:
    cols = ", ".join(f"{c.target} varchar" for c in contract.columns)
    return f"create or replace table {table} (_LINE_NUMBER bigint, {cols})"


def load_raw_tables(
    scanned: list[ScannedFile],
    warehouse: Warehouse,
    *,
    stage: StageSettings,
    max_reject_rate: float,
    workdir: Path,
) -> dict:
    """Load every scanned file; replace the RAW tables together or not at all."""
    run_id = f"run-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    report: dict[str, dict] = {}
    conn = warehouse.connect()
    cur = conn.cursor()
    try:
        for schema in (RAW_SCHEMA, LOAD_SCHEMA):
            cur.execute(f"create schema if not exists {schema}")
        if stage.create:
            cur.execute(f"create or replace stage {stage.name} url = {_quote(_stage_url(stage))}")

        reject_frames = []
        for item in scanned:
            c = item.contract
            landing = f"{LOAD_SCHEMA}.{c.table}__LANDING"
            checked = f"{LOAD_SCHEMA}.{c.table}__CHECKED"
            typed = f"{LOAD_SCHEMA}.{c.table}"
            started = time.monotonic()
            cur.execute(_landing_ddl(c, landing))
            if item.present:
                relative = _write_stage_file(stage, run_id, f"{c.name}.parquet", item.parquet_path)
                copy_from_stage(cur, landing, stage, relative, item.records)
            cur.execute(check_sql(c, landing, checked))
            target_cols = ", ".join(["_LINE_NUMBER", *(col.target for col in c.columns)])
            cur.execute(
                f"create or replace table {typed} as select {target_cols} from {checked} "
                "where _REASON is null order by _LINE_NUMBER"
            )
            loaded, value_rejects = cur.execute(
                f"select coalesce(count_if(_REASON is null), 0), coalesce(count_if(_REASON is not null), 0) "
                f"from {checked}"
            ).fetchone()
            kinds = pd.DataFrame(
                cur.execute(
                    f"select _REASON_KIND, count(*) from {checked} where _REASON is not null "
                    "group by 1"
                ).fetchall(),
                columns=["kind", "rows"],
            )
            structural = item.rejects
            if len(structural):
                kinds = pd.concat(
                    [kinds, pd.DataFrame({"kind": ["malformed row (wrong number of columns)"],
                                          "rows": [len(structural)]})]
                )
            rejected = int(value_rejects) + len(structural)
            total = int(loaded) + rejected
            rate = rejected / total if total else 0.0
            top = kinds.groupby("kind")["rows"].sum().sort_values(ascending=False).head(3)
            report[c.name] = {
                "file": c.path,
                "uri": item.uri,
                "table": f"{RAW_SCHEMA}.{c.table}",
                "present": item.present,
                "rows_loaded": int(loaded),
                "rows_rejected": rejected,
                "reject_rate": rate,
                "top_reasons": {k: int(n) for k, n in top.items()},
                "seconds": round(item.seconds + time.monotonic() - started, 3),
            }
            logger.info(
                "%s: %d rows loaded, %d rejected (%.2f%%) in %.1f s",
                c.path, loaded, rejected, 100 * rate, report[c.name]["seconds"],
            )
            if rate > max_reject_rate:
                reasons = "; ".join(f"{k} ({n} rows)" for k, n in top.items())
                raise RejectRateError(
                    f"{item.uri}: {rate:.1%} of its {total} rows were rejected, more than "
                    f"ingest.max_reject_rate = {max_reject_rate:.1%}. Most common reasons: {reasons}. "
                    "Nothing was replaced: the previous RAW tables are intact. Fix the export or "
                    "raise the threshold with --params=ingest.max_reject_rate=<fraction>."
                )
            if len(structural):
                reject_frames.append(structural)
            reject_frames.append(
                pd.DataFrame(
                    cur.execute(
                        f"select {_quote(c.path)}, _LINE_NUMBER, _REASON, _RAW_LINE from {checked} "
                        "where _REASON is not null"
                    ).fetchall(),
                    columns=REJECT_COLUMNS,
                )
            )

        rejects = pd.concat(reject_frames, ignore_index=True) if reject_frames else None
        _build_rejects_table(cur, rejects, stage, run_id, workdir)

        # Publish every RAW table and the rejects together.
        cur.execute("begin")
        try:
            for item in scanned:
                t = item.contract.table
                cur.execute(f"create or replace table {RAW_SCHEMA}.{t} clone {LOAD_SCHEMA}.{t}")
            cur.execute(
                f"create or replace table {RAW_SCHEMA}.{REJECTED_TABLE} "
                f"clone {LOAD_SCHEMA}.{REJECTED_TABLE}"
            )
            cur.execute("commit")
        except Exception:
            cur.execute("rollback")
            raise
        for item in scanned:
            cur.execute(f"drop table if exists {LOAD_SCHEMA}.{item.contract.table}__LANDING")
    finally:
        conn.close()
        _cleanup_stage(stage, run_id)
    return report


def _build_rejects_table(cur, rejects: pd.DataFrame | None, stage, run_id: str, workdir: Path) -> None:
    table = f"{LOAD_SCHEMA}.{REJECTED_TABLE}"
    cur.execute(
        f"create or replace table {table} (SOURCE_FILE varchar, LINE_NUMBER bigint, "
        "REASON varchar, RAW_LINE varchar, STAGE varchar)"
    )
    if rejects is None or rejects.empty:
        return
    frame = rejects.assign(stage="ingest").rename(columns=str.upper)
    local = workdir / "rejected_rows.parquet"
    local.parent.mkdir(parents=True, exist_ok=True)
    frame.astype({"LINE_NUMBER": "int64"}).to_parquet(local, index=False)
    relative = _write_stage_file(stage, run_id, "rejected_rows.parquet", local)
    copy_from_stage(cur, table, stage, relative, len(frame))
