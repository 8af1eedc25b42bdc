"""dbt's manifest of the project, for the pipeline to be made of dbt's DAG (:mod:`.dag`).

The pipeline is made when Kedro starts, before any dbt command of the run: a ``dbt parse``
then would keep the run waiting for dbt's import and parse. So the manifest is the
``manifest.json`` that dbt itself left in a target folder (every dbt command writes one: the
last run's, or the one the image bakes) if no file of the project changed since it was
written. Only on a fresh clone, or after the project changed, does ``dbt parse`` run first.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from .artifacts import read_json, target_dir
from .invocation import run_dbt
from .results import DbtCrashError

logger = logging.getLogger(__name__)

# Files whose change can change the manifest (profiles.yml does not: the DAG is the same on
# every target).
_PROJECT_GLOBS = (
    "dbt_project.yml",
    "selectors.yml",
    "packages.yml",
    "dependencies.yml",
    "models/**/*",
    "macros/**/*",
    "tests/**/*",
    "seeds/**/*",
    "snapshots/**/*",
    "analyses/**/*",
)


def load_manifest(
    project_dir: str | Path,
    *,
    profiles_dir: str | Path | None = None,
    target_path: str | Path | None = None,
) -> dict[str, Any]:
    """dbt's manifest of the project as it is on disk, parsing the project only when needed."""
    project_dir = Path(project_dir).resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        raise DbtCrashError(f"no dbt project in {project_dir} (dbt_project.yml not found)")
    writable = target_dir(project_dir, target_path)
    return _left_by_dbt(project_dir, writable) or _parse(project_dir, profiles_dir, writable)


def _left_by_dbt(project_dir: Path, writable: Path) -> dict[str, Any]:
    """A manifest dbt wrote after the project's last change, or ``{}``.

    Looked for where this run's dbt writes, in ``<project>/target``, and beside the partial
    parse state that $DBT_PARTIAL_PARSE_FILE_PATH points to (where the image bakes its parse).
    """
    folders = [writable, project_dir / "target"]
    if os.environ.get("DBT_PARTIAL_PARSE_FILE_PATH"):
        folders.append(Path(os.environ["DBT_PARTIAL_PARSE_FILE_PATH"]).parent)
    for folder in dict.fromkeys(folders):
        manifest = folder / "manifest.json"
        if manifest.is_file() and not project_is_newer_than(project_dir, manifest):
            payload = read_json(manifest)
            if payload.get("nodes"):
                return payload
    return {}


def _parse(project_dir: Path, profiles_dir: str | Path | None, writable: Path) -> dict[str, Any]:
    """``dbt parse`` (offline, ``local`` target); its manifest then serves the next runs."""
    logger.info("Parsing the dbt project in %s (no up-to-date manifest.json)", project_dir)
    run = run_dbt(
        ["parse"],
        project_dir=project_dir,
        target="local",
        profiles_dir=profiles_dir,
        target_path=writable,
    )
    run.raise_for_failures()
    payload = read_json(writable / "manifest.json")
    if not payload.get("nodes"):
        raise DbtCrashError(f"dbt parse wrote no manifest.json into {writable}")
    return payload


def project_is_newer_than(project_dir: Path, artifact: Path) -> bool:
    """True when a file of the dbt project changed after ``artifact`` was written."""
    written = artifact.stat().st_mtime_ns
    files = (p for pattern in _PROJECT_GLOBS for p in project_dir.glob(pattern) if p.is_file())
    return any(path.stat().st_mtime_ns > written for path in files)
