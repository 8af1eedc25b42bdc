from kedro.pipeline import Pipeline, node, pipeline

from .nodes import check_powerbi_config, publish_marts, refresh_powerbi


def create_pipeline(**kwargs) -> Pipeline:
    """Publish the audited marts once the reports are written, then refresh Power BI.

    ``check_powerbi_config_node`` has no inputs, so Kedro runs it first: a partial ``POWERBI_*``
    configuration fails the run before any warehouse work. ``publish_marts_node`` needs the
    insights and the dbt marts run (built and tested), and the refresh needs the publish.
    """
    return pipeline(
        [
            node(
                check_powerbi_config,
                inputs=None,
                outputs="powerbi_target",
                name="check_powerbi_config_node",
            ),
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
                inputs={
                    "publish_report": "publish_report",
                    "powerbi_target": "powerbi_target",
                    "powerbi": "params:powerbi",
                },
                outputs="powerbi_refresh",
                name="refresh_powerbi_node",
            ),
        ],
        tags="publishing",
    )
