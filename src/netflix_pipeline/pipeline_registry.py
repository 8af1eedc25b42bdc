"""Project pipelines, each made of stages (``pipelines/<stage>``).

The table of stages answers questions about a pipeline without making it: making the stages
imports pandas, DuckDB and dbt's manifest, seconds that ``kedro run`` spends after it has
started what the run will need (:mod:`.cli_hooks`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kedro.pipeline import Pipeline

# The nightly job, in the order its data flows.
NIGHTLY = ("ingestion", "transform", "genres", "reporting", "publishing")

# Every registered pipeline, by the stages it is made of. The default runs the nightly job;
# `sample_data` regenerates data/01_raw.
PIPELINES: dict[str, tuple[str, ...]] = {
    "__default__": NIGHTLY,
    **{stage: (stage,) for stage in NIGHTLY},
    "sample_data": ("sample_data",),
}

# The stages whose nodes run dbt commands.
DBT_STAGES = frozenset({"transform"})


def runs_dbt(name: str) -> bool:
    """Whether the registered pipeline ``name`` runs dbt (False for an unknown name)."""
    return not DBT_STAGES.isdisjoint(PIPELINES.get(name, ()))


def register_pipelines() -> dict[str, Pipeline]:
    """Each pipeline of :data:`PIPELINES`, every stage made once."""
    from kedro.pipeline import Pipeline

    stages = dict.fromkeys(stage for parts in PIPELINES.values() for stage in parts)
    made = {stage: _make(stage) for stage in stages}
    return {
        name: sum((made[stage] for stage in parts), Pipeline([]))
        for name, parts in PIPELINES.items()
    }


def _make(stage: str) -> Pipeline:
    return importlib.import_module(f"{__package__}.pipelines.{stage}").create_pipeline()
