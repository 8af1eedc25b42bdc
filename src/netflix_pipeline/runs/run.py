"""One run, from its start to its record: the id, the ledger row, the lease and the end.

The hooks (:mod:`netflix_pipeline.hooks`) make a :class:`Run` when a pipeline starts and hand
it to the warehouse, which calls :meth:`Run.claim` on its first connection, before anything is
written: the ledger row is inserted and the lease taken there. :meth:`Run.finish` ends it
however it ends (the hooks on success or failure; ``kedro run`` itself on an interruption,
which Kedro's hooks do not see): it records the outcome in the ledger and ``run.json`` and
gives the lease back. It is safe to call twice.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..warehouse.schemas import OPS
from . import identity, interrupt, ledger
from .lease import Lease, LeaseSettings
from .outcome import RUNNING, Outcome, classify
from .record import RunRecord, host_id

logger = logging.getLogger(__name__)

_current: Run | None = None
_last: Run | None = None


def current() -> Run | None:
    """The run under way in this process, if any."""
    return _current


def last() -> Run | None:
    """The run under way, else the last one that ended in this process."""
    return _current or _last


class Run:
    def __init__(
        self,
        *,
        env: str,
        pipeline: str,
        settings: dict | None,
        reports_dir: str,
        latest_dir: str | None = None,
    ) -> None:
        global _current
        settings = dict(settings or {})
        self.run_id = identity.begin()
        self.env = env
        self.query_tag = f"netflix-pipeline/{env}/{self.run_id}"
        self.session_parameters = {
            str(k).upper(): v for k, v in (settings.get("session") or {}).items() if v is not None
        }
        self.lease_settings = LeaseSettings.from_params(settings.get("lease"))
        self.reports_dir = reports_dir
        self.latest_dir = latest_dir
        self.record = RunRecord(
            run_id=self.run_id,
            env=env,
            pipeline=pipeline,
            query_tag=self.query_tag,
            reports=reports_dir,
        )
        self.warehouse: Any = None
        self.lease: Lease | None = None
        self.outcome: Outcome | None = None
        self._claimed = False
        self._finishing = False
        self._lock = threading.RLock()
        _current = self
        logger.info("Run %s starts (%s, pipeline %s)", self.run_id, env, pipeline)

    # -- the warehouse side

    def attach(self, warehouse: Any) -> None:
        self.warehouse = warehouse
        warehouse.begin_run(self.query_tag, self)

    def claim(self, cur: Any) -> None:
        """On the warehouse's first connection: the ledger row, then the lease (unless the
        run is only recording its end)."""
        with self._lock:
            if self._claimed:
                return
            self._claimed = True
            self.warehouse.ensure_schemas(cur, [OPS])
            ledger.start(cur, self.record)
            if self._finishing:
                return
            self.lease = Lease(
                self.lease_settings,
                run_id=self.run_id,
                holder=host_id(),
                env=self.env,
                connect=self.warehouse.connect,
            )
            self.lease.acquire(cur)
            if self.lease.took_over and self.lease.took_over.run_id:
                ledger.mark_dead(cur, self.lease.took_over.run_id, self.run_id)
            if aborted := self.warehouse.abort_detached_transactions(cur):
                logger.warning(
                    "Aborted %d transaction(s) an earlier run left open (%s): it died inside "
                    "them, and their changes are rolled back",
                    len(aborted),
                    ", ".join(aborted),
                )
            self.lease.start_renewing()

    def verify(self, cur: Any) -> None:
        """Raise unless the run may make its work visible (it holds the lease, no signal)."""
        interrupt.check()
        if self.lease is not None:
            self.lease.verify(cur)

    # -- the nodes

    def node_started(self, node: str) -> None:
        self.record.step(node)
        self.record.data["status"] = RUNNING

    def node_done(self, outputs: dict[str, Any]) -> None:
        if self.record.absorb(outputs) and self._claimed:
            try:
                with self.warehouse.cursor() as cur:
                    ledger.update(cur, self.record)
            except Exception as exc:  # the ledger must never fail the run
                logger.warning("Could not update the run ledger: %s", exc)

    # -- the end

    def finish(self, exc: BaseException | None) -> Outcome:
        """Record how the run ended (once) and give the lease back."""
        global _current, _last
        with self._lock:
            if self.outcome is not None:
                return self.outcome
            self._finishing = True
            outcome = classify(exc)
            self.outcome = outcome
            self.record.finish(outcome.status, outcome.exit_code, outcome.message)
        if self.warehouse is not None:
            try:
                with self.warehouse.cursor() as cur:
                    if not self._claimed:
                        self.claim(cur)
                    ledger.update(cur, self.record)
                    if self.lease is not None:
                        self.lease.release(cur)
            except Exception as exc2:
                logger.warning("Could not record the run's end in the warehouse: %s", exc2)
                if self.lease is not None:
                    self.lease.stop_renewing()
        try:
            written = ledger.write_run_json(self.record, self.reports_dir, self.latest_dir)
            logger.info("Run %s %s; its record: %s", self.run_id, outcome.status, written[0])
        except Exception as exc3:
            logger.warning("Could not write run.json to %s: %s", self.reports_dir, exc3)
        identity.end()
        _last = self
        if _current is self:
            _current = None
        return outcome
