"""Refresh a Power BI dataset (semantic model) and wait for the outcome.

The client authenticates as a service principal (Azure AD / Entra ID client
credentials through msal), triggers a refresh with the Power BI REST API and
follows it until it reaches a terminal state:

* ``POST {api}/groups/{workspace}/datasets/{dataset}/refreshes`` starts the refresh.
  The request id comes from the ``Location`` header (last path segment) or from
  the ``x-ms-request-id`` / ``RequestId`` header.
* ``GET .../refreshes/{requestId}`` (enhanced refresh execution details) is polled
  with a growing interval. When that endpoint answers 404 (standard refresh on a
  shared capacity), the client falls back to the refresh history
  ``GET .../refreshes?$top=1``.

Transient failures are retried: 429 honours ``Retry-After``; 5xx responses and
connection errors are retried with exponential backoff and jitter; a 401 causes
exactly one fresh token (bypassing msal's token cache) before the call is
repeated; a 400/409 saying that a refresh is already running makes the client
wait for that refresh to finish and then trigger its own. An overall deadline
bounds the whole operation.

Configuration comes from the environment, see :meth:`PowerBIConfig.from_env`.
The client secret is never logged and never shown in ``repr``.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import msal
import requests
from msal.exceptions import MsalServiceError

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_AUTHORITY_HOST",
    "DEFAULT_REQUEST_BODY",
    "POWERBI_SCOPE",
    "PowerBIAuthError",
    "PowerBIClient",
    "PowerBIConfig",
    "PowerBIConfigError",
    "PowerBIError",
    "PowerBIHTTPError",
    "PowerBIRefreshError",
    "PowerBITimeoutError",
    "refresh_dataset",
]

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_API_URL = "https://api.powerbi.com/v1.0/myorg"
POWERBI_SCOPE = "https://analysis.windows.net/powerbi/api/.default"
# Standard (non-enhanced) refresh; valid on shared and Premium capacities.
DEFAULT_REQUEST_BODY: Mapping[str, Any] = {"notifyOption": "NoNotification"}

REQUIRED_ENV_VARS: tuple[str, ...] = (
    "POWERBI_TENANT_ID",
    "POWERBI_CLIENT_ID",
    "POWERBI_CLIENT_SECRET",
    "POWERBI_WORKSPACE_ID",
    "POWERBI_DATASET_ID",
)

# Statuses of the refresh history ("Unknown" = still running) and of the enhanced
# refresh execution details ("NotStarted", "InProgress", ...).
PENDING_STATUSES = frozenset({"Unknown", "NotStarted", "InProgress"})
SUCCESS_STATUSES = frozenset({"Completed"})
FAILURE_STATUSES = frozenset({"Failed", "Cancelled", "Disabled", "TimedOut"})

_RETRYABLE_STATUS_CODES = frozenset({500, 502, 503, 504})
_HISTORY_SEARCH_DEPTH = 20


# --------------------------------------------------------------------------- errors


class PowerBIError(Exception):
    """Base class of every error raised by this module."""


class PowerBIConfigError(PowerBIError, ValueError):
    """The Power BI configuration is incomplete or invalid."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


class PowerBIAuthError(PowerBIError):
    """No access token could be obtained, or the API kept rejecting it."""


class PowerBIHTTPError(PowerBIError):
    """The Power BI API answered with an unexpected status, or was unreachable."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_code = error_code
        self.error_message = error_message


class PowerBIRefreshError(PowerBIError):
    """The refresh ended in a failure state (or did not end in time)."""

    def __init__(
        self,
        message: str,
        *,
        status: str | None = None,
        request_id: str | None = None,
        service_error: Any = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.request_id = request_id
        self.service_error = service_error
        self.detail = dict(detail) if detail else {}


class PowerBITimeoutError(PowerBIRefreshError, TimeoutError):
    """The overall deadline passed before the refresh reached a terminal state."""

    def __init__(
        self,
        message: str,
        *,
        deadline_seconds: float,
        status: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, request_id=request_id)
        self.deadline_seconds = deadline_seconds


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class PowerBIConfig:
    """Service principal credentials and the dataset to refresh."""

    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    workspace_id: str
    dataset_id: str
    authority_host: str = DEFAULT_AUTHORITY_HOST
    api_url: str = DEFAULT_API_URL

    def __post_init__(self) -> None:
        for name in ("authority_host", "api_url"):
            value = getattr(self, name).strip().rstrip("/")
            parts = urlsplit(value)
            if parts.scheme != "https" or not parts.netloc:
                raise PowerBIConfigError(f"{name} must be an https URL, got {value!r}")
            object.__setattr__(self, name, value)

    @property
    def authority(self) -> str:
        return f"{self.authority_host}/{self.tenant_id}"

    @property
    def refreshes_url(self) -> str:
        return f"{self.api_url}/groups/{self.workspace_id}/datasets/{self.dataset_id}/refreshes"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> PowerBIConfig | None:
        """Read the configuration from environment variables.

        Returns None when none of the five required variables is set (Power BI is
        not configured); raises :class:`PowerBIConfigError` naming the missing
        variables when only some are. Empty values count as unset.
        """
        values = {name: (environ.get(name) or "").strip() for name in REQUIRED_ENV_VARS}
        missing = tuple(name for name, value in values.items() if not value)
        if len(missing) == len(REQUIRED_ENV_VARS):
            return None
        if missing:
            raise PowerBIConfigError(
                "Incomplete Power BI configuration; missing environment variables: "
                + ", ".join(missing),
                missing=missing,
            )
        return cls(
            tenant_id=values["POWERBI_TENANT_ID"],
            client_id=values["POWERBI_CLIENT_ID"],
            client_secret=values["POWERBI_CLIENT_SECRET"],
            workspace_id=values["POWERBI_WORKSPACE_ID"],
            dataset_id=values["POWERBI_DATASET_ID"],
            authority_host=(environ.get("POWERBI_AUTHORITY_HOST") or "").strip()
            or DEFAULT_AUTHORITY_HOST,
            api_url=(environ.get("POWERBI_API_URL") or "").strip() or DEFAULT_API_URL,
        )


# --------------------------------------------------------------------------- helpers


class _MsalHttpClient:
    """Lets msal use our session (TLS/proxy settings) with a timeout on each call."""

    def __init__(self, session: requests.Session, timeout: float | tuple[float, float]) -> None:
        self._session = session
        self._timeout = timeout

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.post(url, **kwargs)

    def close(self) -> None:  # the session belongs to the caller
        pass


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _error_info(response: requests.Response) -> tuple[str, str]:
    """(code, message) of a Power BI error response; falls back to the raw text."""
    try:
        payload = response.json()
    except ValueError:
        return "", (response.text or "").strip()[:500]
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return str(error.get("code") or ""), str(error.get("message") or "")
    if isinstance(payload, dict):
        code = payload.get("code") or payload.get("errorCode") or ""
        message = payload.get("message") or payload.get("errorDescription") or ""
        if code or message:
            return str(code), str(message)
    return "", (response.text or "").strip()[:500]


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


class _Run:
    """Book-keeping of one refresh_dataset call (deadline, counters, last status)."""

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


# --------------------------------------------------------------------------- client


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
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self.request_timeout = request_timeout
        self.max_retries = max_retries
        self.retry_backoff_seconds = retry_backoff_seconds
        self.max_retry_backoff_seconds = max_retry_backoff_seconds
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self._app: msal.ConfidentialClientApplication | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> PowerBIClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---------------------------------------------------------------- auth

    def _msal_app(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.config.client_id,
                    client_credential=self.config.client_secret,
                    authority=self.config.authority,
                    # No instance discovery / authority validation against
                    # login.microsoftonline.com: sovereign clouds and private
                    # authority hosts are trusted as configured.
                    validate_authority=False,
                    instance_discovery=False,
                    http_client=_MsalHttpClient(self.session, self.request_timeout),
                    token_cache=msal.TokenCache(),
                )
            except ValueError as exc:  # OIDC discovery answered but was unusable
                raise PowerBIAuthError(
                    f"Azure AD authority {self.config.authority} is unusable: {exc}"
                ) from exc
        return self._app

    def access_token(self, *, force_refresh: bool = False) -> str:
        """A bearer token for the Power BI API (from msal's cache unless forced)."""
        app = self._msal_app()
        if force_refresh:
            # acquire_token_for_client refuses force_refresh; evicting this app's
            # cached access tokens makes the next call go to the token endpoint.
            cache = app.token_cache
            cached = list(
                cache.search(
                    cache.CredentialType.ACCESS_TOKEN,
                    query={"client_id": self.config.client_id},
                )
            )
            for entry in cached:
                cache.remove_at(entry)
        result = app.acquire_token_for_client(scopes=[POWERBI_SCOPE])
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            error = result.get("error") if isinstance(result, dict) else None
            description = result.get("error_description") if isinstance(result, dict) else None
            raise PowerBIAuthError(
                f"Azure AD token request for client {self.config.client_id} failed: "
                f"{error or 'no token returned'}: {description or ''}".rstrip(": ")
            )
        logger.debug(
            "Obtained Power BI access token (source: %s)", result.get("token_source", "unknown")
        )
        return token

    # ---------------------------------------------------------------- transport

    def _pause(self, seconds: float, run: _Run | None) -> None:
        if run is not None:
            remaining = run.remaining()
            if remaining <= 0:
                raise run.timeout_error()
            seconds = min(seconds, remaining)
        if seconds > 0:
            self._sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(
            self.max_retry_backoff_seconds, self.retry_backoff_seconds * 2 ** (attempt - 1)
        )
        return self._random.uniform(ceiling / 2, ceiling)  # "equal jitter"

    def _retry_or_raise(
        self, attempt: int, reason: str, delay: float | None, run: _Run | None, error: PowerBIError
    ) -> None:
        if attempt > self.max_retries:
            raise error
        wait = self._backoff(attempt) if delay is None else delay
        if run is not None:
            run.retries += 1
        logger.warning(
            "Power BI: %s; retry %d/%d in %.1f s", reason, attempt, self.max_retries, wait
        )
        self._pause(wait, run)

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        accept: frozenset[int] = frozenset(),
        run: _Run | None = None,
    ) -> requests.Response:
        """Call the API with retries; returns 2xx responses and those in ``accept``."""
        what = f"{method} {urlsplit(url).path}"
        attempt = 0
        reauthenticated = False
        force_token = False
        while True:
            try:
                token = self.access_token(force_refresh=force_token)
                force_token = False
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=dict(json_body) if json_body is not None else None,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    timeout=self.request_timeout,
                )
            except (requests.ConnectionError, requests.Timeout, MsalServiceError) as exc:
                attempt += 1
                error = PowerBIHTTPError(
                    f"Power BI {what} failed after {attempt} attempt(s): "
                    f"{type(exc).__name__}: {exc}"
                )
                self._retry_or_raise(
                    attempt, f"{what} failed ({type(exc).__name__})", None, run, error
                )
                continue

            status = response.status_code
            if 200 <= status < 300 or status in accept:
                return response
            code, message = _error_info(response)
            if status == 401:
                if not reauthenticated:
                    reauthenticated = force_token = True
                    logger.warning(
                        "Power BI: %s returned 401 (%s); acquiring a new token", what, code
                    )
                    continue
                raise PowerBIAuthError(
                    f"Power BI {what} returned 401 even with a freshly acquired token: "
                    f"{code}: {message}"
                )
            error = PowerBIHTTPError(
                f"Power BI {what} returned {status}: {code}: {message}".rstrip(": "),
                status_code=status,
                error_code=code or None,
                error_message=message or None,
            )
            if status == 429 or status in _RETRYABLE_STATUS_CODES:
                attempt += 1
                retry_after = _parse_retry_after(response.headers.get("Retry-After"))
                reason = f"{what} returned {status}"
                if retry_after is not None:
                    reason += f" (Retry-After {retry_after:g} s)"
                self._retry_or_raise(attempt, reason, retry_after, run, error)
                continue
            raise error

    # ---------------------------------------------------------------- API calls

    def trigger_refresh(
        self, request_body: Mapping[str, Any] | None = None, *, run: _Run | None = None
    ) -> requests.Response:
        """POST the refresh; returns the raw response (202, or 400/409 to inspect)."""
        body = DEFAULT_REQUEST_BODY if request_body is None else request_body
        return self.request(
            "POST",
            self.config.refreshes_url,
            json_body=body,
            accept=frozenset({400, 409}),
            run=run,
        )

    def get_refresh_details(self, request_id: str, *, run: _Run | None = None) -> dict | None:
        """Enhanced refresh execution details; None when the endpoint answers 404."""
        response = self.request(
            "GET",
            f"{self.config.refreshes_url}/{request_id}",
            accept=frozenset({404}),
            run=run,
        )
        if response.status_code == 404:
            return None
        return response.json()

    def get_refresh_history(self, top: int = 1, *, run: _Run | None = None) -> list[dict]:
        """The latest ``top`` entries of the refresh history, newest first."""
        # "$top" is sent literally, as in Microsoft's documentation.
        response = self.request("GET", f"{self.config.refreshes_url}?$top={int(top)}", run=run)
        return list(response.json().get("value") or [])

    def _from_history(self, request_id: str | None, run: _Run) -> dict | None:
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

    # ---------------------------------------------------------------- orchestration

    def _follow(
        self,
        request_id: str | None,
        run: _Run,
        *,
        poll_interval_seconds: float,
        max_poll_interval_seconds: float,
        label: str,
    ) -> dict:
        """Poll one refresh until it is terminal; returns its last detail object."""
        use_history = request_id is None
        interval = poll_interval_seconds
        status: str | None = None
        while True:
            detail: dict | None = None
            if not use_history:
                detail = self.get_refresh_details(request_id, run=run)
                if detail is None:
                    use_history = True
                    logger.info(
                        "Power BI %s %s: no execution details (404); following the refresh "
                        "history instead",
                        label,
                        request_id,
                    )
            if use_history:
                detail = self._from_history(request_id, run)
                if detail is not None and request_id is None:
                    request_id = detail.get("requestId")
                    logger.warning(
                        "Power BI %s: no request id known; following the latest refresh %s",
                        label,
                        request_id,
                    )
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
            self._pause(interval, run)
            interval = min(max(interval, 0.0) * 1.5, max_poll_interval_seconds)

    def refresh(
        self,
        *,
        request_body: Mapping[str, Any] | None = None,
        deadline_seconds: float = 3600,
        poll_interval_seconds: float = 5,
        max_poll_interval_seconds: float = 60,
    ) -> dict:
        """Trigger a refresh and wait for it; see :func:`refresh_dataset`."""
        if deadline_seconds <= 0:
            raise ValueError("deadline_seconds must be positive")
        if poll_interval_seconds <= 0 or max_poll_interval_seconds < poll_interval_seconds:
            raise ValueError("need 0 < poll_interval_seconds <= max_poll_interval_seconds")
        run = _Run(self._clock, deadline_seconds)
        try:
            return self._refresh(
                run, request_body, poll_interval_seconds, max_poll_interval_seconds
            )
        except PowerBITimeoutError as exc:
            logger.error("%s", exc)
            raise

    def _refresh(
        self,
        run: _Run,
        request_body: Mapping[str, Any] | None,
        poll_interval_seconds: float,
        max_poll_interval_seconds: float,
    ) -> dict:
        polling = {
            "poll_interval_seconds": poll_interval_seconds,
            "max_poll_interval_seconds": max_poll_interval_seconds,
        }
        cfg = self.config
        while True:
            run.phase = "triggering the refresh"
            run.triggers += 1
            logger.info(
                "Power BI: triggering refresh of dataset %s in workspace %s (attempt %d)",
                cfg.dataset_id,
                cfg.workspace_id,
                run.triggers,
            )
            response = self.trigger_refresh(request_body, run=run)
            if response.status_code in (400, 409):
                code, message = _error_info(response)
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
                self._wait_for_running(run, **polling)
                continue
            break

        run.request_id = _request_id_from(response)
        run.last_status = None
        logger.info(
            "Power BI: refresh accepted (HTTP %d), request id %s",
            response.status_code,
            run.request_id or "(none returned)",
        )
        run.phase = "waiting for the refresh"
        detail = self._follow(run.request_id, run, label="refresh", **polling)
        run.request_id = run.request_id or detail.get("requestId")
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

    def _wait_for_running(
        self, run: _Run, *, poll_interval_seconds: float, max_poll_interval_seconds: float
    ) -> None:
        """Wait for the refresh that blocks ours (latest history entry) to end."""
        run.phase = "waiting for an already-running refresh"
        entries = self.get_refresh_history(1, run=run)
        latest = entries[0] if entries else None
        if latest is None or latest.get("status") not in PENDING_STATUSES:
            # The history does not show it (yet): back off and trigger again.
            logger.info("Power BI: the running refresh is not in the history yet; retrying later")
            run.polls += 1
            self._pause(poll_interval_seconds, run)
            return
        other = latest.get("requestId")
        run.waited_for.append(other)
        run.last_status = latest.get("status")
        logger.info(
            "Power BI: waiting for running refresh %s (status %s)", other, latest.get("status")
        )
        outcome = self._follow(
            other,
            run,
            poll_interval_seconds=poll_interval_seconds,
            max_poll_interval_seconds=max_poll_interval_seconds,
            label="running refresh",
        )
        logger.info(
            "Power BI: running refresh %s ended with %s after %.1f s; triggering ours",
            other,
            outcome.get("status"),
            run.elapsed(),
        )


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
    ``{"notifyOption": "NoNotification"}``, is a standard refresh that works on
    shared capacity. On Premium pass enhanced-refresh options such as
    ``{"type": "Full", "commitMode": "transactional", "objects": [...],
    "retryCount": 2}``.

    Returns a summary: ``request_id``, ``status`` ("Completed"), ``seconds``,
    ``polls``, ``triggers``, ``retries``, ``waited_for`` (ids of refreshes that were
    already running), ``workspace_id``, ``dataset_id``, ``start_time``,
    ``end_time`` and the service's last ``detail`` object.

    Raises :class:`PowerBIRefreshError` when the refresh ends Failed, Cancelled or
    Disabled; :class:`PowerBITimeoutError` (a subclass) when ``deadline_seconds``
    pass first; :class:`PowerBIAuthError` when no token can be obtained or a
    fresh one is rejected; :class:`PowerBIHTTPError` on other API errors or when
    retries are exhausted.
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
        return client.refresh(
            request_body=request_body,
            deadline_seconds=deadline_seconds,
            poll_interval_seconds=poll_interval_seconds,
            max_poll_interval_seconds=max_poll_interval_seconds,
        )
