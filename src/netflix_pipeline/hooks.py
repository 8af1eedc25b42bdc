"""Project hooks: the warehouse lives exactly as long as a run."""

from __future__ import annotations

import logging

from kedro.framework.hooks import hook_impl

from .warehouse import close_all

logger = logging.getLogger(__name__)


class WarehouseHooks:
    """Starts the local Snowflake emulator early, and stops it when the run ends.

    The emulator takes a few seconds to start; starting it in the background when a run that
    needs the warehouse begins overlaps that with the file checks. Failed runs stop it too.
    """

    @hook_impl
    def before_pipeline_run(self, pipeline, catalog) -> None:
        if "warehouse" in pipeline.datasets():
            catalog.load("warehouse").start_in_background()

    @hook_impl
    def after_pipeline_run(self) -> None:
        close_all()

    @hook_impl
    def on_pipeline_error(self) -> None:
        close_all()
