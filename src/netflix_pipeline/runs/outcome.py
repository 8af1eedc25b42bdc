"""How a run ended, and the exit code that tells the Job whether trying again can help.

One table, :data:`EXIT_CODES`, and one function, :func:`classify`: the CronJob's
``podFailurePolicy`` (``k8s/base/cronjob.yaml``) fails the Job at once on the final codes and
lets it retry once on the others. ``tests/test_deploy.py`` keeps the two in step.

=========== ==== =======================================================================
status      code meaning
=========== ==== =======================================================================
succeeded      0 every step ran
failed         3 the data or a test failed (reject rate, input contract, dbt test or
                 contract, publish audit): the same input fails again. Final.
failed         2 refused to start: another run holds the warehouse lease, or the
                 configuration is incomplete. Final.
failed        75 transient: the warehouse, the storage or Power BI could not be reached
                 or throttled. Retried once.
failed         1 anything else (a bug): the same code fails again. Final.
interrupted  143 SIGTERM (the pod was stopped), 130 SIGINT (Ctrl-C). Retried once.
=========== ==== =======================================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from . import interrupt

SUCCEEDED, FAILED, INTERRUPTED, RUNNING = "succeeded", "failed", "interrupted", "running"

EXIT_CODES = {"data": 3, "refused": 2, "transient": 75, "error": 1}
FINAL_EXIT_CODES = (EXIT_CODES["error"], EXIT_CODES["refused"], EXIT_CODES["data"])


@dataclass(frozen=True)
class Outcome:
    status: str
    kind: str  # succeeded, data, refused, transient, error, interrupted
    exit_code: int
    message: str = ""

    @property
    def retryable(self) -> bool:
        return self.exit_code not in (0, *FINAL_EXIT_CODES)


def _kinds() -> list[tuple[tuple[type, ...], str]]:
    """Exception types by kind, most specific first. Imported here, when a run has ended: the
    settings import this package as ``kedro`` starts."""
    from ..dbt_bridge.results import DbtBuildError
    from ..pipelines.ingestion.load import RejectRateError
    from ..pipelines.ingestion.source import RawFileError, StorageError
    from ..pipelines.publishing.nodes import PublishError
    from ..pipelines.publishing.powerbi.errors import (
        PowerBIAuthError,
        PowerBIConfigError,
        PowerBIHTTPError,
    )
    from ..warehouse.errors import WarehouseError, WarehouseSetupError
    from ..warehouse.tables import ShapeChangeError
    from .lease import LeaseError

    transient: tuple[type, ...] = (StorageError, WarehouseError, PowerBIHTTPError, ConnectionError)
    try:
        from snowflake.connector.errors import InterfaceError, OperationalError

        transient += (OperationalError, InterfaceError)
    except ImportError:  # pragma: no cover
        pass
    return [
        ((LeaseError, WarehouseSetupError, PowerBIConfigError, PowerBIAuthError), "refused"),
        (transient, "transient"),
        ((RejectRateError, RawFileError, DbtBuildError, PublishError, ShapeChangeError), "data"),
    ]


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def classify(exc: BaseException | None) -> Outcome:
    """The outcome of a run that ended with ``exc`` (None: it succeeded)."""
    signame = interrupt.received()
    if signame is None and isinstance(exc, KeyboardInterrupt):
        signame = "SIGINT"  # Ctrl-C caught by the Snowflake connector during a statement
    if signame is None and isinstance(exc, interrupt.RunInterrupted):
        signame = exc.signame
    if signame:
        code = interrupt.exit_code(signame)
        return Outcome(INTERRUPTED, "interrupted", code, f"interrupted by {signame}")
    if exc is None:
        return Outcome(SUCCEEDED, "succeeded", 0)
    message = str(exc) or type(exc).__name__
    if isinstance(exc, BaseException) and not isinstance(exc, Exception):
        return Outcome(FAILED, "error", EXIT_CODES["error"], message)
    chain = list(_chain(exc))
    for types, kind in _kinds():  # refused, then transient, then data: anywhere in the chain
        if any(isinstance(link, types) and not _not_transient(link, kind) for link in chain):
            return Outcome(FAILED, kind, EXIT_CODES[kind], message)
    return Outcome(FAILED, "error", EXIT_CODES["error"], message)


def _not_transient(exc: BaseException, kind: str) -> bool:
    """A Power BI answer that trying again will not change (a 4xx other than throttling)."""
    if kind != "transient":
        return False
    status = getattr(exc, "status_code", None)
    return status is not None and 400 <= status < 500 and status not in (408, 429)
