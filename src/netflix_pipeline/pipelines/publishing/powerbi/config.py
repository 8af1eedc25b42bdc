"""Which dataset to refresh and as whom: the service principal and the dataset, from the
environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import PowerBIConfigError

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_API_URL = "https://api.powerbi.com/v1.0/myorg"

REQUIRED_ENV_VARS: tuple[str, ...] = (
    "POWERBI_TENANT_ID",
    "POWERBI_CLIENT_ID",
    "POWERBI_CLIENT_SECRET",
    "POWERBI_WORKSPACE_ID",
    "POWERBI_DATASET_ID",
)


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
