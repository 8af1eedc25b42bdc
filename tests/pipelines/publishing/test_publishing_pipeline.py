"""The publishing pipeline's place in the default DAG: what must have succeeded before each step."""

from __future__ import annotations

import pytest

from netflix_pipeline.pipeline_registry import register_pipelines
from netflix_pipeline.pipelines.publishing import create_pipeline


@pytest.fixture(scope="module")
def default():
    return register_pipelines()["__default__"]


def ancestors(pipeline, name: str) -> set[str]:
    return {n.name for n in pipeline.to_nodes(name).nodes} - {name}


def test_the_refresh_runs_only_after_every_other_step(default):
    before_refresh = ancestors(default, "refresh_powerbi_node")
    before_publish = ancestors(default, "publish_marts_node")

    assert "publish_marts_node" in before_refresh
    assert before_publish < before_refresh
    # Ingestion, both dbt builds and every model's tests, and the genre node come before the
    # publish, hence before the refresh; so do the insights.
    for tag in ("ingestion", "dbt", "genres"):
        tagged = {n.name for n in default.nodes if tag in n.tags}
        assert tagged, tag
        assert tagged <= before_publish, tagged - before_publish
    assert {"dbt_build_marts_node", "build_insights_node"} <= before_publish


def test_publish_reads_the_tested_marts_run_and_the_insights(default):
    publish = next(n for n in default.nodes if n.name == "publish_marts_node")

    assert {"dbt_marts_run", "insights"} <= set(publish.inputs)


def test_nothing_waits_for_the_refresh(default):
    refresh = next(n for n in default.nodes if n.name == "refresh_powerbi_node")

    assert refresh.outputs == ["powerbi_refresh"]
    assert not [n.name for n in default.nodes if "powerbi_refresh" in n.inputs]


def test_the_publishing_pipeline_is_tagged_and_complete():
    pipeline = create_pipeline()

    assert {n.name for n in pipeline.nodes} == {
        "publish_marts_node",
        "refresh_powerbi_node",
    }
    assert all("publishing" in n.tags for n in pipeline.nodes)
    assert pipeline.inputs() == {
        "insights",
        "dbt_marts_run",
        "warehouse",
        "params:publish",
        "params:powerbi",
    }
