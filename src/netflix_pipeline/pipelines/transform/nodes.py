"""dbt nodes: one ``dbt build`` before the genre node, one after, so data flows one way."""

from __future__ import annotations

from ...dbt_runner import run_dbt
from ...warehouse import Warehouse


def _build(selector: str, warehouse: Warehouse, dbt: dict) -> dict:
    run = run_dbt(
        ["build", "--select", selector, *dbt.get("extra_args", [])],
        project_dir=dbt["project_dir"],
        target=dbt["target"],
        env=warehouse.dbt_env(),
    )
    return run.summary()


def build_staging(raw_load_report: dict, warehouse: Warehouse, dbt: dict) -> dict:
    """Build and test the staging and intermediate models on the freshly loaded RAW tables."""
    return _build("staging intermediate", warehouse, dbt)


def build_marts(genre_summary: dict, warehouse: Warehouse, dbt: dict) -> dict:
    """Build and test the marts once the genre tables are written."""
    return _build("marts", warehouse, dbt)
