"""The run's Snowpark session: the Python face of the warehouse.

One session per :class:`.connection.Warehouse`, over a connection of its own from the same
settings as every other (the emulator locally, key-pair in production), opened when a node first
needs it and closed with the warehouse when the run ends or fails.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from snowflake.snowpark import Session


class SnowparkSessions:
    """The Snowpark session of one warehouse, made on first use."""

    def __init__(self, connect) -> None:
        self._connect = connect  # () -> a connector connection with the database selected
        self._session: Session | None = None
        self._connection: Any = None
        self._lock = threading.Lock()

    def get(self) -> Session:
        from snowflake.snowpark import Session

        with self._lock:
            if self._session is None:
                self._connection = self._connect()
                self._session = Session.builder.configs({"connection": self._connection}).create()
            return self._session

    def close(self) -> None:
        """Close the session and its connection, here and now.

        Snowpark also closes every session at interpreter exit; by then the emulator is gone,
        and a session whose close failed (the emulator has no ``system$cancel_all_queries``)
        would be retried against it for minutes. The run closes its session itself, so that
        exit handler is removed.
        """
        with self._lock:
            session, self._session = self._session, None
            connection, self._connection = self._connection, None
        if session is not None:
            atexit.unregister(session._close_at_exit)
        for closable in (session, connection):
            if closable is not None:
                with contextlib.suppress(Exception):  # the run is ending: nothing is lost
                    closable.close()
