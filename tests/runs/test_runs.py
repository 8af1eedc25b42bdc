"""The run's id, its lease on the warehouse, its ledger row, and how its end is classified.

The lease and the ledger run against the emulator over the real connector; the end-to-end
behaviour (signals, two runs at once, killed runs) is in ``tests/test_interruptions.py``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

import pytest

from netflix_pipeline.dbt_bridge.results import DbtBuildError
from netflix_pipeline.pipelines.ingestion.load import RejectRateError
from netflix_pipeline.pipelines.ingestion.source import RawFileError, StorageError
from netflix_pipeline.pipelines.publishing.nodes import PublishError
from netflix_pipeline.pipelines.publishing.powerbi.errors import PowerBIHTTPError
from netflix_pipeline.runs import identity, interrupt, ledger
from netflix_pipeline.runs.lease import Lease, LeaseHeldError, LeaseLostError, LeaseSettings
from netflix_pipeline.runs.outcome import EXIT_CODES, FINAL_EXIT_CODES, classify
from netflix_pipeline.runs.record import RunRecord
from netflix_pipeline.warehouse.errors import WarehouseError, WarehouseSetupError

# --- the run id


def test_a_run_id_sorts_by_time_and_a_run_adopts_the_id_asked_for_before_it():
    early = identity.current()  # e.g. by the configuration's ${run_id:}
    assert identity.begin() == early
    assert identity.current() == early and identity.for_log() == early
    identity.end()
    assert identity.for_log() == early  # the last lines of the run still carry it
    later = identity.begin()
    assert later != early and later[:16] >= early[:16]  # the UTC second it began, then random
    identity.end()


def test_every_log_record_carries_the_run_id(caplog):
    identity.install_log_field()
    run_id = identity.begin()
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("netflix_pipeline.test").info("hello")
        assert caplog.records[-1].run_id == run_id
    finally:
        identity.end()


# --- how a run ended


def _raised(exc: BaseException, cause: BaseException | None = None) -> BaseException:
    try:
        try:
            if cause is not None:
                raise cause
        finally:
            raise exc
    except BaseException as caught:  # noqa: BLE001
        return caught


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RejectRateError("too many"), "data"),
        (RawFileError("no such file"), "data"),
        (DbtBuildError("a test failed"), "data"),
        (PublishError("audit failed"), "data"),
        # A storage fault is re-raised as a RawFileError: the cause decides.
        (_raised(RawFileError("unreadable"), StorageError("unreachable")), "transient"),
        (WarehouseError("cannot connect"), "transient"),
        (PowerBIHTTPError("throttled", status_code=429), "transient"),
        (PowerBIHTTPError("bad request", status_code=400), "error"),
        (WarehouseSetupError("schema OPS does not exist"), "refused"),
        (LeaseHeldError("another run holds it"), "refused"),
        (KeyError("bug"), "error"),
    ],
)
def test_each_failure_has_its_kind_and_exit_code(error, kind):
    outcome = classify(error)
    assert (outcome.status, outcome.kind) == ("failed", kind)
    assert outcome.exit_code == EXIT_CODES[kind]
    assert outcome.retryable == (kind == "transient")


def test_success_and_interruptions():
    assert classify(None).exit_code == 0 and classify(None).status == "succeeded"
    stopped = classify(KeyboardInterrupt())  # Ctrl-C caught by the connector mid-statement
    assert (stopped.status, stopped.exit_code) == ("interrupted", 130)
    assert classify(interrupt.RunInterrupted("SIGTERM")).exit_code == 143
    assert 143 not in FINAL_EXIT_CODES and 130 not in FINAL_EXIT_CODES


# --- the lease, on the emulator


def _lease(warehouse, run_id: str, name: str, ttl: float = 60) -> Lease:
    return Lease(
        LeaseSettings(name=name, ttl_seconds=ttl),
        run_id=run_id,
        holder=f"host-{run_id}",
        env="test",
        connect=warehouse.connect,
    )


@pytest.fixture()
def lease_name() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def test_a_second_run_is_refused_with_the_holder_named(warehouse, lease_name):
    with warehouse.cursor() as cur:
        warehouse.ensure_schemas(cur, ["OPS"])
        first = _lease(warehouse, "run-a", lease_name)
        first.acquire(cur)
        with pytest.raises(LeaseHeldError) as info:
            _lease(warehouse, "run-b", lease_name).acquire(cur)
        message = str(info.value)
        assert "run run-a on host-run-a" in message and "started" in message
        assert "This run changed nothing" in message and "lease expires" in message
        first.verify(cur)
        first.release(cur)
        second = _lease(warehouse, "run-b", lease_name)
        second.acquire(cur)  # released: free at once
        assert second.took_over is None
        second.release(cur)


def test_an_expired_lease_is_taken_over_and_its_holder_can_no_longer_publish(
    warehouse, lease_name, caplog
):
    with warehouse.cursor() as cur:
        warehouse.ensure_schemas(cur, ["OPS"])
        dead = _lease(warehouse, "run-dead", lease_name, ttl=1)
        dead.acquire(cur)  # and never renews: its process died
        time.sleep(1.2)
        with caplog.at_level(logging.WARNING):
            heir = _lease(warehouse, "run-heir", lease_name)
            heir.acquire(cur)
        assert heir.took_over.run_id == "run-dead"
        assert "Took over the warehouse lease of run run-dead" in caplog.text
        with pytest.raises(LeaseLostError, match="lost the warehouse lease"):
            dead.verify(cur)
        with pytest.raises(LeaseLostError):
            dead.renew(cur)
        heir.release(cur)


def test_a_renewed_lease_does_not_expire(warehouse, lease_name):
    with warehouse.cursor() as cur:
        warehouse.ensure_schemas(cur, ["OPS"])
        lease = _lease(warehouse, "run-long", lease_name, ttl=1)
        lease.acquire(cur)
        lease.start_renewing()  # every quarter of the ttl
        time.sleep(1.6)
        lease.verify(cur)
        with pytest.raises(LeaseHeldError):
            _lease(warehouse, "run-other", lease_name).acquire(cur)
        lease.release(cur)


# --- the ledger


def test_the_ledger_row_follows_the_record(warehouse, tmp_path):
    run_id = f"test-{uuid.uuid4().hex[:8]}"
    record = RunRecord(run_id=run_id, env="test", pipeline="p", query_tag="t", reports="r")
    with warehouse.cursor() as cur:
        warehouse.ensure_schemas(cur, ["OPS"])
        ledger.start(cur, record)
        record.step("publish_marts_node")
        record.absorb({"publish_report": {"schema": "MARTS", "tables": {"FCT_MOVIES": 3}}})
        record.finish("failed", 3, "audit failed")
        ledger.update(cur, record)
        rows = cur.execute(
            f"select STATUS, STEP, MESSAGE, RECORD from {ledger.LEDGER_TABLE} where RUN_ID = %s",
            (run_id,),
        ).fetchall()
    assert len(rows) == 1
    status, step, message, stored = rows[0]
    assert (status, step, message) == ("failed", "publish_marts_node", "audit failed")
    assert json.loads(stored)["published"]["tables"] == {"FCT_MOVIES": 3}
    written = ledger.write_run_json(
        record, str(tmp_path / "runs" / run_id), str(tmp_path / "latest")
    )
    assert json.loads((tmp_path / "latest" / "run.json").read_text())["run_id"] == run_id
    assert written[0].endswith(f"{run_id}/run.json")
