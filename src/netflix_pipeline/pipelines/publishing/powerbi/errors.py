"""The errors of the Power BI client: every one is a :class:`PowerBIError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class PowerBIError(Exception):
    """Base class of every error raised by this package."""


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
