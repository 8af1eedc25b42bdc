"""The project's ``kedro run``: Kedro's own command, run under the project's supervision.

Kedro loads this module's ``cli`` group after its own commands, so its ``run`` replaces
Kedro's with the same options. Around Kedro's run it:

* handles SIGTERM and SIGINT (:mod:`.runs.interrupt`): the run stops, cancels its statements
  and dbt, rolls back, gives its lease back and records itself as interrupted;
* ends the run however it ended, including the interruptions Kedro's hooks do not see;
* prints where the run stopped and why, in one paragraph, and exits with the code that tells
  the Job whether to try again (:mod:`.runs.outcome`: 3 data or test failure, 2 refused,
  75 transient, 1 other, 143/130 interrupted);
* exits without Python's last garbage collection (see :func:`_run`).
"""

from __future__ import annotations

import atexit
import gc
import sys
import traceback

import click
from kedro.framework.cli.project import run as kedro_run

from .runs import identity, interrupt
from .runs.outcome import EXIT_CODES


@click.group(name="netflix-pipeline")
def cli() -> None:
    """netflix-pipeline's commands."""


def _run(**options) -> None:
    identity.current()  # the id exists from here on: Kedro's first log lines carry it
    # The process ends with the run. At exit, after the exit handlers, Python collects the
    # garbage of every object the imports made: about 0.6 s of a run, to free memory the
    # process is giving back anyway. Frozen objects are left out of that collection. Files and
    # connections are closed by their owners before; logging is flushed by its exit handler.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    interrupt.install()
    error: BaseException | None = None
    try:
        kedro_run.callback(**options)
    except (click.exceptions.Exit, click.ClickException):
        raise  # a usage error: no run began
    except BaseException as exc:  # noqa: BLE001 - every way a run ends is recorded
        error = exc
    from .hooks import end_run

    try:
        outcome = end_run(error)
    finally:
        interrupt.uninstall()
    if error is None:
        return
    if outcome is None:  # no run was under way (it failed before it began)
        from .runs.outcome import classify

        outcome = classify(error)
    if outcome.kind == "error":
        traceback.print_exception(error, file=sys.stderr)
    click.echo(_explain(outcome, error), err=True)
    sys.exit(outcome.exit_code)


def _explain(outcome, error: BaseException) -> str:
    from .runs import run as runs

    run_id = identity.for_log()
    last = runs.last()
    step = last.record["step"] if last is not None else None
    where = f" during {step}" if step else ""
    what = {
        "interrupted": "Tables replaced so far were replaced whole; nothing was half-written. "
        "Run it again when ready.",
        "data": "The data or a test failed: trying again with the same input fails the same "
        "way. Fix the input or the model, then run again.",
        "refused": "Nothing was changed.",
        "transient": "A service could not be reached or refused for now: trying again may succeed.",
        "error": "An unexpected error (the traceback above): report it.",
    }[outcome.kind]
    record = f"\nIts record: {last.reports_dir.rstrip('/')}/run.json" if last is not None else ""
    why = outcome.message if outcome.kind == "interrupted" else f"{type(error).__name__}: {error}"
    return (
        f"\nRun {run_id} {outcome.status}{where} ({outcome.kind}, exit code {outcome.exit_code}): "
        f"{why}\n{what}{record}"
    )


run = click.Command(
    name="run",
    params=list(kedro_run.params),
    callback=_run,
    help=(kedro_run.help or "Run the pipeline.")
    + "\n\nExit codes: 0 succeeded; "
    + ", ".join(f"{code} {kind}" for kind, code in EXIT_CODES.items())
    + "; 143/130 interrupted by SIGTERM/SIGINT.",
    short_help=kedro_run.short_help,
)
cli.add_command(run)
