"""Project pipelines."""

from __future__ import annotations

from kedro.pipeline import Pipeline

from .pipelines import genres, ingestion, publishing, reporting, sample_data, transform


def register_pipelines() -> dict[str, Pipeline]:
    """The default pipeline runs the nightly job; ``sample_data`` regenerates data/01_raw."""
    stages = {
        "ingestion": ingestion.create_pipeline(),
        "transform": transform.create_pipeline(),
        "genres": genres.create_pipeline(),
        "reporting": reporting.create_pipeline(),
        "publishing": publishing.create_pipeline(),
    }
    return {
        "__default__": sum(stages.values(), Pipeline([])),
        **stages,
        "sample_data": sample_data.create_pipeline(),
    }
