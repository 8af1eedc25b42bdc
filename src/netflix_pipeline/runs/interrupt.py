"""Stopping a run on SIGTERM or SIGINT: at once, cleanly, and within a bounded time.

Kubernetes stops a pod with SIGTERM and kills it with SIGKILL after the grace period
(``terminationGracePeriodSeconds``); Ctrl-C sends SIGINT. :func:`install` makes either one
raise :class:`RunInterrupted` in the main thread, where Kedro runs the nodes: a statement the
main thread waits for is abandoned there and then. Before it raises, the handler starts the
cancellation of everything in flight elsewhere (``on_interrupt`` callbacks, each in its own
thread: the warehouse's running queries, dbt's process), and a watchdog that ends the process
if the clean-up has not finished within :func:`set_grace`'s seconds.

:class:`RunInterrupted` is a ``BaseException``, as ``KeyboardInterrupt`` is: an ``except
Exception`` on the way up cannot swallow it. Should a node still catch it, the run stops at the
next node (:func:`check`) and whatever it raised is reported as the interruption.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunInterrupted(BaseException):
    """The run was asked to stop by a signal."""

    def __init__(self, signame: str) -> None:
        super().__init__(f"interrupted by {signame}")
        self.signame = signame


_received: str | None = None
_grace = 40.0  # until the run reads run.interrupt_grace_seconds (set_grace)
_callbacks: list[Callable[[], None]] = []
_previous: dict[int, object] = {}


def received() -> str | None:
    """The name of the signal that interrupted the run (``SIGTERM``), or None."""
    return _received


def exit_code(signame: str) -> int:
    """The shell's convention: 128 + the signal's number (143 for SIGTERM, 130 for SIGINT)."""
    return 128 + int(getattr(signal, signame))


def on_interrupt(callback: Callable[[], None]) -> None:
    """Call ``callback`` (in a thread of its own) when a signal interrupts the run."""
    _callbacks.append(callback)


def forget() -> None:
    """The run has ended: its callbacks are dropped (a process may run again)."""
    _callbacks.clear()


def check() -> None:
    """Raise :class:`RunInterrupted` if a signal came: the run goes no further."""
    if _received:
        raise RunInterrupted(_received)


def set_grace(seconds: float) -> None:
    """How long the clean-up after a signal may take (``run.interrupt_grace_seconds``)."""
    global _grace
    _grace = seconds


def install() -> None:
    """Handle SIGTERM and SIGINT for the rest of the process (main thread only)."""
    global _received
    _received = None
    _callbacks.clear()

    def handler(signum: int, frame) -> None:
        global _received
        if _received:  # already stopping: the watchdog bounds how long
            return
        _received = signal.Signals(signum).name
        logger.warning("%s received: cancelling the run's work (at most %.0f s)", _received, _grace)
        for callback in list(_callbacks):
            threading.Thread(target=_quietly, args=(callback,), daemon=True).start()
        threading.Thread(target=_watchdog, args=(_grace, exit_code(_received)), daemon=True).start()
        raise RunInterrupted(_received)

    for sig in SIGNALS:
        _previous[sig] = signal.signal(sig, handler)


def uninstall() -> None:
    """Back to the handlers there were before :func:`install`."""
    for sig, previous in _previous.items():
        signal.signal(sig, previous)
    _previous.clear()


def _quietly(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception as exc:  # the clean-up goes on; the watchdog bounds it
        logger.warning("while cancelling: %s", exc)


def _watchdog(seconds: float, code: int) -> None:
    time.sleep(seconds)
    logger.error("clean-up did not finish within %.0f s of the signal: exiting now", seconds)
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stderr.flush()
    os._exit(code)
