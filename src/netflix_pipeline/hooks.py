"""Project hooks: the warehouse lives exactly as long as a run."""

from __future__ import annotations

import logging

from kedro.framework.hooks import hook_impl

from .warehouse import close_all

logger = logging.getLogger(__name__)


class WarehouseHooks:
    """Stops the local Snowflake emulator when a run ends, failed runs included."""

    @hook_impl
    def after_pipeline_run(self) -> None:
        close_all()

    @hook_impl
    def on_pipeline_error(self) -> None:
        close_all()
