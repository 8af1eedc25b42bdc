"""Run dbt out of process, relay its log, and read what it reports.

dbt runs in a child process so that its global state (flags, adapters, working directory,
logging) stays out of the Kedro process; the warehouse location reaches dbt's profile through
environment variables. Starting dbt costs seconds (importing dbt and the Snowflake adapter,
then parsing), so the child is a *worker*: ``python -m netflix_pipeline.dbt_bridge.runner --serve``
imports dbt once and runs each command it is sent through dbt's documented programmatic entry
point (``dbtRunner``), one at a time, with the command's own environment and folder, exactly
as the ``dbt`` CLI would. A run's two ``dbt build`` invocations therefore pay dbt's start-up
once, and its parse once too: :func:`preparse`, at the start of a run, has the worker parse the
project while the files are loaded and keep the manifest for the builds. It exits when the
Kedro process does, or at the end of a run.

dbt logs JSON lines (``--log-format json``), which are re-logged on the ``dbt`` logger at their
own level. Afterwards ``run_results.json`` says what each model and test did, and
``manifest.json`` (written by every dbt command, or by ``dbt parse`` alone) describes the
project: its models, their dependencies and the tests attached to each.

Outcomes, as the ``dbt`` CLI reports them:

* dbt could not do its work — a bad project or profile, an unreachable warehouse, a crash:
  exit code 2. :func:`run_dbt` raises :class:`DbtCrashError` with dbt's errors.
* dbt ran and a model, test or unit test failed: exit code 1. :func:`run_dbt` returns a
  :class:`DbtRun`; :meth:`DbtRun.raise_for_failures` raises :class:`DbtBuildError` listing
  every failing node with dbt's message.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
dbt_logger = logging.getLogger("dbt")

FAILED_STATUSES = ("error", "fail", "runtime error")
# dbt events that only announce work; their result line follows.
_QUIET_EVENTS = {"LogStartLine", "LogHookStartLine", "NodeStart", "Formatting"}
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
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


class DbtBuildError(RuntimeError):
    """dbt ran, and a model, a test or a unit test failed."""


class DbtCrashError(RuntimeError):
    """dbt itself failed (exit code 2): bad project, profile or connection."""


@dataclass(frozen=True)
class DbtResult:
    """One node of a dbt run: a model, a data test, a unit test, a seed..."""

    unique_id: str
    status: str
    seconds: float
    message: str | None = None
    failures: int | None = None
    relation: str | None = None
    attached_to: str | None = None  # the model a test is about (unique_id)
    rows: int | None = None

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        """dbt's display name: ``fct_movies``, ``unique_fct_movies_film_id``,
        ``fct_movies::first_movielens_link_and_missing_ratings``."""
        parts = self.unique_id.split(".")
        if self.resource_type == "unit_test":
            return f"{parts[2]}::{parts[-1]}"
        if self.resource_type == "test":
            return parts[2]
        if self.resource_type == "source":
            return ".".join(parts[2:])
        return parts[-1]

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    def as_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"status": self.status, "seconds": round(self.seconds, 3)}
        if self.rows is not None:
            record["rows"] = self.rows
        if self.failures is not None:
            record["failures"] = self.failures
        if (self.failed or self.status == "warn") and self.message:
            record["message"] = self.message.strip()
        return record


@dataclass(frozen=True)
class DbtRun:
    """What one dbt command did."""

    command: list[str]
    returncode: int
    seconds: float
    results: tuple[DbtResult, ...] = ()
    errors: tuple[str, ...] = field(default=(), repr=False)  # dbt's error-level log lines

    @property
    def failures(self) -> list[DbtResult]:
        return [r for r in self.results if r.failed]

    @property
    def display_command(self) -> str:
        return "dbt " + " ".join(self.command[1:])

    def built_relations(self) -> list[str]:
        """Relations of the models this run built successfully."""
        return [
            r.relation
            for r in self.results
            if r.resource_type == "model" and r.status == "success" and r.relation
        ]

    def with_rows(self, rows: Mapping[str, int]) -> DbtRun:
        """The run with each model's row count (keyed by relation name) filled in."""
        return replace(
            self,
            results=tuple(
                replace(r, rows=rows.get(r.relation.upper())) if r.relation else r
                for r in self.results
            ),
        )

    def raise_for_failures(self) -> None:
        """Raise :class:`DbtBuildError` listing every failing node, if dbt failed."""
        if self.returncode == 0 and not self.failures:
            return
        if self.failures:
            lines = "\n".join(_describe_failure(r) for r in self.failures)
            skipped = sum(r.status == "skipped" for r in self.results)
            raise DbtBuildError(
                f"{self.display_command} failed: {len(self.failures)} of {len(self.results)} "
                f"models/tests did not pass"
                + (f" ({skipped} downstream skipped)" if skipped else "")
                + f", so nothing downstream runs:\n{lines}"
            )
        raise DbtBuildError(
            f"{self.display_command} failed (exit code {self.returncode}) without a failing "
            "model or test:\n" + ("\n".join(self.errors[-15:]) or "(dbt logged no error)")
        )

    def summary(self) -> dict[str, Any]:
        """A JSON-able account of the run, grouped by model: status, rows, seconds and tests.

        ``models`` maps each model to its own result and those of the data tests and unit tests
        attached to it; ``other_tests`` holds the tests on sources.
        """
        models: dict[str, dict[str, Any]] = {}
        for r in self.results:
            if r.resource_type == "model":
                models[r.name] = {"unique_id": r.unique_id, "relation": r.relation, **r.as_dict()}
                models[r.name].update(tests={}, unit_tests={})
        other_tests: dict[str, Any] = {}
        for r in self.results:
            if r.resource_type not in ("test", "unit_test"):
                continue
            owner = (r.attached_to or "").split(".")[-1]
            kind = "tests" if r.resource_type == "test" else "unit_tests"
            if owner in models:
                models[owner][kind][r.name] = r.as_dict()
            else:
                other_tests[r.name] = r.as_dict()
        statuses: dict[str, int] = {}
        for r in self.results:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        return {
            "command": self.display_command,
            "returncode": self.returncode,
            "seconds": round(self.seconds, 3),
            "statuses": statuses,
            "models": models,
            "other_tests": other_tests,
        }


def _describe_failure(r: DbtResult) -> str:
    kind = {"test": "test", "unit_test": "unit test"}.get(r.resource_type, r.resource_type)
    about = f" (on {r.attached_to.split('.')[-1]})" if r.attached_to else ""
    message = (r.message or "").strip() or "no message"
    message = "\n      ".join(line.rstrip() for line in message.splitlines())
    return f"  - {kind} {r.name}{about}: {r.status}: {message}"


_DONE = "\x1edbt-worker-done "  # the worker's last line for a command: its exit code


class _Worker:
    """The dbt worker process of this Python process, started on first use.

    It reads commands from a pipe: when this process ends, however it ends, the pipe closes
    and the worker exits after the command it is running, if any.
    """

    _lock = threading.Lock()
    _current: _Worker | None = None

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.pending = 0  # preparse answers not read yet
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "netflix_pipeline.dbt_bridge.runner", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    @classmethod
    def get(cls) -> _Worker:
        """The running worker, or a new one (also after a fork or a crash)."""
        worker = cls._current
        if worker is None or worker.owner != os.getpid() or worker.proc.poll() is not None:
            worker = cls._current = _Worker()
        return worker

    def _send(self, request: dict[str, Any]) -> None:
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except OSError:
            pass  # it died: the next read reports how

    def preparse(self, invocation: Invocation) -> None:
        """Have the worker parse the project now; its answer is read before the next command."""
        self._send({**invocation.request(["parse", "--quiet"]), "preparse": True})
        self.pending += 1

    def _drain(self) -> None:
        """Read the answers to earlier preparse requests (their output is only for debugging)."""
        while self.pending:
            for line in self.proc.stdout:
                if line.startswith(_DONE):
                    logger.debug("dbt parse at the start of the run: %s", line[len(_DONE) :])
                    break
                logger.debug("dbt parse: %s", line.rstrip("\n"))
            self.pending -= 1

    def run(self, args: list[str], invocation: Invocation) -> Iterator[str | int]:
        """Send one command; yield dbt's output lines, then its exit code."""
        self._drain()
        self._send(invocation.request(args))
        for line in self.proc.stdout:
            if line.startswith(_DONE):
                done = json.loads(line[len(_DONE) :])
                if done.get("reused_manifest"):
                    logger.debug("dbt started from the manifest parsed at the start of the run")
                yield int(done["returncode"])
                return
            yield line.rstrip("\n")
        returncode = self.proc.wait()
        _Worker._current = None
        yield returncode if returncode not in (0, 1) else 2  # died mid-command: a crash

    def close(self) -> None:
        if self.proc.poll() is None:
            # Between commands it only waits for the next one: dbt has written its artifacts
            # and closed its connections, so nothing is lost by not waiting for the slow
            # teardown of its imports.
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(OSError):
            self.proc.stdin.close()


def prestart() -> None:
    """Start the dbt worker now, so that importing dbt overlaps other work (e.g. the load)."""
    with _Worker._lock:
        _Worker.get()


@atexit.register
def stop_worker() -> None:
    """Stop this process's dbt worker, if it has one (end of a run; also at exit)."""
    with _Worker._lock:
        worker, _Worker._current = _Worker._current, None
    if worker is not None and worker.owner == os.getpid():
        worker.close()


def _serve() -> int:  # pragma: no cover - runs in the worker
    """The worker: one JSON command per stdin line, dbt's output on stdout, then _DONE."""
    # The Snowflake connector imports pandas whenever it is installed, for fetch_pandas_all;
    # dbt never calls it. Marked absent, it is not imported: a third of a second less before
    # the first build.
    sys.modules.setdefault("pandas", None)
    import dbt.adapters.snowflake  # noqa: F401  the slow import, done before the first command
    from dbt.cli.main import dbtRunner

    # manifests by project location, with the environment they were parsed in
    parsed: dict[str, tuple[Any, dict[str, str]]] = {}
    for line in sys.stdin:
        request = json.loads(line)
        note: dict[str, bool] = {}
        try:
            os.environ.clear()
            os.environ.update(request["env"])
            os.chdir(request["cwd"])
            key = request["key"]
            if request.get("preparse"):
                parsed.pop(key, None)
                result = dbtRunner().invoke(request["args"])
                if result.success and result.result is not None:
                    parsed[key] = (result.result, dict(request["env"]))
                note = {"parsed": key in parsed}
            else:
                manifest = _reusable(parsed.get(key), request["env"])
                note = {"reused_manifest": manifest is not None}
                result = dbtRunner(manifest=manifest).invoke(request["args"])
            returncode = 0 if result.success else 2 if result.exception is not None else 1
            if result.exception is not None:
                print(f"Encountered an error: {result.exception}", flush=True)
        except BaseException as exc:  # dbtRunner returns its errors: a missing folder, a bug
            print(f"Encountered an error: {exc!r}", flush=True)
            returncode = 2
        sys.stdout.flush()
        print(_DONE + json.dumps({"returncode": returncode, **note}), flush=True)
    return 0


def _reusable(entry: tuple[Any, dict[str, str]] | None, env: Mapping[str, str]) -> Any | None:
    """The manifest parsed earlier, if the environment still says what dbt read from it.

    That is every variable the project's files read (``env_var``, which dbt records in the
    manifest) and every ``DBT_*`` and ``SNOWFLAKE_*`` variable (flags, profile); the rest of
    the environment (a library's setting made since) does not matter to the manifest.
    """
    if entry is None:
        return None
    manifest, parsed_env = entry
    names = set(getattr(manifest, "env_vars", None) or {})
    names |= {n for n in {*parsed_env, *env} if n.startswith(("DBT_", "SNOWFLAKE_"))}
    return manifest if all(parsed_env.get(n) == env.get(n) for n in names) else None


def _resolve(path: str | Path, base: Path) -> Path:
    path = Path(path)
    return path if path.is_absolute() else base / path


def target_dir(project_dir: str | Path, target_path: str | Path | None = None) -> Path:
    """Where dbt writes its artifacts: ``target_path``, else $DBT_TARGET_PATH, else
    ``<project>/target`` (relative paths are relative to the project, as in dbt)."""
    project_dir = Path(project_dir).resolve()
    chosen = target_path or os.environ.get("DBT_TARGET_PATH") or "target"
    return _resolve(chosen, project_dir)


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
            **os.environ,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_LOG_FORMAT": "json",
            "DBT_USE_COLORS": "false",
            "DBT_TARGET_PATH": str(artifacts),
            **(env or {}),
        }
        if log_path:
            run_env["DBT_LOG_PATH"] = str(_resolve(log_path, project_dir))
        return cls(project_dir, (*location, "--target", target), run_env, artifacts)

    @property
    def key(self) -> str:
        """Commands with one key run on the same project and target; the worker reuses a
        manifest between them while the environment dbt reads is the same."""
        return json.dumps([str(self.project_dir), self.location])

    def request(self, args: list[str]) -> dict[str, Any]:
        """The worker's request for ``dbt <args>`` here."""
        return {
            "args": [*args, *self.location],
            "env": dict(self.env),
            "cwd": str(self.project_dir),
            "key": self.key,
        }


def preparse(**location: Any) -> None:
    """Parse the project in the worker now, while the run does other work.

    ``location``: the keyword arguments of :func:`run_dbt` (project, target, environment…).

    The worker keeps the manifest, and every later command with the same project and target,
    in an environment that agrees on what dbt reads (the run's two builds), starts from it
    instead of parsing again: the project's files must not change until the worker stops (the
    end of the run stops it). Returns at once; a failed parse only means that the builds
    parse, and report, as usual.
    """
    invocation = Invocation.of(**location)
    with _Worker._lock:
        _Worker.get().preparse(invocation)


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
    artifacts = invocation.artifacts
    results_file = artifacts / "run_results.json"
    results_file.unlink(missing_ok=True)

    logger.info("Running %s", " ".join(command))
    started = time.monotonic()
    errors: list[str] = []
    tail: list[str] = []
    returncode = 2
    with _Worker._lock:
        for item in _Worker.get().run(list(args), invocation):
            if isinstance(item, int):
                returncode = item
                continue
            message, level = _relay(item)
            if message:
                tail = (tail + [message])[-20:]
                if level >= logging.ERROR or message.startswith("Encountered an error"):
                    errors.append(message)
    seconds = time.monotonic() - started
    if returncode not in (0, 1):
        why = "was killed" if returncode < 0 else f"crashed (exit code {returncode})"
        details = "\n".join(errors[-15:] or tail[-15:])
        raise DbtCrashError(
            f"dbt {args[0]} {why} before it could finish its work (a bad project or profile, "
            f"an unreachable warehouse, or a bug in dbt); this is not a failing test. dbt said:"
            f"\n{details}"
        )
    manifest = _read_json(artifacts / "manifest.json")
    results = _read_results(results_file, manifest)
    return DbtRun(command, returncode, seconds, results, tuple(errors))


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


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _read_results(path: Path, manifest: Mapping[str, Any]) -> tuple[DbtResult, ...]:
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    results = []
    for item in _read_json(path).get("results", []):
        uid = item["unique_id"]
        node = nodes.get(uid, {})
        attached = node.get("attached_node") or (
            (node.get("depends_on") or {}).get("nodes", [None])[-1]
            if uid.startswith("unit_test.")
            else None
        )
        results.append(
            DbtResult(
                unique_id=uid,
                status=str(item.get("status")),
                seconds=float(item.get("execution_time") or 0.0),
                message=item.get("message"),
                failures=item.get("failures"),
                relation=item.get("relation_name"),
                attached_to=attached,
            )
        )
    return tuple(results)


def log_summary(run: DbtRun) -> None:
    """One line per model (status, rows, seconds, and how its tests went), a line per failing
    or warning test with dbt's message, the other tests at debug level, then the totals."""
    summary = run.summary()
    width = max((len(name) for name in summary["models"]), default=0)
    for name, model in summary["models"].items():
        rows = f"{model['rows']:>9} rows" if "rows" in model else " " * 14
        checks = {**model["tests"], **model["unit_tests"]}
        failing = model["status"] in FAILED_STATUSES or any(
            c["status"] in FAILED_STATUSES for c in checks.values()
        )
        logger.log(
            logging.WARNING if failing else logging.INFO,
            "dbt model %-*s %-8s %s %6.2f s  tests: %s",
            width,
            name,
            model["status"],
            rows,
            model["seconds"],
            _tally(checks),
        )
    if summary["other_tests"]:
        logger.info("dbt tests of sources or earlier models: %s", _tally(summary["other_tests"]))
    for r in run.results:
        if r.resource_type not in ("test", "unit_test"):
            continue
        kind = "unit test" if r.resource_type == "unit_test" else "test"
        if r.failed or r.status == "warn":
            first_line = next((ln for ln in (r.message or "").splitlines() if ln.strip()), "")
            logger.warning("dbt %s %s: %s %s", kind, r.name, r.status, first_line.strip())
        else:
            logger.debug("dbt %s %s: %s in %.2f s", kind, r.name, r.status, r.seconds)
    logger.info(
        "%s finished in %.1f s: %s",
        run.display_command.split(" --project-dir")[0],
        run.seconds,
        ", ".join(f"{n} {s}" for s, n in sorted(summary["statuses"].items())) or "nothing to do",
    )


def _tally(checks: Mapping[str, Mapping[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for check in checks.values():
        counts[check["status"]] = counts.get(check["status"], 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"


def count_rows(cursor: Any, relations: Iterable[str]) -> dict[str, int]:
    """Row counts of relations in one query (Snowflake answers table counts from metadata).

    Returns ``{RELATION NAME (upper case): rows}``; an empty dict if the query fails, since
    the counts only inform the log.
    """
    relations = sorted({r.upper() for r in relations})
    if not relations:
        return {}
    sql = "\nunion all\n".join(
        f"select '{r}' as relation_name, count(*) as row_count from {r}" for r in relations
    )
    try:
        cursor.execute(sql)
        return {str(name): int(n) for name, n in cursor.fetchall()}
    except Exception as exc:  # counts are informative only; never fail a run on them
        logger.debug("Could not count rows of dbt models: %s", exc)
        return {}


def project_is_newer_than(project_dir: Path, artifact: Path) -> bool:
    """True when a file of the dbt project changed after ``artifact`` was written."""
    written = artifact.stat().st_mtime_ns
    return any(path.stat().st_mtime_ns > written for path in _project_files(project_dir))


def _project_files(project_dir: Path) -> list[Path]:
    files = {p for pattern in _PROJECT_GLOBS for p in project_dir.glob(pattern) if p.is_file()}
    return sorted(files)


def project_fingerprint(project_dir: Path) -> str:
    """A hash of every file that shapes the manifest, and of dbt's version."""
    digest = hashlib.sha256(importlib.metadata.version("dbt-core").encode())
    for path in _project_files(project_dir):
        digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def _manifest_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "netflix-pipeline" / "dbt-manifests"


def load_manifest(
    project_dir: str | Path,
    *,
    profiles_dir: str | Path | None = None,
    target_path: str | Path | None = None,
) -> dict[str, Any]:
    """dbt's manifest of the project as it is on disk, parsing the project only when needed.

    In order:

    1. the ``manifest.json`` dbt itself left in a target folder ($DBT_TARGET_PATH, then
       ``<project>/target``, then the folder of $DBT_PARTIAL_PARSE_FILE_PATH, where the image
       bakes its parse), if no file of the project changed since it was written;
    2. a manifest parsed earlier by this function for exactly these project files (by content
       hash, in ~/.cache/netflix-pipeline), so fresh clones and copies of an unchanged project
       do not parse again;
    3. ``dbt parse`` (offline, ``local`` target, some seconds), whose manifest is then cached.
    """
    project_dir = Path(project_dir).resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        raise DbtCrashError(f"no dbt project in {project_dir} (dbt_project.yml not found)")
    writable = target_dir(project_dir, target_path)
    folders = [writable, project_dir / "target"]
    if os.environ.get("DBT_PARTIAL_PARSE_FILE_PATH"):
        folders.append(Path(os.environ["DBT_PARTIAL_PARSE_FILE_PATH"]).parent)
    for folder in dict.fromkeys(folders):
        manifest = folder / "manifest.json"
        if manifest.is_file() and not project_is_newer_than(project_dir, manifest):
            payload = _read_json(manifest)
            if payload.get("nodes"):
                return payload

    cached = _manifest_cache() / f"manifest-{project_fingerprint(project_dir)}.json"
    payload = _read_json(cached)
    if payload.get("nodes"):
        return payload

    logger.info("Parsing the dbt project in %s (no up-to-date manifest.json)", project_dir)
    run = run_dbt(
        ["parse"],
        project_dir=project_dir,
        target="local",
        profiles_dir=profiles_dir,
        target_path=writable,
    )
    run.raise_for_failures()
    payload = _read_json(writable / "manifest.json")
    if not payload.get("nodes"):
        raise DbtCrashError(f"dbt parse wrote no manifest.json into {writable}")
    _store(cached, writable / "manifest.json")
    return payload


def _store(cached: Path, manifest: Path, keep: int = 5) -> None:
    """Copy a parsed manifest into the cache, keeping the newest few (best effort)."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(manifest, partial)
        partial.replace(cached)
        entries = sorted(cached.parent.glob("manifest-*.json"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-keep]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        logger.debug("Could not cache the dbt manifest in %s: %s", cached.parent, exc)


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    sys.exit(_serve())
