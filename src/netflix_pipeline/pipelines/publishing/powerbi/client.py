"""The Power BI REST calls on one dataset: trigger a refresh, read its execution details, read
the refresh history."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from .auth import TokenSource
from .config import PowerBIConfig
from .http import Transport
from .run import RefreshRun

# Standard (non-enhanced) refresh; valid on shared and Premium capacities.
DEFAULT_REQUEST_BODY: Mapping[str, Any] = {"notifyOption": "NoNotification"}

_HISTORY_SEARCH_DEPTH = 20


class PowerBIClient:
    """Power BI REST client for one dataset; see :func:`refresh_dataset`."""

    def __init__(
        self,
        config: PowerBIConfig,
        *,
        session: requests.Session | None = None,
        request_timeout: float | tuple[float, float] = (10.0, 60.0),
        max_retries: int = 6,
        retry_backoff_seconds: float = 1.0,
        max_retry_backoff_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.config = config
        self.clock = clock
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self.tokens = TokenSource(config, self.session, request_timeout)
        self.transport = Transport(
            self.session,
            self.tokens,
            request_timeout=request_timeout,
            max_retries=max_retries,
            retry_backoff_seconds=retry_backoff_seconds,
            max_retry_backoff_seconds=max_retry_backoff_seconds,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> PowerBIClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def trigger_refresh(
        self, request_body: Mapping[str, Any] | None = None, *, run: RefreshRun | None = None
    ) -> requests.Response:
        """POST the refresh; returns the raw response (202, or 400/409 to inspect)."""
        body = DEFAULT_REQUEST_BODY if request_body is None else request_body
        return self.transport.request(
            "POST",
            self.config.refreshes_url,
            json_body=body,
            accept=frozenset({400, 409}),
            run=run,
        )

    def get_refresh_details(self, request_id: str, *, run: RefreshRun | None = None) -> dict | None:
        """Enhanced refresh execution details; None when the endpoint answers 404."""
        response = self.transport.request(
            "GET",
            f"{self.config.refreshes_url}/{request_id}",
            accept=frozenset({404}),
            run=run,
        )
        if response.status_code == 404:
            return None
        return response.json()

    def cancel_refresh(self, request_id: str) -> bool:
        """Cancel a refresh in progress (``DELETE …/refreshes/{requestId}``, enhanced refreshes);
        False when the service says there is no such refresh to cancel (404)."""
        response = self.transport.request(
            "DELETE", f"{self.config.refreshes_url}/{request_id}", accept=frozenset({404})
        )
        return response.status_code != 404

    def get_refresh_history(self, top: int = 1, *, run: RefreshRun | None = None) -> list[dict]:
        """The latest ``top`` entries of the refresh history, newest first."""
        # "$top" is sent literally, as in Microsoft's documentation.
        response = self.transport.request(
            "GET", f"{self.config.refreshes_url}?$top={int(top)}", run=run
        )
        return list(response.json().get("value") or [])

    def find_in_history(self, request_id: str | None, run: RefreshRun) -> dict | None:
        """The history entry of ``request_id``, or the latest entry when it is None."""
        entries = self.get_refresh_history(1, run=run)
        if request_id is None:
            return entries[0] if entries else None
        if entries and entries[0].get("requestId") == request_id:
            return entries[0]
        # A newer refresh may have been queued after ours; look a little deeper.
        for entry in self.get_refresh_history(_HISTORY_SEARCH_DEPTH, run=run):
            if entry.get("requestId") == request_id:
                return entry
        return None
