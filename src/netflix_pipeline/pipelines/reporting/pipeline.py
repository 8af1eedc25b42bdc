"""The reporting stage: mart exports, insights.json, the dashboard, rejected rows and the
terminal summary."""

from kedro.pipeline import Node, Pipeline, node, pipeline

from .nodes import (
    build_dashboard,
    build_insights,
    combine_rejected_rows,
    export_marts,
    print_summary,
)


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            _export_marts(),
            _build_insights(),
            _build_dashboard(),
            _show_summary(),
            _report_rejected_rows(),
        ],
        tags="reporting",
    )


def _export_marts() -> Node:
    return node(
        export_marts,
        inputs={
            "marts_tested": "dbt_marts_run",
            "fct_movies": "fct_movies",
            "genre_decade_performance": "genre_decade_performance",
            "genre_scorecard": "genre_scorecard",
            "top_movies_by_decade": "top_movies_by_decade",
        },
        outputs=[
            "fct_movies_export",
            "genre_decade_performance_export",
            "genre_scorecard_export",
            "top_movies_by_decade_export",
        ],
        name="export_marts_node",
    )


def _build_insights() -> Node:
    return node(
        build_insights,
        inputs={
            "genre_scorecard": "genre_scorecard",
            "marts_tested": "dbt_marts_run",
            "insights": "params:insights",
        },
        outputs="insights",
        name="build_insights_node",
    )


def _build_dashboard() -> Node:
    return node(
        build_dashboard,
        inputs={
            "insights": "insights",
            "genre_decade_performance": "genre_decade_performance_export",
            "top_movies_by_decade": "top_movies_by_decade_export",
            "dashboard": "params:dashboard",
        },
        outputs="dashboard",
        name="build_dashboard_node",
    )


def _show_summary() -> Node:
    return node(
        print_summary,
        inputs={
            "insights": "insights",
            "dashboard_written": "dashboard",
            "rows": "params:summary_rows",
        },
        outputs=None,
        name="show_summary_node",
    )


def _report_rejected_rows() -> Node:
    return node(
        combine_rejected_rows,
        inputs={
            "raw_rejected_rows": "raw_rejected_rows",
            "genre_rejected_rows": "genre_rejected_rows",
        },
        outputs="rejected_rows_report",
        name="report_rejected_rows_node",
    )
