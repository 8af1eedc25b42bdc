"""The dbt layer as Kedro nodes: two builds, and one watcher node per dbt model.

How the dbt DAG reaches Kedro (and kedro-viz):

* When the pipeline is created, dbt's ``manifest.json`` is read: the one the last dbt command
  left in the target folder (or that the image baked), else one cached for exactly these dbt
  files; ``dbt parse`` runs (offline, a few seconds) only on a fresh clone or after the dbt
  project changed — see :func:`~netflix_pipeline.dbt_runner.load_manifest`. If the project
  cannot be parsed, the watchers are left out and the build node reports dbt's error.
* ``dbt_build_staging_node`` runs ``dbt build --exclude source:genres+`` once: every model the
  genre node does not feed, with its tests. ``dbt_build_marts_node`` runs
  ``dbt build --select source:genres+`` once, after the genre node wrote the ``genres`` source.
  Each returns its run's results (``dbt_staging_results``, ``dbt_marts_results``).
* Each dbt model gets a watcher node ``dbt_<model>`` whose output is the dataset
  ``<model>_model``. Its inputs are its build's results and the ``*_model`` datasets of
  the models it selects from (the manifest's ``depends_on``), so the Kedro graph is dbt's graph.
  A watcher runs no SQL and no dbt: it reads its model's status, rows and tests from the
  results and fails if the model was not built or a test on it failed.
* ``confirm_dbt_staging_node`` and ``confirm_dbt_marts_node`` wait for the last watchers of
  each build and pass the results on as ``dbt_staging_run`` (read by the genre node) and
  ``dbt_marts_run`` (read by the reports and the publish step).

A failing model or test makes its build node raise, listing every failure with dbt's message,
so nothing downstream runs; a crash of dbt itself (exit code 2) is reported as such.
"""

from __future__ import annotations

import logging
import os
from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node, pipeline

from ...dbt_bridge.dag import DbtDag
from ...dbt_bridge.runner import DbtBuildError, DbtCrashError, load_manifest
from .nodes import GENRES_SOURCE, build_marts, build_staging, confirm_build, confirm_model

logger = logging.getLogger(__name__)


def dbt_project_dir() -> str:
    """The dbt project: $DBT_PROJECT_DIR (dbt's own variable), else ``dbt`` in the project."""
    return os.environ.get("DBT_PROJECT_DIR", "dbt")


def model_dataset(model: str) -> str:
    return f"{model}_model"


def _watchers(dag: DbtDag, models: list[str], results: str) -> list:
    nodes = []
    for name in models:
        model = dag.models[name]
        watch = update_wrapper(partial(confirm_model, model=name), confirm_model)
        nodes.append(
            node(
                watch,
                inputs=[results, *(model_dataset(p) for p in model.parents if p in dag.models)],
                outputs=model_dataset(name),
                name=f"dbt_{name}",
                tags=["dbt_model", f"dbt_{model.layer}"],
            )
        )
    return nodes


def _read_dag() -> DbtDag:
    try:
        return DbtDag.from_manifest(load_manifest(dbt_project_dir()))
    except (DbtBuildError, DbtCrashError) as exc:
        # Other pipelines (sample data, viz) must not depend on a parsable dbt project; the
        # dbt build node will stop the run with dbt's own error.
        logger.warning("dbt models left out of the pipeline: cannot read the dbt project: %s", exc)
        return DbtDag({})


def create_pipeline(**kwargs) -> Pipeline:
    dag = _read_dag()
    marts = dag.downstream_of_source(GENRES_SOURCE)
    staging = [m for m in dag.models if m not in marts]
    return pipeline(
        [
            node(
                build_staging,
                inputs={
                    "raw_load_report": "raw_load_report",
                    "warehouse": "warehouse",
                    "dbt": "params:dbt",
                },
                outputs="dbt_staging_results",
                name="dbt_build_staging_node",
            ),
            *_watchers(dag, staging, "dbt_staging_results"),
            node(
                confirm_build,
                inputs=["dbt_staging_results", *map(model_dataset, dag.leaves(staging))],
                outputs="dbt_staging_run",
                name="confirm_dbt_staging_node",
            ),
            node(
                build_marts,
                inputs={
                    "genre_summary": "genre_summary",
                    "warehouse": "warehouse",
                    "dbt": "params:dbt",
                },
                outputs="dbt_marts_results",
                name="dbt_build_marts_node",
            ),
            *_watchers(dag, marts, "dbt_marts_results"),
            node(
                confirm_build,
                inputs=["dbt_marts_results", *map(model_dataset, dag.leaves(marts))],
                outputs="dbt_marts_run",
                name="confirm_dbt_marts_node",
            ),
        ],
        tags="dbt",
    )
