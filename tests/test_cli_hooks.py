"""The `kedro run` CLI hook: which runs make dbt ready early; and no process outlives a run."""

from __future__ import annotations

import time

import psutil
import pytest
from conftest import run_kedro

from netflix_pipeline import pipeline_registry
from netflix_pipeline.cli_hooks import cli_hooks, selected_pipelines
from netflix_pipeline.dbt_bridge import invocation, lineage


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


@pytest.mark.parametrize(
    ("args", "starts_dbt"),
    [
        (["run"], True),
        (["run", "--env", "prod"], True),
        (["run", "--pipeline", "transform"], True),
        (["run", "--pipelines=reporting,transform"], True),
        (["run", "-p", "sample_data"], False),
        (["run", "--pipelines", "ingestion,genres"], False),
        (["run", "--pipeline", "no_such_pipeline"], False),
        (["run", "--help"], False),
        (["viz"], False),
    ],
)
def test_dbt_is_made_ready_for_the_runs_that_build_dbt_models(args, starts_dbt, monkeypatch):
    started = []
    monkeypatch.setattr(invocation, "start", lambda: started.append(True))
    cli_hooks.before_command_run(None, args)
    assert bool(started) == starts_dbt


def test_the_registry_knows_which_pipelines_run_dbt_without_making_them(monkeypatch):
    monkeypatch.setattr(lineage, "load_manifest", lambda project_dir: {})
    made = pipeline_registry.register_pipelines()
    assert set(made) == set(pipeline_registry.PIPELINES)
    for name, pipe in made.items():
        assert pipeline_registry.runs_dbt(name) == ("params:dbt" in pipe.datasets()), name


def children_running_in(project) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if ("emulator_server" in cmd or "netflix_pipeline.dbt_bridge.worker" in cmd) and proc.info[
            "cwd"
        ] == str(project):
            found.append(cmd)
    return found


def test_a_failed_run_exits_with_its_code_its_log_complete_and_no_process_left(project):
    """A failed run exits with the code of its kind of failure (a missing input file: a data
    failure, 3, which the Job does not retry), keeps its last log lines, and leaves no emulator
    or dbt worker (started before the run) behind."""
    result = run_kedro(project, "--params", "raw_uri=data/no_such_folder")
    assert result.returncode == 3
    output = result.stdout + result.stderr
    assert "required file not found" in output
    assert "RawFileError" in output  # the exception that failed it, printed at the exit
    last_lines = result.stdout.splitlines()[-1:] + result.stderr.splitlines()[-1:]
    assert any("Local Snowflake emulator on port" in line for line in last_lines), last_lines
    deadline = time.monotonic() + 10
    while children_running_in(project) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children_running_in(project) == []


def test_ctrl_c_stops_a_local_run_where_it_is_and_leaves_no_process(project):
    """Ctrl-C (SIGINT to the terminal's process group) during dbt's build: the run stops, says
    where, records itself as interrupted and leaves no emulator or dbt worker behind."""
    import json
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    log = project / "run.log"
    env = {
        **os.environ,
        "KEDRO_DISABLE_TELEMETRY": "true",
        "KEDRO_LOGGING_CONFIG": str(project / "conf" / "logging.yml"),
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("kedro")), "run"],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, as a terminal's job
        )
    deadline = time.monotonic() + 180
    while "Running dbt build" not in log.read_text() and time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(60) == 130, log.read_text()[-3000:]
    text = log.read_text()
    assert "interrupted during dbt_build_staging_node" in text
    record = json.loads((project / "data" / "08_reporting" / "run.json").read_text())
    assert (record["status"], record["step"]) == ("interrupted", "dbt_build_staging_node")
    deadline = time.monotonic() + 10
    while children_running_in(project) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children_running_in(project) == []
