"""Connections to the warehouse: settings, a pool of connections, and the run's registry.

Everything else asks a :class:`Warehouse` for a connection or for the environment dbt's profile
reads. Whether the server is a Snowflake account or the local emulator (:mod:`.emulator`) is
decided once, from the settings, when the warehouse is made.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .emulator import Emulator
from .errors import WarehouseError, WarehouseSetupError
from .snowpark import SnowparkSessions
from .tables import missing_schemas


@dataclass(frozen=True)
class WarehouseSettings:
    """Connection settings, read from the ``snowflake`` credentials entry.

    ``emulator: true`` selects the local fakesnow server; every other key is passed to
    ``snowflake.connector.connect``. Empty values (unset environment variables) are dropped.
    """

    emulator: bool = False
    database: str = "NETFLIX"
    connect_args: Mapping[str, Any] = field(default_factory=dict)
    # The emulator's DuckDB: how much of its data it holds in memory (the rest is on disk), and
    # its threads (None: DuckDB's defaults).
    emulator_memory_limit: str | None = None
    emulator_threads: int | None = None

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any]) -> WarehouseSettings:
        creds = {k: v for k, v in dict(credentials).items() if v not in (None, "")}
        emulator = str(creds.pop("emulator", False)).lower() in ("true", "1", "yes")
        database = str(creds.pop("database", "NETFLIX")).upper()
        memory_limit = creds.pop("emulator_memory_limit", None)
        threads = creds.pop("emulator_threads", None)
        if emulator:
            creds = {}  # the emulator ignores account settings; keep them out of the cache key
        return cls(
            emulator=emulator,
            database=database,
            connect_args=creds,
            emulator_memory_limit=str(memory_limit) if memory_limit else None,
            emulator_threads=int(threads) if threads else None,
        )

    def __repr__(self) -> str:  # never print secrets
        keys = ", ".join(sorted(self.connect_args))
        return (
            f"WarehouseSettings(emulator={self.emulator}, database={self.database}, keys=[{keys}])"
        )


class Server(Protocol):
    """What a warehouse connects to: a Snowflake account or the emulator."""

    def spawn(self) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def connect_args(self) -> dict[str, Any]: ...
    def describe(self) -> str: ...
    def prepare(self, cur: Any, database: str) -> None: ...
    def provide_schemas(self, cur: Any, schemas: list[str]) -> None: ...
    def dbt_env(self) -> dict[str, str]: ...
    def cancel(self, cur: Any, session_ids: list[int]) -> None: ...


class RunBinding(Protocol):
    """What a run asks of the warehouse (:class:`netflix_pipeline.runs.run.Run`)."""

    session_parameters: Mapping[str, Any]

    def claim(self, cur: Any) -> None: ...
    def verify(self, cur: Any) -> None: ...


class Account:
    """A Snowflake account: always there, reached with the credentials' arguments."""

    def __init__(self, connect_args: Mapping[str, Any]) -> None:
        self._args = dict(connect_args)

    def spawn(self) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def connect_args(self) -> dict[str, Any]:
        args = dict(self._args)
        key_path = args.pop("private_key_path", None)
        key_text = args.pop("private_key", None)
        passphrase = args.pop("private_key_passphrase", None)
        if key_path or key_text:
            args["private_key"] = _load_private_key(key_path, key_text, passphrase)
        return args

    def describe(self) -> str:
        return f"Snowflake account {self._args.get('account', '?')!r}"

    def prepare(self, cur: Any, database: str) -> None:
        pass

    def provide_schemas(self, cur: Any, schemas: list[str]) -> None:
        """The account's administrator makes the schemas, never the run: the pipeline role may
        not create schemas (``dbt/setup/snowflake_setup.sql``), and Snowflake checks that
        privilege even for ``create schema if not exists`` on a schema that exists."""
        raise WarehouseSetupError(
            f"schema(s) {', '.join(schemas)} do not exist in {self._args.get('account', '?')!r}; "
            "an administrator creates them with dbt/setup/snowflake_setup.sql "
            "(the pipeline role cannot create schemas)"
        )

    def dbt_env(self) -> dict[str, str]:
        return {}

    def cancel(self, cur: Any, session_ids: list[int]) -> None:
        """Cancel the statements running in those sessions (the run's own)."""
        for session_id in session_ids:
            cur.execute("select system$cancel_all_queries(%s)", (session_id,))


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


class Warehouse:
    """Connections to one Snowflake database (real or emulated), opened lazily."""

    def __init__(self, settings: WarehouseSettings) -> None:
        self.settings = settings
        self._server: Server = (
            Emulator(memory_limit=settings.emulator_memory_limit, threads=settings.emulator_threads)
            if settings.emulator
            else Account(settings.connect_args)
        )
        self._lock = threading.Lock()
        self._idle: list[Any] = []  # connections given back, for the next block to reuse
        self._idle_lock = threading.Lock()
        self._snowpark = SnowparkSessions(self.connect)
        # Names the run in the warehouse's query history: every session opened after it is set
        # carries it (Snowflake's QUERY_TAG), the pipeline's, Snowpark's and dbt's.
        self.query_tag: str | None = None
        self._run: RunBinding | None = None
        self._schemas: set[str] = set()  # schemas known to exist (a run drops none)
        self._open: set[Any] = set()  # every connection opened and not yet closed
        self._open_lock = threading.Lock()

    @property
    def database(self) -> str:
        return self.settings.database

    def ensure_started(self) -> None:
        with self._lock:
            self._server.start()

    def start_in_background(self) -> None:
        """Spawn the emulator now; the first connection waits until it listens."""
        with self._lock:
            self._server.spawn()

    def connect(self, *, claim: bool = True):
        """A new connector connection with the database created and selected; the run's first
        one claims the warehouse for it (``claim=False``: one that only cancels or records)."""
        import snowflake.connector

        self.ensure_started()
        args = self._server.connect_args()
        if self.query_tag:
            # At login, not with `alter session`: the emulator implements only the former (it
            # accepts and ignores the timeouts).
            args["session_parameters"] = {
                **args.get("session_parameters", {}),
                **(self._run.session_parameters if self._run else {}),
                "QUERY_TAG": self.query_tag,
            }
        try:
            conn = snowflake.connector.connect(**args, login_timeout=30, network_timeout=600)
        except Exception as exc:
            raise WarehouseError(
                f"cannot connect to {self._server.describe()}: {exc}. Check the SNOWFLAKE_* "
                "settings (conf/<env>/credentials.yml) and that the account is reachable."
            ) from exc
        with self._open_lock:
            self._open.add(conn)
        cur = conn.cursor()
        self._server.prepare(cur, self.database)
        cur.execute(f"use database {self.database}")
        if claim and self._run is not None:
            self._run.claim(cur)  # the run's first connection: its ledger row and its lease
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
            if self._run is not None:
                with self.connection():  # dbt writes only once the run has claimed the warehouse
                    pass
        else:
            self.start_in_background()
        tag = {"DBT_QUERY_TAG": self.query_tag} if self.query_tag else {}
        return {"SNOWFLAKE_DATABASE": self.database, **tag, **self._server.dbt_env()}

    def begin_run(self, query_tag: str, run: RunBinding | None = None) -> None:
        """A run starts on this warehouse: its sessions carry ``query_tag`` (and the run's
        session parameters), its first connection claims the warehouse for ``run``, and what
        earlier runs learnt about the warehouse is forgotten."""
        self.query_tag = query_tag
        self._run = run
        self._schemas.clear()

    def abort_detached_transactions(self, cur: Any) -> list[str]:
        """Abort the transactions the service user left open in other sessions: a run killed
        inside one (SIGKILL, OOM) holds its tables' locks until Snowflake aborts it (after it
        has blocked another transaction for five idle minutes). Called by the run holding the
        lease, so no live run's transaction is among them. Returns the aborted ids."""
        cur.execute("show transactions")
        names = [d[0].lower() for d in cur.description]
        own = str(getattr(cur.connection, "session_id", None) or "")
        aborted = []
        for row in cur.fetchall():
            found = dict(zip(names, row, strict=False))
            state = str(found.get("state") or "running").lower()
            if state != "running" or str(found.get("session") or "") == own:
                continue
            cur.execute("select system$abort_transaction(%s)", (int(found["id"]),))
            aborted.append(str(found["id"]))
        return aborted

    def verify_run(self, cur: Any) -> None:
        """Raise unless the run may make its work visible: it still holds the warehouse's
        lease and was not interrupted. Called before each step that does."""
        if self._run is not None:
            self._run.verify(cur)

    def cancel_running(self) -> None:
        """Cancel the statements the run's sessions are running (an interrupted run), from a
        session of its own. On the emulator there is nothing to send (:mod:`.emulator`)."""
        with self._open_lock:
            sessions = [c.session_id for c in self._open if not c.is_closed() and c.session_id]
        if not sessions:  # none: the emulator's sessions have no id (nothing to cancel there)
            return
        conn = self.connect(claim=False)
        try:
            self._server.cancel(conn.cursor(), sessions)
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    def ensure_schemas(self, cur: Any, schemas: list[str]) -> None:
        """Make sure the schemas exist, asking the warehouse once per run. A missing one is the
        server's business (:meth:`Server.provide_schemas`): on Snowflake an error naming the
        setup script, on the emulator, which starts empty, it is created."""
        unknown = [s.upper() for s in schemas if s.upper() not in self._schemas]
        if unknown:
            if missing := missing_schemas(cur, unknown):
                self._server.provide_schemas(cur, missing)
            self._schemas.update(unknown)

    def snowpark(self):
        """The run's Snowpark session on this warehouse (:mod:`.snowpark`)."""
        return self._snowpark.get()

    def close(self) -> None:
        """Close every connection (rolling back what an interrupted statement left open) and
        stop the emulator, if this warehouse started one."""
        self._schemas.clear()
        self._run = None
        self._snowpark.close()
        with self._idle_lock:
            self._idle = []
        with self._open_lock:
            opened, self._open = list(self._open), set()
        for conn in opened:
            with contextlib.suppress(Exception):
                if not conn.is_closed():
                    # Closing a session also ends its open transaction on Snowflake; the
                    # rollback says so out loud, and the emulator needs it.
                    conn.rollback()
                    conn.close()
        self._server.stop()


_REGISTRY: dict[tuple, Warehouse] = {}
_REGISTRY_LOCK = threading.Lock()


def get_warehouse(credentials: Mapping[str, Any]) -> Warehouse:
    """The run's warehouse for these credentials: one per settings, shared by every dataset."""
    settings = WarehouseSettings.from_credentials(credentials)
    key = (
        settings.emulator,
        settings.database,
        tuple(sorted(settings.connect_args.items())),
        settings.emulator_memory_limit,
        settings.emulator_threads,
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
