"""dbt's DAG in the Kedro graph: one watcher node per dbt model, so kedro-viz shows dbt's lineage.

Each dbt model gets a watcher node ``dbt_<model>`` whose output is the dataset
``<model>_model``. Its inputs are its build's results and the ``*_model`` datasets of the models
it selects from (the manifest's ``depends_on``), so the Kedro graph is dbt's graph. A watcher
runs no SQL and no dbt: it reads its model's status, rows and tests from the results and fails
if the model was not built or a test on it failed. A confirmation node waits for the last
watchers of a build and passes its results on.

The DAG is read from dbt's manifest (:mod:`.manifest`) when the pipeline is made, so a model
added, removed or re-wired in SQL shows up in the pipeline and in kedro-viz without touching
Python.
"""

from __future__ import annotations

import logging
from functools import partial, update_wrapper
from typing import Any

from kedro.pipeline import Node, node

from .dag import DbtDag
from .invocation import project_dir
from .manifest import load_manifest
from .results import FAILED_STATUSES, DbtBuildError, DbtCrashError

logger = logging.getLogger(__name__)


def model_dataset(model: str) -> str:
    return f"{model}_model"


def project_dag() -> DbtDag:
    """The dbt project's DAG; empty, with a warning, if the project cannot be read."""
    try:
        return DbtDag.from_manifest(load_manifest(project_dir()))
    except (DbtBuildError, DbtCrashError) as exc:
        # Other pipelines (sample data, viz) must not depend on a parsable dbt project; the
        # dbt build node will stop the run with dbt's own error.
        logger.warning("dbt models left out of the pipeline: cannot read the dbt project: %s", exc)
        return DbtDag({})


def watch_build(
    dag: DbtDag, models: list[str], *, results: str, confirmed: str, name: str
) -> list[Node]:
    """A watcher per model of a build (whose results are ``results``), then the node ``name``
    that outputs ``confirmed`` once the watchers of the build's last models passed."""
    watchers = [_watcher(dag, model, results) for model in models]
    confirmation = node(
        confirm_build,
        inputs=[results, *map(model_dataset, dag.leaves(models))],
        outputs=confirmed,
        name=name,
    )
    return [*watchers, confirmation]


def _watcher(dag: DbtDag, name: str, results: str) -> Node:
    model = dag.models[name]
    return node(
        update_wrapper(partial(confirm_model, model=name), confirm_model),
        inputs=[results, *(model_dataset(p) for p in model.parents if p in dag.models)],
        outputs=model_dataset(name),
        name=f"dbt_{name}",
        tags=["dbt_model", f"dbt_{model.layer}"],
    )


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
