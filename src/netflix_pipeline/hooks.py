"""Project hooks: the warehouse and the dbt worker live exactly as long as a run."""

from __future__ import annotations

from kedro.framework.hooks import hook_impl

from .dbt_bridge import runner as dbt_runner
from .pipelines.transform.nodes import dbt_location
from .warehouse import close_all


class RunResourcesHooks:
    """Starts the slow resources of a run early, and stops them when the run ends.

    The local Snowflake emulator takes seconds to start and dbt seconds to import and parse:
    all of it starts when a run that needs them begins, so that it overlaps the file checks
    and the load (``kedro run`` starts the dbt worker even sooner: :mod:`.cli_hooks`). Failed
    runs stop them too, so no process outlives its run.
    """

    @hook_impl
    def before_pipeline_run(self, pipeline, catalog) -> None:
        datasets = pipeline.datasets()
        if "warehouse" in datasets:
            catalog.load("warehouse").start_in_background()
        if any(n.name.startswith("dbt_build_") for n in pipeline.nodes):
            dbt_runner.prestart()
            if {"warehouse", "params:dbt"} <= datasets:
                # dbt parses the project while the files are checked and loaded; the builds
                # start from that manifest (the same location and environment as theirs).
                location = dbt_location(
                    catalog.load("params:dbt"), catalog.load("warehouse"), wait=False
                )
                dbt_runner.preparse(**location)

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
