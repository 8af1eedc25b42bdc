"""The dbt worker: one child process that imports dbt once and runs the dbt commands it is sent.

dbt runs out of this process so that its global state (flags, adapters, working directory,
logging) stays out of Kedro's. A plain ``dbt`` process per command would do, but importing dbt
and the Snowflake adapter costs about 3.4 s per process (the benchmark's
``process_and_dbt_imports``): the worker, ``python -m netflix_pipeline.dbt_bridge.worker
--serve``, pays it once per run, and ``kedro run`` starts it before Kedro reads its
configuration, so that the import overlaps Kedro's start-up and the load.

Each command runs through dbt's documented programmatic entry point (``dbtRunner``), one at a
time, with the command's own environment and folder, as the ``dbt`` CLI would run it.

The protocol, one JSON request per line on the worker's stdin: ``{"args", "env", "cwd", "key",
"preparse"}``. The worker answers with dbt's output lines, then a line starting with ``_DONE``
and holding the exit code. It reads until its stdin closes: when this process ends, however it
ends, the worker exits after the command it is running, if any.

Nothing outside this module knows that the worker exists: :func:`start`, :func:`parse`,
:func:`run` and :func:`stop` are all the rest of the bridge calls.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
# Never handed to dbt's process: the private key's text. The key reaches dbt as a file
# (SNOWFLAKE_PRIVATE_KEY_PATH); an environment variable is copied into every child and its
# /proc/<pid>/environ.
WITHHELD_FROM_DBT = frozenset({"SNOWFLAKE_PRIVATE_KEY"})


def dbt_environ(**extra: str) -> dict[str, str]:
    """This process's environment for dbt, without what is withheld from it, plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if k not in WITHHELD_FROM_DBT}, **extra}


# What the profile reads only to hand to the warehouse at login, and what changes every run: the
# query tag (profiles.yml), which names the run's sessions. dbt keys its partial-parse cache on
# the profile's connection settings, these included, so a parse that saw them would find the
# cache stale at every run and parse the whole project again (seconds of CPU). The parse at the
# start of the run leaves them out; the builds, which log in with them, reuse that parse.
SESSION_ONLY = frozenset({"DBT_QUERY_TAG"})

_DONE = "\x1edbt-worker-done "  # the worker's last line for a command: its exit code


class _Worker:
    """The dbt worker process of this Python process, started on first use."""

    lock = threading.Lock()
    current: _Worker | None = None

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.pending = 0  # parse answers not read yet
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "netflix_pipeline.dbt_bridge.worker", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            # dbt's lines reach the log as dbt writes them, not when its command ends.
            env=dbt_environ(PYTHONUNBUFFERED="1"),
            preexec_fn=_interrupt_with_parent if sys.platform.startswith("linux") else None,
        )

    @classmethod
    def get(cls) -> _Worker:
        """The running worker, or a new one (also after a fork or a crash)."""
        worker = cls.current
        if worker is None or worker.owner != os.getpid() or worker.proc.poll() is not None:
            worker = cls.current = _Worker()
        return worker

    def send(self, request: Mapping[str, Any]) -> None:
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except OSError:
            pass  # it died: the next read reports how

    def drain(self) -> None:
        """Read the answers to earlier parse requests (their output is only for debugging)."""
        while self.pending:
            for line in self.proc.stdout:
                if line.startswith(_DONE):
                    logger.debug("dbt parse at the start of the run: %s", line[len(_DONE) :])
                    break
                logger.debug("dbt parse: %s", line.rstrip("\n"))
            self.pending -= 1

    def answer(self) -> Iterator[str | int]:
        """dbt's output lines for the command sent last, then its exit code."""
        for line in self.proc.stdout:
            if line.startswith(_DONE):
                done = json.loads(line[len(_DONE) :])
                if done.get("reused_manifest"):
                    logger.debug("dbt started from the manifest parsed at the start of the run")
                yield int(done["returncode"])
                return
            yield line.rstrip("\n")
        returncode = self.proc.wait()
        _Worker.current = None
        yield returncode if returncode not in (0, 1) else 2  # died mid-command: a crash

    def close(self) -> None:
        if self.proc.poll() is None:
            # Killed, not asked to exit: between commands it only waits for the next one (dbt
            # has written its artifacts and closed its connections), and a clean exit would
            # spend a fraction of a second tearing down dbt's imports.
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(OSError):
            self.proc.stdin.close()


def _request(
    command: Sequence[str], location: Sequence[str], env: Mapping[str, str], cwd: Path
) -> dict[str, Any]:
    # Commands with one key run on the same project and target: the worker may reuse a parse
    # between them (see _reusable).
    key = json.dumps([str(cwd), list(location)])
    return {"args": [*command, *location], "env": dict(env), "cwd": str(cwd), "key": key}


def start() -> None:
    """Start the worker now, so that importing dbt overlaps other work."""
    with _Worker.lock:
        _Worker.get()


def parse(location: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
    """Have the worker parse the project now and keep the manifest; returns at once.

    Every later command with the same ``location`` and ``cwd``, in an environment that agrees
    on what dbt reads, starts from that manifest instead of parsing again. What it buys: each
    of a run's builds skips dbt's own parse, about 0.3 s when dbt can parse partially and a
    full parse (seconds) when it cannot, and the one parse overlaps the load instead. The
    project's files must not change until the worker stops. A failed parse only means that
    those commands parse, and report, as usual.
    """
    env = {k: v for k, v in env.items() if k not in SESSION_ONLY}
    request = {**_request(["parse", "--quiet"], location, env, cwd), "preparse": True}
    with _Worker.lock:
        worker = _Worker.get()
        worker.send(request)
        worker.pending += 1


def run(
    command: Sequence[str], location: Sequence[str], env: Mapping[str, str], cwd: Path
) -> Iterator[str | int]:
    """Run ``dbt <command> <location>`` in ``cwd``; yield dbt's output lines, then its exit
    code (2 if the worker died during the command)."""
    with _Worker.lock:
        worker = _Worker.get()
        worker.drain()
        worker.send(_request(command, location, env, cwd))
        yield from worker.answer()


@atexit.register
def stop() -> None:
    """Stop this process's dbt worker, if it has one (end of a run; also at exit)."""
    # An interrupted run may have left a command's answer unread, its lock taken: the worker
    # is stopped all the same.
    locked = _Worker.lock.acquire(timeout=2)
    try:
        worker, _Worker.current = _Worker.current, None
    finally:
        if locked:
            _Worker.lock.release()
    if worker is not None and worker.owner == os.getpid():
        worker.close()


def interrupt(grace_seconds: float = 5.0) -> None:
    """Stop the command dbt is running: SIGINT, on which dbt cancels its statements in the
    warehouse and closes its connections, then the end of its input (the worker exits once
    dbt returns), then SIGKILL if it has not exited in time."""
    worker = _Worker.current
    if worker is None or worker.owner != os.getpid() or worker.proc.poll() is not None:
        return
    worker.proc.send_signal(signal.SIGINT)
    with contextlib.suppress(OSError):
        worker.proc.stdin.close()
    try:
        worker.proc.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        worker.proc.kill()
        worker.proc.wait()


def _interrupt_with_parent() -> None:  # pragma: no cover - runs in the child
    # Linux only: if this process dies without stopping dbt (SIGKILL, OOM), dbt gets SIGINT and
    # cancels its statements, instead of finishing its command for nobody.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG


def _serve() -> int:  # pragma: no cover - runs in the worker
    """The worker: one JSON command per stdin line, dbt's output on stdout, then _DONE."""
    # The worker starts with the run and imports and parses while the ingestion scans the raw
    # files, which keeps every core busy: at a lower priority it takes only what the scan
    # leaves, and the scan, which the builds wait for, is not slowed. Its commands later wait
    # for the warehouse most of the time, where the priority changes nothing.
    with contextlib.suppress(OSError):
        os.nice(10)
    # The Snowflake connector imports pandas whenever it is installed, for fetch_pandas_all,
    # which dbt never calls. Marked absent, it is not imported: a third of a second less before
    # the first build, and less memory.
    sys.modules.setdefault("pandas", None)
    # What the imports make, and later each parse's manifest, lives as long as the worker. The
    # imports and a parse make almost no garbage (their collections found next to none): they
    # run without the garbage collector (about 0.6 s of CPU less), and what they made is then
    # frozen, so that no full collection goes over it again (0.1-0.2 s each, some during the
    # builds the run waits for).
    gc.disable()
    import dbt.adapters.snowflake  # noqa: F401  the slow import, done before the first command
    from dbt.cli.main import dbtRunner

    gc.enable()
    gc.freeze()

    # manifests by project location, with the environment they were parsed in
    parsed: dict[str, tuple[Any, dict[str, str]]] = {}
    for line in sys.stdin:
        request = json.loads(line)
        note: dict[str, bool] = {}
        try:
            # Exactly the environment and folder a `dbt` process started for it would have.
            os.environ.clear()
            os.environ.update(request["env"])
            os.chdir(request["cwd"])
            if request.get("preparse"):
                gc.disable()
            try:
                returncode, note = _invoke(dbtRunner, request, parsed)
            finally:
                if not gc.isenabled():
                    gc.enable()
                    gc.freeze()
        except BaseException as exc:  # dbtRunner returns its errors: a missing folder, a bug
            print(f"Encountered an error: {exc!r}", flush=True)
            returncode = 2
        sys.stdout.flush()
        print(_DONE + json.dumps({"returncode": returncode, **note}), flush=True)
    return 0


def _invoke(
    runner: Any, request: Mapping[str, Any], parsed: dict[str, tuple[Any, dict[str, str]]]
) -> tuple[int, dict[str, bool]]:  # pragma: no cover - runs in the worker
    """Run one request; its exit code, and whether it parsed or reused a parse."""
    key = request["key"]
    if request.get("preparse"):
        parsed.pop(key, None)
        result = runner().invoke(request["args"])
        if result.success and result.result is not None:
            parsed[key] = (result.result, dict(request["env"]))
        note = {"parsed": key in parsed}
    else:
        manifest = _reusable(parsed.get(key), request["env"])
        note = {"reused_manifest": manifest is not None}
        result = runner(manifest=manifest).invoke(request["args"])
    if result.exception is not None:
        print(f"Encountered an error: {result.exception}", flush=True)
    return (0 if result.success else 2 if result.exception is not None else 1), note


def _reusable(entry: tuple[Any, dict[str, str]] | None, env: Mapping[str, str]) -> Any | None:
    """The manifest parsed earlier, if the environment still says what dbt read from it.

    That is every variable the project's files read (``env_var``, which dbt records in the
    manifest) and every ``DBT_*`` and ``SNOWFLAKE_*`` variable (flags, profile) but those of
    :data:`SESSION_ONLY`; the rest of the environment (a library's setting made since) does not
    matter to the manifest.
    """
    if entry is None:
        return None
    manifest, parsed_env = entry
    names = set(getattr(manifest, "env_vars", None) or {})
    names |= {n for n in {*parsed_env, *env} if n.startswith(("DBT_", "SNOWFLAKE_"))}
    names -= SESSION_ONLY
    return manifest if all(parsed_env.get(n) == env.get(n) for n in names) else None


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    sys.exit(_serve())
