"""Run ``dbt build`` as a subprocess, stream its log, and read what it reports.

dbt runs out of process so that its own dependency pins and global state stay out of the Kedro
process; the warehouse location reaches dbt's profile through environment variables.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)
dbt_logger = logging.getLogger("dbt")


class DbtBuildError(RuntimeError):
    """dbt ran, and a model or a test failed."""


class DbtCrashError(RuntimeError):
    """dbt itself failed (exit code 2): bad project, profile or connection."""


@dataclass
class DbtResult:
    unique_id: str
    status: str
    seconds: float
    message: str | None = None
    rows: int | None = None
    failures: int | None = None

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.unique_id.split(".")[-1] if self.resource_type != "test" else self.unique_id.split(".")[2]

    @property
    def failed(self) -> bool:
        return self.status in ("error", "fail", "runtime error")


@dataclass
class DbtRun:
    command: list[str]
    returncode: int
    seconds: float
    results: list[DbtResult] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "command": " ".join(self.command),
            "returncode": self.returncode,
            "seconds": round(self.seconds, 3),
            "results": {r.unique_id: {"status": r.status, "seconds": round(r.seconds, 3),
                                      "rows": r.rows, "message": r.message} for r in self.results},
        }


def _dbt_executable() -> str:
    local = Path(sys.executable).with_name("dbt")
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(
    args: list[str],
    *,
    project_dir: str | Path,
    target: str,
    env: dict[str, str] | None = None,
    profiles_dir: str | Path | None = None,
    target_path: str | Path | None = None,
) -> DbtRun:
    """Run one dbt command; raise with every failing node if it failed."""
    project_dir = Path(project_dir).resolve()
    profiles_dir = Path(profiles_dir).resolve() if profiles_dir else project_dir
    command = [
        _dbt_executable(), *args,
        "--project-dir", str(project_dir),
        "--profiles-dir", str(profiles_dir),
        "--target", target,
    ]
    run_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})}
    if target_path:
        run_env["DBT_TARGET_PATH"] = str(Path(target_path).resolve())
    target_dir = Path(run_env.get("DBT_TARGET_PATH") or project_dir / "target")
    results_file = target_dir / "run_results.json"
    results_file.unlink(missing_ok=True)

    logger.info("Running %s", " ".join(command[1:]))
    started = time.monotonic()
    with subprocess.Popen(
        command, cwd=project_dir, env=run_env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    ) as proc:
        tail: list[str] = []
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                dbt_logger.info(line)
                tail = (tail + [line])[-40:]
        returncode = proc.wait()
    run = DbtRun(command, returncode, time.monotonic() - started, _read_results(results_file))
    _log_summary(run)
    if returncode == 0:
        return run
    failing = [r for r in run.results if r.failed]
    if returncode == 1 and failing:
        lines = "\n".join(f"  - {r.resource_type} {r.name}: {r.status}: {r.message}" for r in failing)
        raise DbtBuildError(
            f"dbt {args[0]} failed: {len(failing)} model(s)/test(s) did not pass, so nothing "
            f"downstream ran:\n{lines}"
        )
    raise DbtCrashError(
        f"dbt {args[0]} crashed (exit code {returncode}) before finishing its work; its last "
        "lines were:\n" + "\n".join(tail[-15:])
    )


def _read_results(path: Path) -> list[DbtResult]:
    if not path.exists():
        return []
    payload = json.loads(path.read_text())
    results = []
    for item in payload.get("results", []):
        response = item.get("adapter_response") or {}
        results.append(
            DbtResult(
                unique_id=item["unique_id"],
                status=str(item.get("status")),
                seconds=float(item.get("execution_time") or 0.0),
                message=item.get("message"),
                rows=response.get("rows_affected"),
                failures=item.get("failures"),
            )
        )
    return results


def _log_summary(run: DbtRun) -> None:
    if not run.results:
        return
    for r in run.results:
        rows = f", {r.rows} rows" if r.rows not in (None, -1) else ""
        logger.info("dbt %-5s %-55s %-7s %6.2f s%s", r.resource_type, r.name, r.status, r.seconds, rows)
    by_status: dict[str, int] = {}
    for r in run.results:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    logger.info(
        "dbt finished in %.1f s: %s",
        run.seconds,
        ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())),
    )
