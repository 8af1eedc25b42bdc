"""Project hooks: the warehouse and the dbt worker live exactly as long as a run."""

from __future__ import annotations

from kedro.framework.hooks import hook_impl

from . import dbt_runner
from .warehouse import close_all


class RunResourcesHooks:
    """Starts the slow resources of a run early, and stops them when the run ends.

    The local Snowflake emulator takes seconds to start and dbt seconds to import: both are
    started when a run that needs them begins, so that this overlaps the file checks and the
    load. Failed runs stop them too, so no process outlives its run.
    """

    @hook_impl
    def before_pipeline_run(self, pipeline, catalog) -> None:
        if "warehouse" in pipeline.datasets():
            catalog.load("warehouse").start_in_background()
        if any(n.name.startswith("dbt_build_") for n in pipeline.nodes):
            dbt_runner.prestart()

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._stop()

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._stop()

    @staticmethod
    def _stop() -> None:
        dbt_runner.stop_worker()
        close_all()
