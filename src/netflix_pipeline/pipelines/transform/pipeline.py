"""The dbt layer as Kedro nodes: two builds, each followed by one watcher node per dbt model.

1. ``dbt_build_staging_node`` runs ``dbt build --exclude source:genres+`` once, on the fresh
   RAW tables: every model the genre node does not feed, with its tests
   (``dbt_staging_results``).
2. Its watchers ``dbt_<model>`` (:mod:`~netflix_pipeline.dbt_bridge.lineage`), then
   ``confirm_dbt_staging_node``, which passes the results on as ``dbt_staging_run`` (read by the
   genre node).
3. ``dbt_build_marts_node`` runs ``dbt build --select source:genres+`` once, after the genre
   node wrote the ``genres`` source (``dbt_marts_results``).
4. Its watchers, then ``confirm_dbt_marts_node``: ``dbt_marts_run``, read by the reports and
   the publish step.

A failing model or test makes its build node raise, listing every failure with dbt's message,
so nothing downstream runs; a crash of dbt itself (exit code 2) is reported as such. If the dbt
project cannot be read when the pipeline is made, the watchers are left out and the build node
reports dbt's error.
"""

from __future__ import annotations

from kedro.pipeline import Pipeline, node, pipeline

from ...dbt_bridge.lineage import project_dag, watch_build
from .nodes import GENRES_SOURCE, build_marts, build_staging


def create_pipeline(**kwargs) -> Pipeline:
    dag = project_dag()
    marts = dag.downstream_of_source(GENRES_SOURCE)
    staging = [m for m in dag.models if m not in marts]
    return pipeline(
        [
            node(
                build_staging,
                inputs={
                    "raw_tables_replaced": "raw_load_report",
                    "warehouse": "warehouse",
                    "dbt": "params:dbt",
                },
                outputs="dbt_staging_results",
                name="dbt_build_staging_node",
            ),
            *watch_build(
                dag,
                staging,
                results="dbt_staging_results",
                confirmed="dbt_staging_run",
                name="confirm_dbt_staging_node",
            ),
            node(
                build_marts,
                inputs={
                    "genre_tables_written": "genre_summary",
                    "warehouse": "warehouse",
                    "dbt": "params:dbt",
                },
                outputs="dbt_marts_results",
                name="dbt_build_marts_node",
            ),
            *watch_build(
                dag,
                marts,
                results="dbt_marts_results",
                confirmed="dbt_marts_run",
                name="confirm_dbt_marts_node",
            ),
        ],
        tags="dbt",
    )
