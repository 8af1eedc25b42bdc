"""Kedro CLI hooks for ``kedro run``: dbt starts importing at once, and the run ends at once.

Registered through the ``kedro.cli_hooks`` entry point (pyproject.toml), so they act on the
command line only; a session opened by kedro-viz, a notebook or a test is not touched.

- ``before_command_run``: a run that may build dbt models starts the dbt worker
  (:func:`.dbt_runner.prestart`) before Kedro reads the configuration and imports the pipelines.
  Importing dbt takes seconds of CPU, which the second core spends while Kedro starts up on the
  first. The run hooks (:mod:`.hooks`) find the worker running and stop it at the end.
- ``after_command_run``: once a run has succeeded (the session closed, the emulator and the dbt
  worker stopped), logs and streams are flushed and the process exits without tearing down the
  modules it imported (pandas, pyarrow, DuckDB, the Snowflake connector: half a second or more
  of a nightly run, for nothing). A failed run exits as usual: the hook runs before Python
  prints the exception that failed it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys

from kedro.framework.cli.hooks import cli_hook_impl

# the pipelines that run dbt (pipeline_registry.py); a run without --pipeline runs __default__
DBT_PIPELINES = {"__default__", "transform"}


def selected_pipelines(command_args: list[str]) -> set[str] | None:
    """The pipelines named by ``--pipeline``/``--pipelines`` (comma-separated), or None."""
    names: list[str] = []
    found = False
    for i, arg in enumerate(command_args):
        option, equals, value = arg.partition("=")
        if option not in ("--pipeline", "--pipelines", "-p"):
            continue
        found = True
        if not equals:
            value = command_args[i + 1] if i + 1 < len(command_args) else ""
        names += [name.strip() for name in value.split(",") if name.strip()]
    return set(names) if found else None


class RunCommandHooks:
    @cli_hook_impl
    def before_command_run(self, project_metadata, command_args: list[str]) -> None:
        if command_args[:1] != ["run"] or {"--help", "-h"} & set(command_args):
            return
        pipelines = selected_pipelines(command_args)
        if pipelines is None or pipelines & DBT_PIPELINES:
            from .dbt_bridge import runner as dbt_runner

            dbt_runner.prestart()

    @cli_hook_impl(trylast=True)  # after every other plugin's
    def after_command_run(self, project_metadata, command_args: list[str], exit_code) -> None:
        if command_args[:1] != ["run"] or exit_code not in (0, None):
            return  # a failure: its traceback or message is yet to be printed
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed or broken stream
                stream.flush()
        os._exit(0)


cli_hooks = RunCommandHooks()
