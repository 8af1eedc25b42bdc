"""dbt nodes: two ``dbt build`` invocations around the genre node, and one watcher per model.

The genre normalization node (Python) writes the ``genres`` source between the two builds, so
data flows one way: the first build is everything that node does not feed
(``--exclude source:genres+``), the second everything downstream of it
(``--select source:genres+``). The watchers run no SQL: each reads its model's outcome from its
build's results.
"""

from __future__ import annotations

from typing import Any

from ...dbt_bridge.runner import FAILED_STATUSES, DbtBuildError, count_rows, log_summary, run_dbt
from ...warehouse import Warehouse

GENRES_SOURCE = "genres"
AFTER_GENRES = f"source:{GENRES_SOURCE}+"


def dbt_location(dbt: dict, warehouse: Warehouse, wait: bool = True) -> dict[str, Any]:
    """Where and how the run's dbt commands run (``params:dbt`` and the warehouse).

    The builds and the parse at the start of the run (:mod:`netflix_pipeline.hooks`) share it:
    the builds reuse that parse only if they run with the same location and environment.
    """
    return {
        "project_dir": dbt["project_dir"],
        "target": dbt["target"],
        "env": warehouse.dbt_env(wait=wait),
        "target_path": dbt.get("target_path"),
        "log_path": dbt.get("log_path"),
    }


def _build(selection: list[str], warehouse: Warehouse, dbt: dict) -> dict[str, Any]:
    args = ["build", *selection]
    if dbt.get("threads"):
        args += ["--threads", str(dbt["threads"])]
    if not dbt.get("unit_tests", False):
        args += ["--exclude-resource-type", "unit_test"]
    run = run_dbt([*args, *dbt.get("extra_args", [])], **dbt_location(dbt, warehouse))
    relations = run.built_relations()
    if relations:
        with warehouse.cursor() as cursor:
            run = run.with_rows(count_rows(cursor, relations))
    log_summary(run)
    run.raise_for_failures()
    return run.summary()


def build_staging(raw_load_report: dict, warehouse: Warehouse, dbt: dict) -> dict[str, Any]:
    """Build and test every model the genre node does not feed, on the fresh RAW tables."""
    return _build(["--exclude", AFTER_GENRES], warehouse, dbt)


def build_marts(genre_summary: dict, warehouse: Warehouse, dbt: dict) -> dict[str, Any]:
    """Build and test everything downstream of the genre tables: the marts."""
    return _build(["--select", AFTER_GENRES], warehouse, dbt)


def confirm_model(dbt_results: dict, *upstream_models: dict, model: str) -> dict[str, Any]:
    """The model's outcome in its build: status, rows, seconds and the tests attached to it.

    ``upstream_models`` are the outcomes of the models it selects from; they order the watchers
    like dbt's DAG. Fails unless the build built the model and every test on it passed.
    """
    record = dbt_results["models"].get(model)
    if record is None:
        raise DbtBuildError(
            f"dbt model {model} is not in the results of `{dbt_results['command']}`: the "
            "build did not select it, so it was neither built nor tested."
        )
    checks = {**record["tests"], **record["unit_tests"]}
    failing = {name: c for name, c in checks.items() if c["status"] in FAILED_STATUSES}
    if record["status"] != "success" or failing:
        details = "".join(
            f"\n  - {name}: {c['status']}: {c.get('message', '')}" for name, c in failing.items()
        )
        raise DbtBuildError(f"dbt model {model}: {record['status']}{details}")
    return {"model": model, **record}


def confirm_build(dbt_results: dict, *models: dict) -> dict[str, Any]:
    """The build's results, once the watchers of its last models passed."""
    if dbt_results["returncode"] != 0:
        raise DbtBuildError(f"`{dbt_results['command']}` did not pass: {dbt_results['statuses']}")
    return dbt_results
