"""Running one dbt command as the ``dbt`` CLI would, its log relayed, its results read.

Where and how dbt runs (the project, the profile, the target, the environment) is an
:class:`Invocation`; the warehouse's location reaches dbt's profile through environment
variables. dbt logs JSON lines (``--log-format json``), which are re-logged on the ``dbt``
logger at their own level.

:func:`run_dbt` returns the run when dbt did its work (exit code 0 or 1: check
:meth:`~.results.DbtRun.raise_for_failures`) and raises :class:`~.results.DbtCrashError` when
it could not. :func:`start`, :func:`preparse` and :func:`stop` are the run's lifecycle: dbt
made ready early, the project parsed while the run does other work, and the end.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import worker
from .artifacts import read_results, resolve, target_dir
from .results import DbtCrashError, DbtRun
from .worker import dbt_environ

logger = logging.getLogger(__name__)
dbt_logger = logging.getLogger("dbt")

# dbt events that only announce work; their result line follows.
_QUIET_EVENTS = {"LogStartLine", "LogHookStartLine", "NodeStart", "Formatting"}
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}


def project_dir() -> str:
    """The dbt project: $DBT_PROJECT_DIR (dbt's own variable), else ``dbt`` in the project.

    The one source of the folder: the pipeline reads its models from there and the run's dbt
    commands run there.
    """
    return os.environ.get("DBT_PROJECT_DIR", "dbt")


def location_for(settings: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """The keyword arguments of :func:`run_dbt` and :func:`preparse` for a run's dbt settings
    (``params:dbt``) and the warehouse's environment for dbt.

    The builds and the parse at the start of the run share them: the builds reuse that parse
    only if they run with the same location and environment.
    """
    if "project_dir" in settings:
        raise ValueError(
            "dbt.project_dir is no longer a parameter: the pipeline reads the dbt project when "
            "Kedro starts, before parameters are read. Set $DBT_PROJECT_DIR instead."
        )
    return {
        "project_dir": project_dir(),
        "target": settings["target"],
        "env": env,
        "target_path": settings.get("target_path"),
        "log_path": settings.get("log_path"),
    }


@dataclass(frozen=True)
class Invocation:
    """Where and how dbt runs: the project, profile and target flags, the environment."""

    project_dir: Path
    location: tuple[str, ...]  # --project-dir … --profiles-dir … --target …
    env: Mapping[str, str]
    artifacts: Path

    @classmethod
    def of(
        cls,
        project_dir: str | Path,
        target: str,
        env: Mapping[str, str] | None = None,
        profiles_dir: str | Path | None = None,
        target_path: str | Path | None = None,
        log_path: str | Path | None = None,
    ) -> Invocation:
        project_dir = Path(project_dir).resolve()
        profiles_dir = Path(
            profiles_dir or os.environ.get("DBT_PROFILES_DIR") or project_dir
        ).resolve()
        location = ("--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir))
        artifacts = target_dir(project_dir, target_path)
        run_env = {
            **dbt_environ(),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_LOG_FORMAT": "json",
            "DBT_USE_COLORS": "false",
            "DBT_TARGET_PATH": str(artifacts),
            **(env or {}),
        }
        if log_path:
            run_env["DBT_LOG_PATH"] = str(resolve(log_path, project_dir))
        return cls(project_dir, (*location, "--target", target), run_env, artifacts)


def start() -> None:
    """Make dbt ready to run commands now: it takes seconds to import, which then overlap
    other work (Kedro's start-up, the load)."""
    worker.start()


def preparse(**location: Any) -> None:
    """Parse the project now, while the run does other work; returns at once.

    ``location``: the keyword arguments of :func:`run_dbt` (project, target, environment…).
    Later commands with the same location and an environment that agrees on what dbt reads
    (the run's two builds) start from that parse: the project's files must not change until
    :func:`stop`. A failed parse only means that those commands parse, and report, as usual.
    """
    invocation = Invocation.of(**location)
    worker.parse(invocation.location, invocation.env, invocation.project_dir)


def stop() -> None:
    """Release what :func:`start` and :func:`preparse` hold (the end of a run)."""
    worker.stop()


def interrupt() -> None:
    """Stop the dbt command under way, its statements cancelled (an interrupted run)."""
    worker.interrupt()


def run_dbt(
    args: list[str],
    *,
    project_dir: str | Path,
    target: str,
    env: Mapping[str, str] | None = None,
    profiles_dir: str | Path | None = None,
    target_path: str | Path | None = None,
    log_path: str | Path | None = None,
) -> DbtRun:
    """Run one dbt command and read its results.

    Returns the run when dbt did its work (exit code 0 or 1: check
    :meth:`DbtRun.raise_for_failures`); raises :class:`DbtCrashError` when it could not.
    ``target_path``/``log_path`` default to $DBT_TARGET_PATH/$DBT_LOG_PATH, then to dbt's own
    defaults inside the project, so a read-only image can point both at a writable folder.
    """
    invocation = Invocation.of(project_dir, target, env, profiles_dir, target_path, log_path)
    command = ["dbt", *args, *invocation.location]
    (invocation.artifacts / "run_results.json").unlink(missing_ok=True)

    logger.info("Running %s", " ".join(command))
    started = time.monotonic()
    output = worker.run(args, invocation.location, invocation.env, invocation.project_dir)
    returncode, errors, tail = _relay_all(output)
    seconds = time.monotonic() - started
    if returncode not in (0, 1):
        why = "was killed" if returncode < 0 else f"crashed (exit code {returncode})"
        details = "\n".join(errors[-15:] or tail[-15:])
        raise DbtCrashError(
            f"dbt {args[0]} {why} before it could finish its work (a bad project or profile, "
            f"an unreachable warehouse, or a bug in dbt); this is not a failing test. dbt said:"
            f"\n{details}"
        )
    results = read_results(invocation.artifacts)
    return DbtRun(command, returncode, seconds, results, tuple(errors))


def _relay_all(output: Iterable[str | int]) -> tuple[int, list[str], list[str]]:
    """Re-log dbt's output; its exit code, its error lines and its last lines."""
    errors: list[str] = []
    tail: list[str] = []
    returncode = 2
    for item in output:
        if isinstance(item, int):
            returncode = item
            continue
        message, level = _relay(item)
        if message:
            tail = (tail + [message])[-20:]
            if level >= logging.ERROR or message.startswith("Encountered an error"):
                errors.append(message)
    return returncode, errors, tail


def _relay(line: str) -> tuple[str, int]:
    """Re-log one line of dbt's output; return its message and level."""
    if not line:
        return "", logging.DEBUG
    try:
        event = json.loads(line)
        info = event["info"]
    except (ValueError, KeyError, TypeError):  # not a JSON log line: a traceback, a warning
        dbt_logger.info(line)
        return line, logging.INFO
    message = str(info.get("msg") or "").rstrip()
    level = _LEVELS.get(info.get("level"), logging.INFO)
    if not message.strip():
        return "", logging.DEBUG
    dbt_logger.log(logging.DEBUG if info.get("name") in _QUIET_EVENTS else level, message)
    return message, level
