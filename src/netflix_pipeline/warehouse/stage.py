"""The stage: where files are put for the warehouse to load into its tables.

A local folder behind an external stage on ``file://`` (the emulator reads it), or an ``s3://``
prefix behind an existing external stage (production, see ``dbt/setup/snowflake_setup.sql``):
the same SQL either way. A file is loaded whole with ``COPY INTO``, or, when some of its rows
stay out, by a query of the staged file (:meth:`StagedFile.insert_into`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from .schemas import RAW_LOAD


class LoadError(RuntimeError):
    """The warehouse did not load what was staged; nothing was replaced."""


@dataclass(frozen=True)
class StageSettings:
    """Where staged files are written and the warehouse stage that reads them.

    ``create``: the run creates the stage (a local folder) and ``file_format``, the named
    Parquet format a query of a staged file reads it with, rather than finding them made.
    """

    name: str = f"{RAW_LOAD}.LANDING_STAGE"
    uri: str = "data/02_intermediate/stage"
    create: bool = True
    file_format: str = f"{RAW_LOAD}.PARQUET_FORMAT"

    @classmethod
    def from_params(cls, params: dict) -> StageSettings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in dict(params).items() if k in known}
        if isinstance(values.get("create"), str):
            values["create"] = values["create"].strip().lower() in ("1", "true", "yes")
        return cls(**values)


def stage_url(stage: StageSettings) -> str:
    if "://" in stage.uri:
        return stage.uri.rstrip("/") + "/"
    return Path(stage.uri).resolve().as_uri() + "/"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_stage(cur: Any, stage: StageSettings) -> None:
    """Point the stage at its folder and make its file format, when the run owns them
    (``stage.create``)."""
    if stage.create:
        cur.execute(f"create or replace stage {stage.name} url = {_literal(stage_url(stage))}")
        cur.execute(f"create file format if not exists {stage.file_format} type = parquet")


def write_stage_file(stage: StageSettings, run_id: str, name: str, local: Path) -> str:
    """Put a local file at the stage location; returns its path relative to the stage.

    A stage on the local disk gets a hard link (no copy of a file of hundreds of megabytes)
    where the file system allows one; S3 gets an upload.
    """
    relative = f"{run_id}/{name}"
    fs, path = fsspec.core.url_to_fs(f"{stage.uri.rstrip('/')}/{relative}")
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    if not isinstance(fs, LocalFileSystem):
        fs.put_file(str(local), path)
        return relative
    try:
        os.link(local, path)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(local, path)
    return relative


def cleanup_stage(stage: StageSettings, run_id: str) -> None:
    fs, path = fsspec.core.url_to_fs(f"{stage.uri.rstrip('/')}/{run_id}")
    if fs.exists(path):
        fs.rm(path, recursive=True)


def copy_from_stage(
    cur: Any, table: str, stage: StageSettings, relative: str, expected_rows: int | None
) -> int:
    """``COPY INTO`` one staged Parquet file; checks that every row arrived."""
    folder, name = relative.rsplit("/", 1)
    result = cur.execute(
        f"copy into {table} from @{stage.name}/{folder}/ files = ({_literal(name)}) "
        "file_format = (type = parquet) match_by_column_name = case_insensitive force = true"
    ).fetchall()
    loaded = sum(int(row[3] or 0) for row in result if len(row) > 3)
    statuses = {str(row[1]).upper() for row in result if len(row) > 1}
    if (expected_rows is not None and loaded != expected_rows) or statuses - {"LOADED"}:
        raise LoadError(
            f"COPY INTO {table} from @{stage.name}/{relative} loaded {loaded} rows, expected "
            f"{expected_rows}: {result}. Nothing was replaced."
        )
    return loaded


@dataclass(frozen=True)
class StagedFile:
    """A Parquet file at the stage and the ``rows`` of it that load: all of them, or, with
    ``skip_marked``, those whose column of that name is null (the others are set aside), into
    ``columns`` (name, SQL type) of a table."""

    stage: StageSettings
    relative: str
    rows: int
    skip_marked: str | None = None
    columns: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"@{self.stage.name}/{self.relative}"

    def insert_into(self, cur: Any, table: str) -> int:
        """Load the rows into ``table``; checks their number.

        Every row: ``COPY INTO``, columns matched by name. Some: ``COPY INTO`` cannot filter,
        so an ``insert`` selects them from the staged file, each column read by name and cast
        to its type.
        """
        if not self.rows:  # nothing to load (an empty file, or an optional one that is absent)
            return 0
        if self.skip_marked is None:
            return copy_from_stage(cur, table, self.stage, self.relative, self.rows)
        names = ", ".join(name for name, _ in self.columns)
        values = ", ".join(f"$1:{name}::{sql_type}" for name, sql_type in self.columns)
        inserted = cur.execute(
            f"insert into {table} ({names}) select {values} from {self} "
            f"(file_format => {_literal(self.stage.file_format)}) "
            f"where $1:{self.skip_marked} is null"
        ).fetchone()[0]
        if inserted != self.rows:
            raise LoadError(
                f"insert into {table} from {self} inserted {inserted} rows, expected "
                f"{self.rows}. Nothing was replaced."
            )
        return inserted
