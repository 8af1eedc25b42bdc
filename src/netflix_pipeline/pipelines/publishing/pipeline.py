from kedro.pipeline import Pipeline, node, pipeline

from .nodes import publish_marts, refresh_powerbi


def create_pipeline(**kwargs) -> Pipeline:
    """Publish the audited marts once the reports are written, then refresh Power BI.

    ``publish_marts_node`` needs the insights and the dbt marts run (built and tested), and the
    refresh needs the publish. The ``POWERBI_*`` settings are checked when a run that refreshes
    Power BI starts (:mod:`netflix_pipeline.hooks`), so a partial configuration fails the run
    before any node runs.
    """
    return pipeline(
        [
            node(
                publish_marts,
                inputs={
                    "insights_written": "insights",
                    "marts_tested": "dbt_marts_run",
                    "warehouse": "warehouse",
                    "publish": "params:publish",
                },
                outputs="publish_report",
                name="publish_marts_node",
            ),
            node(
                refresh_powerbi,
                inputs={"marts_published": "publish_report", "powerbi": "params:powerbi"},
                outputs="powerbi_refresh",
                name="refresh_powerbi_node",
            ),
        ],
        tags="publishing",
    )
