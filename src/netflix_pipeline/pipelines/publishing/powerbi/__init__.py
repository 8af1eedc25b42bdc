"""Refresh a Power BI dataset (semantic model) and wait for the outcome.

The client authenticates as a service principal (Azure AD / Entra ID client credentials
through msal, ``auth``), triggers a refresh with the Power BI REST API (``client``) and follows
it until it reaches a terminal state (``refresh``). Transient failures are retried and every
wait is bounded by one deadline (``http``, ``run``).

Configuration comes from the environment, see :meth:`PowerBIConfig.from_env`.
The client secret is never logged and never shown in ``repr``.
"""

from .auth import POWERBI_SCOPE
from .client import DEFAULT_REQUEST_BODY, PowerBIClient
from .config import DEFAULT_API_URL, DEFAULT_AUTHORITY_HOST, PowerBIConfig
from .errors import (
    PowerBIAuthError,
    PowerBIConfigError,
    PowerBIError,
    PowerBIHTTPError,
    PowerBIRefreshError,
    PowerBITimeoutError,
)
from .refresh import refresh_dataset

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
