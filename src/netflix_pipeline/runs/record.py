"""What a run did, as one JSON document: the ledger row's ``RECORD`` and ``run.json``.

The record starts with who and what (run id, environment, pipeline, version, build, host) and
grows as the nodes hand over their outputs (:meth:`RunRecord.absorb`): the input files (size,
modification time, ETag where the storage gives one), the rows loaded and rejected per table,
dbt's summary of each build, the genre counts, what was published, the recommendation and the
Power BI refresh. :meth:`RunRecord.finish` adds the end, the status, the step it stopped at and
why.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

logger = logging.getLogger(__name__)

# Set in the image (Dockerfile: the git commit it was built from); else asked of git.
BUILD_ENV = "NETFLIX_PIPELINE_BUILD"


def package_version() -> str:
    try:
        return version("netflix-pipeline")
    except PackageNotFoundError:  # pragma: no cover - always installed
        return "unknown"


def build_id() -> str:
    """The image's build (its commit) or, in a checkout, the git commit; else ``unknown``."""
    if build := os.environ.get(BUILD_ENV):
        return build
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


def host_id() -> str:
    """Where the run runs: the pod's name in the cluster (its hostname), and the process."""
    return f"{os.environ.get('HOSTNAME') or socket.gethostname()}:{os.getpid()}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunRecord:
    """The record of one run, as a JSON-ready dict (:attr:`data`)."""

    def __init__(self, *, run_id: str, env: str, pipeline: str, query_tag: str, reports: str):
        self.data: dict[str, Any] = {
            "run_id": run_id,
            "env": env,
            "pipeline": pipeline,
            "version": package_version(),
            "build": build_id(),
            "host": host_id(),
            "query_tag": query_tag,
            "started_at": utc_now(),
            "ended_at": None,
            "status": "running",
            "step": None,
            "message": None,
            "exit_code": None,
            "reports": reports,
            "inputs": [],
            "tables": {},
            "dbt": {},
        }

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def step(self, node: str) -> None:
        self.data["step"] = node

    def absorb(self, outputs: dict[str, Any]) -> bool:
        """Take what the record keeps from a node's outputs; whether anything was taken."""
        taken = False
        for name, value in outputs.items():
            if (take := _TAKERS.get(name)) is not None:
                try:
                    take(self.data, value)
                    taken = True
                except Exception as exc:  # the record must never fail the run
                    logger.warning("The run record could not take %s: %s", name, exc)
        return taken

    def finish(self, status: str, exit_code: int, message: str | None) -> None:
        self.data.update(
            ended_at=utc_now(), status=status, exit_code=exit_code, message=message or None
        )


def _inputs(data: dict, scanned: list) -> None:
    from ..pipelines.ingestion.source import locate

    files = []
    for item in scanned:
        entry = {"file": item.contract.path, "uri": item.uri, "present": item.present}
        if item.present:
            info = locate(item.uri) or {}
            modified = info.get("LastModified") or info.get("mtime") or info.get("created")
            if isinstance(modified, (int, float)):
                modified = datetime.fromtimestamp(modified, UTC)
            entry.update(
                size=info.get("size"),
                modified=modified.isoformat(timespec="seconds") if modified else None,
                etag=str(info.get("ETag") or "").strip('"') or None,
            )
        files.append(entry)
    data["inputs"] = files


def _load_report(data: dict, report: dict) -> None:
    for entry in report.values():
        if isinstance(entry, dict) and entry.get("present", True):
            data["tables"][entry["table"]] = {
                "rows_loaded": entry["rows_loaded"],
                "rows_rejected": entry["rows_rejected"],
            }


def _dbt(which: str):
    def take(data: dict, summary: dict) -> None:
        data["dbt"][which] = {
            "command": summary["command"].split(" --project-dir")[0],
            "returncode": summary["returncode"],
            "seconds": summary["seconds"],
            "statuses": summary["statuses"],
            "models": {
                name: {"status": model["status"], "rows": model.get("rows")}
                for name, model in summary["models"].items()
            },
        }

    return take


def _genres(data: dict, summary: dict) -> None:
    data["genres"] = {k: v for k, v in summary.items() if isinstance(v, (int, float, str))}


def _published(data: dict, report: dict) -> None:
    data["published"] = {"schema": report["schema"], "tables": dict(report["tables"])}


def _insights(data: dict, insights: dict) -> None:
    data["recommendation"] = (insights.get("recommendation") or {}).get("genre")


def _powerbi(data: dict, refresh: dict) -> None:
    data["powerbi"] = refresh


_TAKERS = {
    "scanned_raw_files": _inputs,
    "raw_load_report": _load_report,
    "dbt_staging_results": _dbt("staging"),
    "dbt_marts_results": _dbt("marts"),
    "genre_summary": _genres,
    "insights": _insights,
    "publish_report": _published,
    "powerbi_refresh": _powerbi,
}
