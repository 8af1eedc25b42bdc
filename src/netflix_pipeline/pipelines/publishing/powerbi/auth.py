"""Access tokens for the Power BI API: Azure AD client credentials through msal.

msal caches the token; after a 401 the caller asks for a fresh one, which evicts the cached
token first, since msal's client-credentials call has no way to bypass its cache.
"""

from __future__ import annotations

import logging
from typing import Any

import msal
import requests

from .config import PowerBIConfig
from .errors import PowerBIAuthError

# One logger for the whole client: its name is the one operators filter on.
logger = logging.getLogger(__package__)

POWERBI_SCOPE = "https://analysis.windows.net/powerbi/api/.default"


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


class TokenSource:
    """Bearer tokens of the configured service principal, over the caller's session."""

    def __init__(
        self,
        config: PowerBIConfig,
        session: requests.Session,
        request_timeout: float | tuple[float, float],
    ) -> None:
        self.config = config
        self._session = session
        self._request_timeout = request_timeout
        self._app: msal.ConfidentialClientApplication | None = None

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
                    http_client=_MsalHttpClient(self._session, self._request_timeout),
                    token_cache=msal.TokenCache(),
                )
            except ValueError as exc:  # OIDC discovery answered but was unusable
                raise PowerBIAuthError(
                    f"Azure AD authority {self.config.authority} is unusable: {exc}"
                ) from exc
        return self._app

    def _evict_cached_tokens(self, app: msal.ConfidentialClientApplication) -> None:
        cache = app.token_cache
        cached = list(
            cache.search(
                cache.CredentialType.ACCESS_TOKEN,
                query={"client_id": self.config.client_id},
            )
        )
        for entry in cached:
            cache.remove_at(entry)

    def access_token(self, *, force_refresh: bool = False) -> str:
        """A bearer token for the Power BI API (from msal's cache unless forced)."""
        app = self._msal_app()
        if force_refresh:
            self._evict_cached_tokens(app)
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
