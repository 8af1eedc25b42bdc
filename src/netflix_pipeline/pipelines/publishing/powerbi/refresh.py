"""A dataset refresh followed to its end.

``POST {api}/groups/{workspace}/datasets/{dataset}/refreshes`` starts the refresh; the request
id comes from the ``Location`` header (last path segment) or from the ``x-ms-request-id`` /
``RequestId`` header. ``GET .../refreshes/{requestId}`` (enhanced refresh execution details) is
polled with a growing interval; when that endpoint answers 404 (standard refresh on a shared
capacity), the refresh history ``GET .../refreshes?$top=1`` is followed instead. A 400/409
saying that a refresh is already running makes the client wait for that refresh to end and
then trigger its own. An overall deadline bounds the whole operation.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from .client import PowerBIClient
from .config import PowerBIConfig
from .errors import PowerBIHTTPError, PowerBIRefreshError, PowerBITimeoutError
from .http import error_info
from .run import RefreshRun

logger = logging.getLogger(__package__)

# Statuses of the refresh history ("Unknown" = still running) and of the enhanced
# refresh execution details ("NotStarted", "InProgress", ...).
PENDING_STATUSES = frozenset({"Unknown", "NotStarted", "InProgress"})
SUCCESS_STATUSES = frozenset({"Completed"})
FAILURE_STATUSES = frozenset({"Failed", "Cancelled", "Disabled", "TimedOut"})


def refresh_dataset(
    config: PowerBIConfig,
    *,
    request_body: dict | None = None,
    deadline_seconds: float = 3600,
    poll_interval_seconds: float = 5,
    max_poll_interval_seconds: float = 60,
    session: requests.Session | None = None,
    request_timeout: float | tuple[float, float] = (10.0, 60.0),
    max_retries: int = 6,
    retry_backoff_seconds: float = 1.0,
    max_retry_backoff_seconds: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict:
    """Refresh the configured dataset and wait until the refresh is terminal.

    ``request_body`` is the JSON body of the refresh request; the default,
    ``{"notifyOption": "NoNotification"}``, is a standard refresh that works on shared capacity.
    On Premium pass enhanced-refresh options such as ``{"type": "Full", "commitMode":
    "transactional", "objects": [...], "retryCount": 2}``.

    Returns a summary: ``request_id``, ``status`` ("Completed"), ``seconds``, ``polls``,
    ``triggers``, ``retries``, ``waited_for`` (ids of refreshes that were already running),
    ``workspace_id``, ``dataset_id``, ``start_time``, ``end_time`` and the service's last
    ``detail`` object.

    Raises :class:`PowerBIRefreshError` when the refresh ends Failed, Cancelled or Disabled;
    :class:`PowerBITimeoutError` (a subclass) when ``deadline_seconds`` pass first;
    :class:`PowerBIAuthError` when no token can be obtained or a fresh one is rejected;
    :class:`PowerBIHTTPError` on other API errors or when retries are exhausted.
    """
    with PowerBIClient(
        config,
        session=session,
        request_timeout=request_timeout,
        max_retries=max_retries,
        retry_backoff_seconds=retry_backoff_seconds,
        max_retry_backoff_seconds=max_retry_backoff_seconds,
        sleep=sleep,
        clock=clock,
    ) as client:
        return refresh(
            client,
            request_body=request_body,
            deadline_seconds=deadline_seconds,
            poll_interval_seconds=poll_interval_seconds,
            max_poll_interval_seconds=max_poll_interval_seconds,
        )


def refresh(
    client: PowerBIClient,
    *,
    request_body: Mapping[str, Any] | None = None,
    deadline_seconds: float = 3600,
    poll_interval_seconds: float = 5,
    max_poll_interval_seconds: float = 60,
) -> dict:
    """Trigger a refresh of the client's dataset and wait for it; see :func:`refresh_dataset`."""
    if deadline_seconds <= 0:
        raise ValueError("deadline_seconds must be positive")
    if poll_interval_seconds <= 0 or max_poll_interval_seconds < poll_interval_seconds:
        raise ValueError("need 0 < poll_interval_seconds <= max_poll_interval_seconds")
    run = RefreshRun(client.clock, deadline_seconds)
    try:
        return _Refresh(client, run, poll_interval_seconds, max_poll_interval_seconds).complete(
            request_body
        )
    except PowerBITimeoutError as exc:
        logger.error("%s", exc)
        _cancel_after_deadline(client, run.request_id)
        raise


def _cancel_after_deadline(client: PowerBIClient, request_id: str | None) -> None:
    """A refresh that outlived the run's deadline is not left running: cancel it, and say so."""
    if not request_id:
        return
    try:
        cancelled = client.cancel_refresh(request_id)
    except Exception as exc:
        logger.error(
            "Power BI: could not cancel refresh %s after the deadline: %s", request_id, exc
        )
        return
    if cancelled:
        logger.warning("Power BI: refresh %s cancelled: it outlived the deadline", request_id)
    else:
        logger.warning(
            "Power BI: refresh %s could not be cancelled (the service does not know it as a "
            "refresh in progress: a standard refresh cannot be cancelled through the API)",
            request_id,
        )


class _Refresh:
    """One refresh: triggered (after any refresh already running), then polled to its end."""

    def __init__(
        self,
        client: PowerBIClient,
        run: RefreshRun,
        poll_interval_seconds: float,
        max_poll_interval_seconds: float,
    ) -> None:
        self.client = client
        self.run = run
        self.poll_interval_seconds = poll_interval_seconds
        self.max_poll_interval_seconds = max_poll_interval_seconds

    def complete(self, request_body: Mapping[str, Any] | None) -> dict:
        """Trigger the refresh, follow it, and return its summary (or raise its failure)."""
        run = self.run
        response = self._trigger(request_body)
        run.request_id = _request_id_from(response)
        run.last_status = None
        logger.info(
            "Power BI: refresh accepted (HTTP %d), request id %s",
            response.status_code,
            run.request_id or "(none returned)",
        )
        run.phase = "waiting for the refresh"
        detail = self._follow(run.request_id, label="refresh")
        run.request_id = run.request_id or detail.get("requestId")
        return self._outcome(detail)

    def _trigger(self, request_body: Mapping[str, Any] | None) -> requests.Response:
        """POST the refresh until it is accepted, waiting out any refresh already running."""
        run, cfg = self.run, self.client.config
        while True:
            run.phase = "triggering the refresh"
            run.triggers += 1
            logger.info(
                "Power BI: triggering refresh of dataset %s in workspace %s (attempt %d)",
                cfg.dataset_id,
                cfg.workspace_id,
                run.triggers,
            )
            response = self.client.trigger_refresh(request_body, run=run)
            if response.status_code not in (400, 409):
                return response
            code, message = error_info(response)
            if not _says_refresh_in_progress(code, message):
                raise PowerBIHTTPError(
                    f"Power BI refresh request was rejected with "
                    f"{response.status_code}: {code}: {message}".rstrip(": "),
                    status_code=response.status_code,
                    error_code=code or None,
                    error_message=message or None,
                )
            logger.warning(
                "Power BI: a refresh is already running (%s %s: %s); waiting for it",
                response.status_code,
                code,
                message,
            )
            self._wait_for_running()

    def _wait_for_running(self) -> None:
        """Wait for the refresh that blocks ours (latest history entry) to end."""
        run = self.run
        run.phase = "waiting for an already-running refresh"
        entries = self.client.get_refresh_history(1, run=run)
        latest = entries[0] if entries else None
        if latest is None or latest.get("status") not in PENDING_STATUSES:
            # The history does not show it (yet): back off and trigger again.
            logger.info("Power BI: the running refresh is not in the history yet; retrying later")
            run.polls += 1
            self.client.transport.pause(self.poll_interval_seconds, run)
            return
        other = latest.get("requestId")
        run.waited_for.append(other)
        run.last_status = latest.get("status")
        logger.info(
            "Power BI: waiting for running refresh %s (status %s)", other, latest.get("status")
        )
        outcome = self._follow(other, label="running refresh")
        logger.info(
            "Power BI: running refresh %s ended with %s after %.1f s; triggering ours",
            other,
            outcome.get("status"),
            run.elapsed(),
        )

    def _follow(self, request_id: str | None, *, label: str) -> dict:
        """Poll one refresh until it is terminal; returns its last detail object."""
        run = self.run
        use_history = request_id is None
        interval = self.poll_interval_seconds
        status: str | None = None
        while True:
            detail, request_id, use_history = self._look(request_id, use_history, label)
            run.polls += 1
            new_status = str(detail.get("status")) if detail and detail.get("status") else None
            if new_status != status:
                logger.info(
                    "Power BI %s %s: status %s -> %s after %.1f s",
                    label,
                    request_id,
                    status or "(none)",
                    new_status or "(not visible yet)",
                    run.elapsed(),
                )
                status = new_status
                run.last_status = status
            if status in SUCCESS_STATUSES or status in FAILURE_STATUSES:
                return dict(detail or {}, requestId=(detail or {}).get("requestId") or request_id)
            if status is not None and status not in PENDING_STATUSES:
                logger.warning("Power BI %s %s: unrecognised status %r", label, request_id, status)
            if run.remaining() <= 0:
                raise run.timeout_error()
            self.client.transport.pause(interval, run)
            interval = min(max(interval, 0.0) * 1.5, self.max_poll_interval_seconds)

    def _look(
        self, request_id: str | None, use_history: bool, label: str
    ) -> tuple[dict | None, str | None, bool]:
        """One look at a refresh: its execution details, or its history entry once those
        answered 404 (or when its request id is unknown). Returns the detail, the request id
        and whether to use the history from now on."""
        detail: dict | None = None
        if not use_history:
            detail = self.client.get_refresh_details(request_id, run=self.run)
            if detail is None:
                use_history = True
                logger.info(
                    "Power BI %s %s: no execution details (404); following the refresh "
                    "history instead",
                    label,
                    request_id,
                )
        if use_history:
            detail = self.client.find_in_history(request_id, self.run)
            if detail is not None and request_id is None:
                request_id = detail.get("requestId")
                logger.warning(
                    "Power BI %s: no request id known; following the latest refresh %s",
                    label,
                    request_id,
                )
        return detail, request_id, use_history

    def _outcome(self, detail: dict) -> dict:
        """The summary of a completed refresh; raises the failure of a failed one."""
        run, cfg = self.run, self.client.config
        status = str(detail.get("status"))
        seconds = round(run.elapsed(), 3)
        if status in FAILURE_STATUSES:
            service_error = _service_error(detail)
            logger.error(
                "Power BI refresh %s ended with status %s after %.1f s",
                run.request_id,
                status,
                seconds,
            )
            raise PowerBIRefreshError(
                f"Power BI refresh failed: status {status} (request id {run.request_id}): "
                f"{_describe(service_error)}",
                status=status,
                request_id=run.request_id,
                service_error=service_error,
                detail=detail,
            )
        logger.info(
            "Power BI refresh %s completed after %.1f s (%d polls)",
            run.request_id,
            seconds,
            run.polls,
        )
        return {
            "request_id": run.request_id,
            "status": status,
            "seconds": seconds,
            "polls": run.polls,
            "triggers": run.triggers,
            "retries": run.retries,
            "waited_for": list(run.waited_for),
            "workspace_id": cfg.workspace_id,
            "dataset_id": cfg.dataset_id,
            "start_time": detail.get("startTime"),
            "end_time": detail.get("endTime"),
            "detail": detail,
        }


def _says_refresh_in_progress(code: str, message: str) -> bool:
    text = f"{code} {message}".lower()
    return any(
        marker in text
        for marker in ("already", "in progress", "inprogress", "another refresh", "is running")
    )


def _request_id_from(response: requests.Response) -> str | None:
    location = response.headers.get("Location")
    if location:
        segment = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
        if segment and segment != "refreshes":
            return segment
    for header in ("x-ms-request-id", "RequestId"):
        value = response.headers.get(header)
        if value:
            return value.strip()
    return None


def _service_error(detail: Mapping[str, Any]) -> Any:
    """The service's explanation of a failed refresh, parsed when it is JSON."""
    raw = detail.get("serviceExceptionJson")
    if raw:
        if isinstance(raw, str):
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        return raw
    messages = detail.get("messages")
    if messages:
        return messages
    attempts = detail.get("refreshAttempts") or []
    for attempt in reversed(attempts):
        if isinstance(attempt, Mapping) and attempt.get("serviceExceptionJson"):
            return _service_error(attempt)
    return None


def _describe(service_error: Any) -> str:
    if service_error is None:
        return "no error details returned by the service"
    if isinstance(service_error, str):
        return service_error
    return json.dumps(service_error, ensure_ascii=False, sort_keys=True)
