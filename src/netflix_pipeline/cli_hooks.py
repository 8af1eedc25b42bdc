"""Kedro CLI hook for ``kedro run``: a run that builds dbt models makes dbt ready at once.

Registered through the ``kedro.cli_hooks`` entry point (pyproject.toml), so it acts on the
command line only; a session opened by kedro-viz, a notebook or a test is not touched.

``before_command_run``: a run of a pipeline that runs dbt (:func:`.pipeline_registry.runs_dbt`)
has dbt start importing (:func:`.dbt_bridge.invocation.start`) before Kedro reads the
configuration and imports the pipelines. Importing dbt takes seconds of CPU, which the second
core spends while Kedro starts up on the first. The run hooks (:mod:`.hooks`) stop it at the
end of the run, failed or not.
"""

from __future__ import annotations

from kedro.framework.cli.hooks import cli_hook_impl

from .pipeline_registry import runs_dbt


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
        if any(map(runs_dbt, {"__default__"} if pipelines is None else pipelines)):
            from .dbt_bridge import invocation as dbt  # every kedro command loads this module

            dbt.start()


cli_hooks = RunCommandHooks()
