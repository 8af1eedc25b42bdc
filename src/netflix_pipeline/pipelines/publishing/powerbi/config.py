"""Which dataset to refresh and as whom: the service principal and the dataset, from the
environment."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import PowerBIConfigError

logger = logging.getLogger(__package__)

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


def check_environment(environ: Mapping[str, str] = os.environ) -> PowerBIConfig | None:
    """The run's Power BI target, read and logged when a run that refreshes it starts.

    A partial configuration raises :class:`PowerBIConfigError` naming the missing variables,
    so the run fails in seconds, before any node runs (:mod:`netflix_pipeline.hooks`), rather
    than after the warehouse work. None when Power BI is not configured.
    """
    config = PowerBIConfig.from_env(environ)
    if config is None:
        logger.info("Power BI refresh will be skipped: POWERBI_* not set")
    else:
        logger.info(
            "Power BI dataset %s (workspace %s) will be refreshed after publishing",
            config.dataset_id,
            config.workspace_id,
        )
    return config
