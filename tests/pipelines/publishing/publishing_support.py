"""Helpers of the publishing tests: the fake Power BI over HTTPS, and a warehouse with a fault."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import trustme
from fake_powerbi import FakePowerBI

POWERBI_VARS = (
    "POWERBI_TENANT_ID",
    "POWERBI_CLIENT_ID",
    "POWERBI_CLIENT_SECRET",
    "POWERBI_WORKSPACE_ID",
    "POWERBI_DATASET_ID",
    "POWERBI_AUTHORITY_HOST",
    "POWERBI_API_URL",
)

# Poll the fake quickly; the production defaults (conf/base/parameters_publishing.yml) are slower.
FAST_POLLING = "powerbi.poll_interval_seconds=0.2,powerbi.max_poll_interval_seconds=0.5"


@contextlib.contextmanager
def fake_powerbi(tmp_path: Path) -> Iterator[tuple[FakePowerBI, dict[str, str]]]:
    """The fake Azure AD + Power BI on loopback, and the environment that points a run at it.

    The certificate comes from a throwaway CA that only REQUESTS_CA_BUNDLE trusts, so the
    client's TLS checks run for real.
    """
    ca = trustme.CA()
    ca_file = tmp_path / "fake-powerbi-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = FakePowerBI(ca.issue_cert("127.0.0.1", "localhost"))
    env = {
        **server.env(),
        "REQUESTS_CA_BUNDLE": str(ca_file),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    try:
        yield server, env
    finally:
        server.close()


class FaultyWarehouse:
    """The real warehouse, except that the first statement containing ``fail_on`` raises.

    Injects a failure in the middle of the publish transaction, on the real emulator, so the
    test sees what the emulator's rollback really leaves behind.
    """

    def __init__(self, warehouse: Any, fail_on: str) -> None:
        self._warehouse = warehouse
        self.fail_on = fail_on
        self.failed = False

    @contextlib.contextmanager
    def cursor(self) -> Iterator[_Cursor]:
        with self._warehouse.cursor() as cur:
            yield _Cursor(cur, self)

    def ensure_schemas(self, cur: Any, schemas: list[str]) -> None:
        self._warehouse.ensure_schemas(cur, schemas)

    def verify_run(self, cur: Any) -> None:
        self._warehouse.verify_run(cur)


class _Cursor:
    def __init__(self, cur: Any, owner: FaultyWarehouse) -> None:
        self._cur = cur
        self._owner = owner

    def execute(self, sql: str, *args: Any) -> Any:
        if not self._owner.failed and self._owner.fail_on in sql:
            self._owner.failed = True
            raise RuntimeError(f"injected failure on: {sql}")
        self._cur.execute(sql, *args)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)
