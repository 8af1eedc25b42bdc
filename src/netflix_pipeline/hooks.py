"""Project hooks: the warehouse and dbt live exactly as long as a run."""

from __future__ import annotations

from kedro.framework.hooks import hook_impl

from .dbt_bridge import invocation as dbt
from .warehouse import close_all


def query_tag(run_params: dict) -> str:
    """The run as the warehouse's query history names it: project, environment, Kedro run id."""
    env = run_params.get("env") or "local"
    return f"netflix-pipeline/{env}/{run_params.get('run_id') or 'unknown-run'}"


class RunResourcesHooks:
    """Starts the slow resources of a run early, and stops them when the run ends.

    The local Snowflake emulator takes seconds to start and dbt seconds to import and parse:
    all of it starts when a run that needs them begins, so that it overlaps the file checks
    and the load (``kedro run`` makes dbt ready even sooner: :mod:`.cli_hooks`). Failed runs
    stop them too, so no process outlives its run. A run that refreshes Power BI first checks
    its ``POWERBI_*`` settings, so that a partial configuration fails it in seconds.
    """

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        datasets = pipeline.datasets()
        if "params:powerbi" in datasets:  # read by the Power BI refresh
            # Imported here: the settings module imports these hooks as `kedro` starts, and
            # the Power BI client's libraries are needed only by a run that refreshes.
            from .pipelines.publishing.powerbi.config import check_environment

            check_environment()  # first: a partial configuration fails before anything starts
        if "warehouse" in datasets:
            warehouse = catalog.load("warehouse")
            warehouse.begin_run(query_tag(run_params))
            warehouse.start_in_background()
        if "params:dbt" in datasets:  # read by the nodes that run dbt builds
            env = catalog.load("warehouse").dbt_env(wait=False)
            dbt.preparse(**dbt.location_for(catalog.load("params:dbt"), env))

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._stop()

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._stop()

    @staticmethod
    def _stop() -> None:
        dbt.stop()
        close_all()
