"""Project hooks: a run's resources live exactly as long as the run, and the run is recorded.

When a pipeline that uses the warehouse starts, a :class:`~.runs.run.Run` is made (its id, its
ledger row and lease, taken on the warehouse's first connection: :mod:`.runs`); each node's
outputs go into its record; the run ends recorded, its lease given back, however it ends.
"""

from __future__ import annotations

import logging

from kedro.framework.hooks import hook_impl

from .dbt_bridge import invocation as dbt
from .runs import interrupt
from .runs import run as runs
from .runs.outcome import Outcome
from .warehouse import close_all

logger = logging.getLogger(__name__)


def end_run(error: BaseException | None) -> Outcome | None:
    """End the run under way (recorded, lease released) and stop its processes: the emulator,
    dbt. Safe to call twice; None when no run was under way."""
    run = runs.current()
    try:
        stopped = isinstance(error, KeyboardInterrupt | interrupt.RunInterrupted)
        if run is not None and (stopped or interrupt.received()):
            # An interrupted run first cancels what still runs: dbt, its statements in the
            # warehouse. Its sessions are rolled back and closed with the warehouse (close_all).
            _abort(run)
        outcome = run.finish(error) if run is not None else None
    finally:
        interrupt.forget()
        dbt.stop()
        close_all()
    return outcome


def _abort(run: runs.Run) -> None:
    dbt.interrupt()
    if run.warehouse is not None:
        try:
            run.warehouse.cancel_running()
        except Exception as exc:
            logger.warning("Could not cancel the run's statements: %s", exc)


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
        if "warehouse" in datasets:
            settings = catalog.load("params:run")  # conf/base/parameters_run.yml
            run = runs.Run(
                env=run_params.get("env") or "local",
                pipeline=",".join(run_params.get("pipeline_names") or []) or "__default__",
                settings=settings,
                reports_dir=settings["reports_dir"],
                latest_dir=settings.get("reports_latest_dir"),
            )
            interrupt.set_grace(float(settings["interrupt_grace_seconds"]))
            interrupt.on_interrupt(dbt.interrupt)
            warehouse = catalog.load("warehouse")
            run.attach(warehouse)
            interrupt.on_interrupt(warehouse.cancel_running)
        if "params:powerbi" in datasets:  # read by the Power BI refresh
            # Imported here: the settings module imports these hooks as `kedro` starts, and
            # the Power BI client's libraries are needed only by a run that refreshes.
            from .pipelines.publishing.powerbi.config import check_environment

            check_environment()  # a partial configuration fails before anything starts
        if "warehouse" in datasets:
            catalog.load("warehouse").start_in_background()
        if "params:dbt" in datasets:  # read by the nodes that run dbt builds
            env = catalog.load("warehouse").dbt_env(wait=False)
            dbt.preparse(**dbt.location_for(catalog.load("params:dbt"), env))

    @hook_impl
    def before_node_run(self, node) -> None:
        interrupt.check()  # a signal a node swallowed still stops the run here
        if (run := runs.current()) is not None:
            run.node_started(node.name)

    @hook_impl
    def after_node_run(self, outputs) -> None:
        if (run := runs.current()) is not None:
            run.node_done(outputs)

    @hook_impl
    def after_pipeline_run(self) -> None:
        end_run(None)

    @hook_impl
    def on_pipeline_error(self, error) -> None:
        end_run(error)
