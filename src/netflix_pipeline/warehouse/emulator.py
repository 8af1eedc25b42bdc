"""The local Snowflake emulator: a fakesnow server in a child process (:mod:`.emulator_server`).

This is the one module that knows the warehouse may be the emulator: how it starts and stops,
the port it listens on, what a connection to it needs, and what dbt's profile reads to reach it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from .errors import WarehouseError

logger = logging.getLogger(__name__)

EMULATOR_START_TIMEOUT_S = 60.0
# A file to which the server appends every login and statement (:mod:`.emulator_server`).
STATEMENT_LOG_ENV = "EMULATOR_STATEMENT_LOG"


def free_port(host: str = "127.0.0.1") -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def stable_port(host: str = "127.0.0.1") -> int:
    """A port derived from the working folder when it is free, else any free port.

    dbt keys its partial-parse cache on the profile, port included: the same port run after run
    lets it skip re-parsing the project. Two runs in one folder at once still get two ports.
    """
    port = 20000 + int(hashlib.sha1(os.getcwd().encode()).hexdigest(), 16) % 20000
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        # As the server binds (uvicorn sets SO_REUSEADDR): the previous run's connections,
        # left in TIME_WAIT on this port, must not push every second run to another port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return free_port(host)
    return port


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    # Linux only: the emulator is killed if the run dies without cleaning up (SIGKILL, OOM).
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    os.setsid()


class Emulator:
    """A fakesnow server in a child process on a loopback port."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
        answer_within: float | None = None,
    ) -> None:
        self.memory_limit = memory_limit
        self.threads = threads
        self.answer_within = answer_within  # see emulator_server.InProgress
        self.port: int | None = None
        self._process: subprocess.Popen | None = None
        self._tmp: str | None = None
        self._ready = False
        self._started_at = 0.0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def spill_dir(self) -> str | None:
        """Where DuckDB moves what is over its memory limit (while the server runs)."""
        return os.path.join(self._tmp, "spill") if self._tmp else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def spawn(self) -> None:
        """Start the server process without waiting for it to listen.

        Called from the main thread: Linux ties the parent-death signal to the thread that
        spawned the child, so a helper thread that ends would take the emulator with it.
        """
        if self.running:
            return
        self._started_at = time.monotonic()
        self.port = stable_port(self.host)
        command = [
            sys.executable,
            "-m",
            "netflix_pipeline.warehouse.emulator_server",
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]
        if statement_log := os.environ.get(STATEMENT_LOG_ENV):
            command += ["--statement-log", statement_log]
        self._ready = False
        # The server's files (what DuckDB moves out of memory, fakesnow's bucket for internal
        # stages) go in a folder of this run, removed when it stops: a killed server cannot
        # clean up after itself.
        self._tmp = tempfile.mkdtemp(prefix="netflix-emulator-")
        command += ["--spill-dir", self.spill_dir]
        if self.memory_limit:
            command += ["--memory-limit", str(self.memory_limit)]
        if self.threads:
            command += ["--threads", str(int(self.threads))]
        if self.answer_within is not None:
            command += ["--answer-within", str(self.answer_within)]
        self._process = subprocess.Popen(
            command,
            env={**os.environ, "TMPDIR": self._tmp},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )

    def start(self) -> None:
        """Spawn the server if needed and wait until it accepts connections."""
        if self.running and self._ready:
            return
        self.spawn()
        # Counted from the spawn, but never shorter than a few seconds from now: the emulator
        # is spawned when the run starts and may first be needed minutes later.
        deadline = max(self._started_at + EMULATOR_START_TIMEOUT_S, time.monotonic() + 5.0)
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace")[-2000:]
                self.stop()
                raise WarehouseError(f"the local Snowflake emulator exited at start-up:\n{err}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            raise WarehouseError(
                f"the local Snowflake emulator did not listen on {self.host}:{self.port} "
                f"within {EMULATOR_START_TIMEOUT_S:.0f} s"
            )
        self._ready = True
        # Drain stderr so a chatty server never blocks on a full pipe.
        threading.Thread(target=self._process.stderr.read, daemon=True).start()
        logger.info(
            "Local Snowflake emulator listening on %s:%s (started in %.1f s)",
            self.host,
            self.port,
            time.monotonic() - self._started_at,
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        tmp, self._tmp = self._tmp, None
        if process is not None and process.poll() is None:
            # Its data dies with it (the files are removed below): nothing to flush, no need
            # to wait for a graceful shutdown.
            process.kill()
            process.wait()
            logger.info("Local Snowflake emulator on port %s stopped", self.port)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    def connect_args(self) -> dict[str, Any]:
        """What ``snowflake.connector.connect`` needs to reach the server."""
        return {
            "host": self.host,
            "port": self.port,
            "protocol": "http",
            "account": "fakesnow",
            "user": "fake",
            "password": "snow",
        }

    def describe(self) -> str:
        """The server, as a connection error names it."""
        return f"the local emulator on port {self.port}"

    def prepare(self, cur: Any, database: str) -> None:
        """Create the database on a new connection: the server starts empty."""
        cur.execute(f"create database if not exists {database}")

    def provide_schemas(self, cur: Any, schemas: list[str]) -> None:
        """Create the schemas, as the administrator's setup script does on Snowflake
        (``dbt/setup/snowflake_setup.sql``): the emulator starts empty and has no roles."""
        for schema in schemas:
            cur.execute(f"create schema if not exists {schema}")

    def cancel(self, cur: Any, session_ids: list[int]) -> None:
        """Nothing to send: the emulator has no ``system$cancel_all_queries``, and runs each
        statement to its end. A statement the interrupted run was waiting for is abandoned by
        the client; the run then rolls back and closes every session
        (:meth:`.connection.Warehouse.close`), and the local emulator stops with the run."""

    def dbt_env(self) -> dict[str, str]:
        """What dbt's profile (``dbt/profiles.yml``) reads to reach the server."""
        host, port = self.host, str(self.port)
        return {
            # the `local` target
            "SNOWFLAKE_EMULATOR_HOST": host,
            "SNOWFLAKE_EMULATOR_PORT": port,
            # the `prod` target pointed at the emulator (prod configuration under test)
            "SNOWFLAKE_ACCOUNT": "fakesnow",
            "SNOWFLAKE_USER": "fake",
            "SNOWFLAKE_PASSWORD": "snow",
            "SNOWFLAKE_HOST": host,
            "SNOWFLAKE_PORT": port,
            "SNOWFLAKE_PROTOCOL": "http",
            "SNOWFLAKE_PRIVATE_KEY_PATH": "",
        }
