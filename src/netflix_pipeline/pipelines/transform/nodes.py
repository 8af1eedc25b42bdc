"""The two ``dbt build`` nodes, around the genre node.

The genre normalization node (Python) writes the ``genres`` source between the two builds, so
data flows one way: the first build is everything that node does not feed
(``--exclude source:genres+``), the second everything downstream of it
(``--select source:genres+``). Each returns its run's results, grouped by model.
"""

from __future__ import annotations

from typing import Any

from ...dbt_bridge.invocation import location_for, run_dbt
from ...dbt_bridge.summary import count_rows, log_summary
from ...warehouse import Warehouse

GENRES_SOURCE = "genres"
AFTER_GENRES = f"source:{GENRES_SOURCE}+"


def _build(selection: list[str], warehouse: Warehouse, dbt: dict) -> dict[str, Any]:
    args = ["build", *selection]
    if dbt.get("threads"):
        args += ["--threads", str(dbt["threads"])]
    if not dbt.get("unit_tests", False):
        args += ["--exclude-resource-type", "unit_test"]
    run = run_dbt([*args, *dbt.get("extra_args", [])], **location_for(dbt, warehouse.dbt_env()))
    relations = run.built_relations()
    if relations:
        with warehouse.cursor() as cursor:
            run = run.with_rows(count_rows(cursor, relations))
    log_summary(run)
    run.raise_for_failures()
    return run.summary()


def build_staging(raw_tables_replaced: dict, warehouse: Warehouse, dbt: dict) -> dict[str, Any]:
    """Build and test every model the genre node does not feed, on the fresh RAW tables.

    ``raw_tables_replaced`` (the load report) only orders this build after the load.
    """
    return _build(["--exclude", AFTER_GENRES], warehouse, dbt)


def build_marts(genre_tables_written: dict, warehouse: Warehouse, dbt: dict) -> dict[str, Any]:
    """Build and test everything downstream of the genre tables: the marts.

    ``genre_tables_written`` (the genre node's summary) only orders this build after it.
    """
    return _build(["--select", AFTER_GENRES], warehouse, dbt)
