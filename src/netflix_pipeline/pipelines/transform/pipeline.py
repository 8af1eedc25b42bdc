from kedro.pipeline import Pipeline, node, pipeline

from .nodes import build_marts, build_staging


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                build_staging,
                inputs={
                    "raw_load_report": "raw_load_report",
                    "warehouse": "warehouse",
                    "dbt": "params:dbt",
                },
                outputs="dbt_staging_run",
                name="dbt_build_staging_node",
            ),
            node(
                build_marts,
                inputs={"genre_summary": "genre_summary", "warehouse": "warehouse", "dbt": "params:dbt"},
                outputs="dbt_marts_run",
                name="dbt_build_marts_node",
            ),
        ],
        tags="dbt",
    )
