"""The book-keeping of one refresh: its deadline, what it is doing, and its counters."""

from __future__ import annotations

from collections.abc import Callable

from .errors import PowerBITimeoutError


class RefreshRun:
    """One refresh_dataset call: the deadline, the phase and last status for the timeout
    message, and the counters of its summary."""

    def __init__(self, clock: Callable[[], float], deadline_seconds: float) -> None:
        self.clock = clock
        self.started = clock()
        self.deadline_seconds = deadline_seconds
        self.deadline_at = self.started + deadline_seconds
        self.last_status: str | None = None
        self.request_id: str | None = None
        self.phase = "triggering the refresh"
        self.polls = 0
        self.triggers = 0
        self.retries = 0
        self.waited_for: list[str | None] = []

    def elapsed(self) -> float:
        return self.clock() - self.started

    def remaining(self) -> float:
        return self.deadline_at - self.clock()

    def timeout_error(self) -> PowerBITimeoutError:
        return PowerBITimeoutError(
            f"Power BI refresh failed: deadline of {self.deadline_seconds:g} s exceeded while "
            f"{self.phase} (last status: {self.last_status or 'none'}, "
            f"request id: {self.request_id or 'none'}, elapsed {self.elapsed():.1f} s)",
            deadline_seconds=self.deadline_seconds,
            status=self.last_status,
            request_id=self.request_id,
        )
