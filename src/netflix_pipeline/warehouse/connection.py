"""The warehouse connection: real Snowflake, or the local emulator started on demand.

This is the one place that knows whether the warehouse is the emulator. Everything else asks a
:class:`Warehouse` for a connection, for the dbt environment variables, or for the stage that
bulk loads read from.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

EMULATOR_START_TIMEOUT_S = 60.0


class WarehouseError(RuntimeError):
    """The warehouse could not be reached or refused a statement."""


@dataclass(frozen=True)
class WarehouseSettings:
    """Connection settings, read from the ``snowflake`` credentials entry.

    ``emulator: true`` selects the local fakesnow server; every other key is passed to
    ``snowflake.connector.connect``. Empty values (unset environment variables) are dropped.
    """

    emulator: bool = False
    database: str = "NETFLIX"
    connect_args: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any]) -> WarehouseSettings:
        creds = {k: v for k, v in dict(credentials).items() if v not in (None, "")}
        emulator = str(creds.pop("emulator", False)).lower() in ("true", "1", "yes")
        database = str(creds.pop("database", "NETFLIX")).upper()
        if emulator:
            creds = {}  # the emulator ignores account settings; keep them out of the cache key
        return cls(emulator=emulator, database=database, connect_args=creds)

    def __repr__(self) -> str:  # never print secrets
        keys = ", ".join(sorted(self.connect_args))
        return (
            f"WarehouseSettings(emulator={self.emulator}, database={self.database}, keys=[{keys}])"
        )


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
    """A fakesnow server in a child process on a free loopback port."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port: int | None = None
        self._process: subprocess.Popen | None = None
        self._ready = False
        self._started_at = 0.0

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def spawn(self) -> None:
        """Start the server process without waiting for it to listen.

        Called from the main thread: Linux ties the parent-death signal to the thread that
        spawned the child, so a helper thread that ends would take the emulator with it.
        """
        if self._process is not None and self._process.poll() is None:
            return
        self._started_at = time.monotonic()
        self.port = stable_port(self.host)
        command = [
            sys.executable,
            "-m",
            "fakesnow",
            "-s",
            "--host",
            self.host,
            "-p",
            str(self.port),
        ]
        self._ready = False
        self._process = subprocess.Popen(
            command,
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
                self._process = None
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
        if process is None or process.poll() is not None:
            return
        # Its data lives in memory and dies with it: nothing to flush, no need to wait for a
        # graceful shutdown.
        process.kill()
        process.wait()
        logger.info("Local Snowflake emulator on port %s stopped", self.port)


class Warehouse:
    """Connections to one Snowflake database (real or emulated), opened lazily."""

    def __init__(self, settings: WarehouseSettings) -> None:
        self.settings = settings
        self.emulator = Emulator() if settings.emulator else None
        self._lock = threading.Lock()
        self._idle: list[Any] = []  # connections given back, for the next block to reuse
        self._idle_lock = threading.Lock()

    @property
    def database(self) -> str:
        return self.settings.database

    @property
    def is_emulator(self) -> bool:
        return self.emulator is not None

    def ensure_started(self) -> None:
        with self._lock:
            if self.emulator is not None:
                self.emulator.start()

    def start_in_background(self) -> None:
        """Spawn the emulator now; the first connection waits until it listens."""
        with self._lock:
            if self.emulator is not None:
                self.emulator.spawn()

    def _connect_args(self) -> dict[str, Any]:
        self.ensure_started()
        if self.emulator is not None:
            return {
                "host": self.emulator.host,
                "port": self.emulator.port,
                "protocol": "http",
                "account": "fakesnow",
                "user": "fake",
                "password": "snow",
            }
        args = dict(self.settings.connect_args)
        key_path = args.pop("private_key_path", None)
        key_text = args.pop("private_key", None)
        passphrase = args.pop("private_key_passphrase", None)
        if key_path or key_text:
            args["private_key"] = _load_private_key(key_path, key_text, passphrase)
        return args

    def connect(self):
        """A new connector connection with the database created and selected."""
        import snowflake.connector

        args = self._connect_args()
        try:
            conn = snowflake.connector.connect(**args, login_timeout=30, network_timeout=600)
        except Exception as exc:
            where = (
                f"the local emulator on port {self.emulator.port}"
                if self.emulator is not None
                else f"Snowflake account {args.get('account', '?')!r}"
            )
            raise WarehouseError(
                f"cannot connect to {where}: {exc}. Check the SNOWFLAKE_* settings "
                "(conf/<env>/credentials.yml) and that the account is reachable."
            ) from exc
        cur = conn.cursor()
        if self.emulator is not None:
            cur.execute(f"create database if not exists {self.database}")
        cur.execute(f"use database {self.database}")
        return conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        """A connection for the time of a block: one given back earlier, or a new one.

        A run opens a connection for each table it reads or writes; on the emulator each
        new one costs a login and two statements (about 50 ms). A block that ends normally
        gives its connection back (autocommit: no transaction is left open); one that raises
        closes it, since its session state (an open transaction, say) is then unknown.
        """
        with self._idle_lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None or conn.is_closed():
            conn = self.connect()
        try:
            yield conn
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        with self._idle_lock:
            self._idle.append(conn)

    @contextlib.contextmanager
    def cursor(self) -> Iterator[Any]:
        with self.connection() as conn:
            yield conn.cursor()

    def dbt_env(self, wait: bool = True) -> dict[str, str]:
        """Environment variables that dbt's profile for this warehouse reads.

        ``wait=False`` does not wait for the emulator to listen (enough for ``dbt parse``,
        which connects to nothing); it is spawned if it was not, so its port is known.
        """
        if wait:
            self.ensure_started()
        else:
            self.start_in_background()
        env = {"SNOWFLAKE_DATABASE": self.database}
        if self.emulator is not None:
            host, port = self.emulator.host, str(self.emulator.port)
            env.update(
                # the `local` target
                SNOWFLAKE_EMULATOR_HOST=host,
                SNOWFLAKE_EMULATOR_PORT=port,
                # the `prod` target pointed at the emulator (prod configuration under test)
                SNOWFLAKE_ACCOUNT="fakesnow",
                SNOWFLAKE_USER="fake",
                SNOWFLAKE_PASSWORD="snow",
                SNOWFLAKE_HOST=host,
                SNOWFLAKE_PORT=port,
                SNOWFLAKE_PROTOCOL="http",
                SNOWFLAKE_PRIVATE_KEY="",
                SNOWFLAKE_PRIVATE_KEY_PATH="",
            )
        return env

    def close(self) -> None:
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                conn.close()
        if self.emulator is not None:
            self.emulator.stop()


def _load_private_key(path: str | None, text: str | None, passphrase: str | None) -> bytes:
    from cryptography.hazmat.primitives import serialization

    pem = Path(path).read_bytes() if path else text.encode()
    key = serialization.load_pem_private_key(
        pem, password=passphrase.encode() if passphrase else None
    )
    return key.private_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


_REGISTRY: dict[tuple, Warehouse] = {}
_REGISTRY_LOCK = threading.Lock()


def get_warehouse(credentials: Mapping[str, Any]) -> Warehouse:
    """The run's warehouse for these credentials: one per settings, shared by every dataset."""
    settings = WarehouseSettings.from_credentials(credentials)
    key = (
        settings.emulator,
        settings.database,
        tuple(sorted(settings.connect_args.items())),
    )
    with _REGISTRY_LOCK:
        if key not in _REGISTRY:
            _REGISTRY[key] = Warehouse(settings)
        return _REGISTRY[key]


def close_all() -> None:
    """Stop every emulator this process started (end of a run, failed runs included)."""
    with _REGISTRY_LOCK:
        warehouses = list(_REGISTRY.values())
        _REGISTRY.clear()
    for wh in warehouses:
        wh.close()
