"""The warehouse lease: one run at a time writes to a database.

A row of ``OPS.RUN_LEASE`` names the run that holds it (run id, host or pod, environment, when
it took it) and until when (``EXPIRES_AT``). A run takes it before its first write
(:meth:`Lease.acquire`, one conditional ``update``: free, expired, or already its own), renews
it while it works (a thread of its own, every quarter of ``ttl_seconds``), checks it before
each step that makes its work visible (:meth:`Lease.verify`: the RAW swap, publishing) and
gives it back when it ends, failed or interrupted (:meth:`Lease.release`).

A second run is refused at once, with the holder's name, start and expiry
(:class:`LeaseHeldError`). A holder that died (SIGKILL, OOM, a lost node) cannot give it back:
its lease expires ``ttl_seconds`` after its last renewal, and the next run takes it over with a
warning and records the dead run as interrupted in the ledger. Snowflake runs ``update``
statements on one table one at a time, so two runs that try at once cannot both succeed; the
row read back after the update is the proof.

Times are the client's UTC clock (the pods' clocks are kept by NTP; a lease lasts minutes).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..warehouse.schemas import OPS
from . import interrupt

logger = logging.getLogger(__name__)

LEASE_TABLE = f"{OPS}.RUN_LEASE"
_DDL = (
    "NAME varchar, RUN_ID varchar, HOLDER varchar, ENV varchar, "
    "ACQUIRED_AT timestamp_ntz, EXPIRES_AT timestamp_ntz"
)


class LeaseError(RuntimeError):
    """The run does not hold the warehouse lease."""


class LeaseHeldError(LeaseError):
    """Another run holds the lease: this one did not start."""


class LeaseLostError(LeaseError):
    """The run's lease expired or was taken over: it must not make its work visible."""


@dataclass(frozen=True)
class LeaseSettings:
    """``run.lease`` in the parameters."""

    name: str = "nightly"
    ttl_seconds: float = 600.0

    @classmethod
    def from_params(cls, params: dict | None) -> LeaseSettings:
        params = dict(params or {})
        ttl = float(params.get("ttl_seconds", cls.ttl_seconds))
        if ttl <= 0:
            raise ValueError(f"run.lease.ttl_seconds must be positive, not {ttl!r}")
        return cls(name=str(params.get("name", cls.name)), ttl_seconds=ttl)


@dataclass(frozen=True)
class Holder:
    run_id: str | None
    holder: str | None
    acquired_at: datetime | None
    expires_at: datetime | None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _ts(value: datetime) -> str:
    return value.isoformat(sep=" ", timespec="milliseconds")


class Lease:
    """The lease of one run; ``connect`` opens a new warehouse connection (for the renewals)."""

    def __init__(
        self,
        settings: LeaseSettings,
        *,
        run_id: str,
        holder: str,
        env: str,
        connect: Callable[[], Any],
    ) -> None:
        self.settings = settings
        self.run_id = run_id
        self.holder = holder
        self.env = env
        self._connect = connect
        self.held = False
        self.lost: str | None = None
        self.took_over: Holder | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    # -- taking it

    def acquire(self, cur: Any) -> None:
        """Take the lease, or raise :class:`LeaseHeldError` naming its holder."""
        name = self.settings.name
        cur.execute(f"create table if not exists {LEASE_TABLE} ({_DDL})")
        cur.execute(
            f"insert into {LEASE_TABLE} (NAME) select %s "
            f"where not exists (select 1 from {LEASE_TABLE} where NAME = %s)",
            (name, name),
        )
        before = self.current(cur)
        now = _now()
        cur.execute(
            f"update {LEASE_TABLE} set RUN_ID = %s, HOLDER = %s, ENV = %s, "
            "ACQUIRED_AT = %s::timestamp_ntz, EXPIRES_AT = %s::timestamp_ntz "
            "where NAME = %s and (RUN_ID is null or RUN_ID = %s or EXPIRES_AT < %s::timestamp_ntz)",
            (
                self.run_id,
                self.holder,
                self.env,
                _ts(now),
                _ts(self._expiry()),
                name,
                self.run_id,
                _ts(now),
            ),
        )
        after = self.current(cur)
        if after.run_id != self.run_id:
            raise LeaseHeldError(self._held_message(after))
        self.held = True
        if before.run_id and before.run_id != self.run_id:
            self.took_over = before
            logger.warning(
                "Took over the warehouse lease of run %s (on %s, started %s UTC): it expired at "
                "%s UTC without being released, so that run died (killed, out of memory, or "
                "its node lost). Its ledger row is marked interrupted.",
                before.run_id,
                before.holder,
                _ts(before.acquired_at) if before.acquired_at else "?",
                _ts(before.expires_at) if before.expires_at else "?",
            )
        logger.info(
            "Warehouse lease %r taken by run %s (%s) until %s UTC",
            name,
            self.run_id,
            self.holder,
            _ts(self._expiry()),
        )

    def current(self, cur: Any) -> Holder:
        rows = cur.execute(
            f"select RUN_ID, HOLDER, ACQUIRED_AT, EXPIRES_AT from {LEASE_TABLE} where NAME = %s",
            (self.settings.name,),
        ).fetchall()
        if len(rows) != 1:  # two runs created the row at once: neither may go on
            return Holder(f"<{len(rows)} lease rows>", None, None, None)
        return Holder(*rows[0])

    def _expiry(self) -> datetime:
        return _now() + timedelta(seconds=self.settings.ttl_seconds)

    def _held_message(self, other: Holder) -> str:
        started = _ts(other.acquired_at) if other.acquired_at else "?"
        until = _ts(other.expires_at) if other.expires_at else "?"
        return (
            f"another run holds the warehouse lease {self.settings.name!r}: run {other.run_id} on "
            f"{other.holder or '?'}, started {started} UTC, lease valid until {until} UTC. This "
            "run changed nothing. Let that run finish (its row in OPS.RUN_LEDGER shows how it "
            "goes); if it is dead, its lease expires at that time and the next run takes over."
        )

    # -- keeping it

    def start_renewing(self) -> None:
        if self._renewer is None:
            self._renewer = threading.Thread(target=self._renew_loop, name="lease", daemon=True)
            self._renewer.start()

    def _renew_loop(self) -> None:
        every = self.settings.ttl_seconds / 4
        conn = None
        try:
            while not self._stop.wait(every):
                try:
                    if conn is None:
                        conn = self._connect()
                    self.renew(conn.cursor())
                except LeaseLostError as exc:
                    self.lost = str(exc)
                    logger.error("%s", exc)
                    return
                except Exception as exc:  # the warehouse is unreachable: try again next time
                    logger.warning("Could not renew the warehouse lease: %s", exc)
                    with contextlib.suppress(Exception):
                        conn.close()
                    conn = None
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()

    def renew(self, cur: Any) -> None:
        updated = cur.execute(
            f"update {LEASE_TABLE} set EXPIRES_AT = %s::timestamp_ntz "
            "where NAME = %s and RUN_ID = %s",
            (_ts(self._expiry()), self.settings.name, self.run_id),
        ).fetchone()[0]
        if not updated:
            raise LeaseLostError(self._lost_message())

    def _lost_message(self) -> str:
        return (
            f"run {self.run_id} lost the warehouse lease {self.settings.name!r} (it expired, and "
            "another run took it over): it stops before making anything visible. Raise "
            "run.lease.ttl_seconds if the warehouse was unreachable for that long."
        )

    def verify(self, cur: Any) -> None:
        """Raise unless this run still holds an unexpired lease (and was not interrupted)."""
        interrupt.check()
        if self.lost:
            raise LeaseLostError(self.lost)
        holder = self.current(cur)
        if holder.run_id != self.run_id or holder.expires_at is None or holder.expires_at < _now():
            self.lost = self._lost_message()
            raise LeaseLostError(self.lost)

    # -- giving it back

    def stop_renewing(self) -> None:
        self._stop.set()

    def release(self, cur: Any) -> None:
        self.stop_renewing()
        if not self.held:
            return
        cur.execute(
            f"update {LEASE_TABLE} set RUN_ID = null, HOLDER = null, ENV = null, "
            "ACQUIRED_AT = null, EXPIRES_AT = null where NAME = %s and RUN_ID = %s",
            (self.settings.name, self.run_id),
        )
        self.held = False
        logger.info("Warehouse lease %r released by run %s", self.settings.name, self.run_id)
