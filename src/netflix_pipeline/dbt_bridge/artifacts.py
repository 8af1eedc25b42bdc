"""dbt's artifacts: the folder dbt writes them to, and what they say.

Every dbt command writes ``manifest.json`` (the project: its models, their dependencies and
the tests attached to each) into its target folder; ``run_results.json`` says what each model
and test of the command did.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .results import DbtResult


def resolve(path: str | Path, base: Path) -> Path:
    """``path``, relative to ``base`` unless it is absolute (as dbt resolves its paths)."""
    path = Path(path)
    return path if path.is_absolute() else base / path


def target_dir(project_dir: str | Path, target_path: str | Path | None = None) -> Path:
    """Where dbt writes its artifacts: ``target_path``, else $DBT_TARGET_PATH, else
    ``<project>/target`` (relative paths are relative to the project, as in dbt)."""
    project_dir = Path(project_dir).resolve()
    chosen = target_path or os.environ.get("DBT_TARGET_PATH") or "target"
    return resolve(chosen, project_dir)


def read_json(path: Path) -> dict:
    """The artifact's content, or ``{}`` if dbt did not write it (or not completely)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def read_results(artifacts: Path) -> tuple[DbtResult, ...]:
    """The results of the last command that wrote to ``artifacts``, each test with its model."""
    manifest = read_json(artifacts / "manifest.json")
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    return tuple(
        _result(item, nodes.get(item["unique_id"], {}))
        for item in read_json(artifacts / "run_results.json").get("results", [])
    )


def _result(item: Mapping[str, Any], node: Mapping[str, Any]) -> DbtResult:
    uid = item["unique_id"]
    attached = node.get("attached_node") or (
        (node.get("depends_on") or {}).get("nodes", [None])[-1]
        if uid.startswith("unit_test.")
        else None
    )
    return DbtResult(
        unique_id=uid,
        status=str(item.get("status")),
        seconds=float(item.get("execution_time") or 0.0),
        message=item.get("message"),
        failures=item.get("failures"),
        relation=item.get("relation_name"),
        attached_to=attached,
    )
