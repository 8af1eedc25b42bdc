"""The `kedro run` CLI hooks: which runs start dbt early, and an exit that loses nothing."""

from __future__ import annotations

import time

import psutil
import pytest
from conftest import run_kedro

from netflix_pipeline.cli_hooks import selected_pipelines


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run"], None),
        (["run", "--params", "raw_uri=x"], None),
        (["run", "--pipeline", "transform"], {"transform"}),
        (["run", "--pipeline=reporting"], {"reporting"}),
        (["run", "-p", "sample_data"], {"sample_data"}),
        (["run", "--pipelines", "ingestion, genres"], {"ingestion", "genres"}),
        (["run", "--pipelines=ingestion,transform", "--env", "prod"], {"ingestion", "transform"}),
        (["run", "--pipeline"], set()),
    ],
)
def test_the_pipelines_of_a_command_line(args, expected):
    assert selected_pipelines(args) == expected


def children_running_in(project) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if ("-m fakesnow" in cmd or "netflix_pipeline.dbt_bridge.runner" in cmd) and proc.info[
            "cwd"
        ] == str(project):
            found.append(cmd)
    return found


def test_a_failed_run_exits_with_its_code_its_log_complete_and_no_process_left(project):
    """A failed run keeps its exit code and its last log lines, and leaves no emulator or dbt
    worker (started before the run) behind."""
    result = run_kedro(project, "--params", "raw_uri=data/no_such_folder")
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "required file not found" in output
    assert "RawFileError" in output  # the exception that failed it, printed at the exit
    last_lines = result.stdout.splitlines()[-1:] + result.stderr.splitlines()[-1:]
    assert any("Local Snowflake emulator on port" in line for line in last_lines), last_lines
    deadline = time.monotonic() + 10
    while children_running_in(project) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children_running_in(project) == []
