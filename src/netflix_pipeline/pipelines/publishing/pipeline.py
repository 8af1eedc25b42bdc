from kedro.pipeline import Pipeline, node, pipeline

from .nodes import publish_marts, refresh_powerbi


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                publish_marts,
                inputs={
                    "insights": "insights",
                    "dbt_marts_run": "dbt_marts_run",
                    "warehouse": "warehouse",
                    "publish": "params:publish",
                },
                outputs="publish_report",
                name="publish_marts_node",
            ),
            node(
                refresh_powerbi,
                inputs={"publish_report": "publish_report", "powerbi": "params:powerbi"},
                outputs="powerbi_refresh",
                name="refresh_powerbi_node",
            ),
        ],
        tags="publishing",
    )
