"""Calls to the Power BI API that survive the usual trouble.

429 honours ``Retry-After``; 5xx responses and connection errors are retried with exponential
backoff and jitter; a 401 gets exactly one fresh token before the call is repeated. No wait
goes past the refresh's deadline.
"""

from __future__ import annotations

import email.utils
import logging
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from msal.exceptions import MsalServiceError

from .auth import TokenSource
from .errors import PowerBIAuthError, PowerBIError, PowerBIHTTPError
from .run import RefreshRun

logger = logging.getLogger(__package__)

_RETRYABLE_STATUS_CODES = frozenset({500, 502, 503, 504})
_TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, MsalServiceError)


def parse_retry_after(value: str | None) -> float | None:
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


def error_info(response: requests.Response) -> tuple[str, str]:
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


class Transport:
    """Authorised requests with retries, over one session."""

    def __init__(
        self,
        session: requests.Session,
        tokens: TokenSource,
        *,
        request_timeout: float | tuple[float, float],
        max_retries: int,
        retry_backoff_seconds: float,
        max_retry_backoff_seconds: float,
        sleep: Callable[[float], None],
    ) -> None:
        self.session = session
        self.tokens = tokens
        self.request_timeout = request_timeout
        self.max_retries = max_retries
        self.retry_backoff_seconds = retry_backoff_seconds
        self.max_retry_backoff_seconds = max_retry_backoff_seconds
        self._sleep = sleep
        self._random = random.Random()

    def pause(self, seconds: float, run: RefreshRun | None) -> None:
        """Sleep, never past the run's deadline; raise its timeout once that has passed."""
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
        self,
        attempt: int,
        reason: str,
        delay: float | None,
        run: RefreshRun | None,
        error: PowerBIError,
    ) -> None:
        if attempt > self.max_retries:
            raise error
        wait = self._backoff(attempt) if delay is None else delay
        if run is not None:
            run.retries += 1
        logger.warning(
            "Power BI: %s; retry %d/%d in %.1f s", reason, attempt, self.max_retries, wait
        )
        self.pause(wait, run)

    def _send(
        self,
        method: str,
        url: str,
        token: str,
        json_body: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None,
    ) -> requests.Response:
        return self.session.request(
            method,
            url,
            params=params,
            json=dict(json_body) if json_body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=self.request_timeout,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        accept: frozenset[int] = frozenset(),
        run: RefreshRun | None = None,
    ) -> requests.Response:
        """Call the API with retries; returns 2xx responses and those in ``accept``."""
        what = f"{method} {urlsplit(url).path}"
        attempt = 0
        reauthenticated = force_token = False
        while True:
            try:
                token = self.tokens.access_token(force_refresh=force_token)
                force_token = False
                response = self._send(method, url, token, json_body, params)
            except _TRANSIENT_ERRORS as exc:
                attempt += 1
                error = PowerBIHTTPError(
                    f"Power BI {what} failed after {attempt} attempt(s): "
                    f"{type(exc).__name__}: {exc}"
                )
                reason = f"{what} failed ({type(exc).__name__})"
                self._retry_or_raise(attempt, reason, None, run, error)
                continue
            status = response.status_code
            if 200 <= status < 300 or status in accept:
                return response
            code, message = error_info(response)
            if status == 401 and not reauthenticated:
                reauthenticated = force_token = True
                logger.warning("Power BI: %s returned 401 (%s); acquiring a new token", what, code)
                continue
            error = _status_error(what, status, code, message)
            if status != 429 and status not in _RETRYABLE_STATUS_CODES:
                raise error
            attempt += 1
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            reason = f"{what} returned {status}"
            if retry_after is not None:
                reason += f" (Retry-After {retry_after:g} s)"
            self._retry_or_raise(attempt, reason, retry_after, run, error)


def _status_error(what: str, status: int, code: str, message: str) -> PowerBIError:
    """The error for an answer that is neither accepted nor a first 401."""
    if status == 401:
        return PowerBIAuthError(
            f"Power BI {what} returned 401 even with a freshly acquired token: {code}: {message}"
        )
    return PowerBIHTTPError(
        f"Power BI {what} returned {status}: {code}: {message}".rstrip(": "),
        status_code=status,
        error_code=code or None,
        error_message=message or None,
    )
