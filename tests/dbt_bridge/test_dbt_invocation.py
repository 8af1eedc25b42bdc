"""One dbt command without dbt: a fake worker yields log lines, writes run_results.json and
returns an exit code, so these tests take milliseconds; tests/test_dbt_project.py runs dbt."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from dbt_runs import MODEL, TEST

from netflix_pipeline.dbt_bridge import invocation, worker
from netflix_pipeline.dbt_bridge.invocation import run_dbt
from netflix_pipeline.dbt_bridge.results import DbtBuildError, DbtCrashError


def test_relay_relogs_dbt_json_lines_at_their_level(caplog):
    event = {"info": {"level": "error", "msg": "Failure in test x", "name": "RunResultError"}}
    start = {"info": {"level": "info", "msg": "1 of 2 START test x", "name": "LogStartLine"}}
    with caplog.at_level(logging.DEBUG, logger="dbt"):
        assert invocation._relay(json.dumps(event)) == ("Failure in test x", logging.ERROR)
        invocation._relay(json.dumps(start))
        assert invocation._relay("Traceback (most recent call last):")[0].startswith("Traceback")
        assert invocation._relay("") == ("", logging.DEBUG)
    levels = {r.getMessage(): r.levelno for r in caplog.records}
    assert levels["Failure in test x"] == logging.ERROR
    assert levels["1 of 2 START test x"] == logging.DEBUG  # the result line follows
    assert levels["Traceback (most recent call last):"] == logging.INFO


class FakeWorker:
    """Plays dbt: writes the artifacts, yields log lines, then the exit code."""

    def __init__(self, returncode: int, results: list[dict], lines: list[str]):
        self.returncode, self.results, self.lines = returncode, results, lines
        self.requests: list[tuple[list[str], dict, Path]] = []

    def run(self, command, location, env, cwd):
        self.requests.append(([*command, *location], env, cwd))
        target = Path(env["DBT_TARGET_PATH"])
        target.mkdir(parents=True, exist_ok=True)
        if self.results is not None:
            (target / "run_results.json").write_text(json.dumps({"results": self.results}))
            manifest = {"nodes": {TEST: {"attached_node": MODEL}}}
            (target / "manifest.json").write_text(json.dumps(manifest))
        yield from self.lines
        yield self.returncode


@pytest.fixture()
def fake_worker(monkeypatch):
    def install(returncode=0, results=(), lines=()):
        fake = FakeWorker(returncode, None if results is None else list(results), list(lines))
        monkeypatch.setattr(worker, "run", fake.run)
        return fake

    return install


def log_line(level: str, msg: str) -> str:
    return json.dumps({"info": {"level": level, "msg": msg, "name": "X"}})


def test_run_dbt_sends_the_cli_command_and_reads_results(fake_worker, tmp_path, monkeypatch):
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    (tmp_path / "dbt").mkdir()
    fake = fake_worker(
        1,
        [
            {
                "unique_id": MODEL,
                "status": "success",
                "execution_time": 1.5,
                "relation_name": "N.S.T",
            },
            {
                "unique_id": TEST,
                "status": "fail",
                "execution_time": 0.1,
                "failures": 3,
                "message": "Got 3",
            },
        ],
        [log_line("info", "Running with dbt=1.11"), log_line("error", "Failure in test")],
    )
    run = run_dbt(
        ["build", "--select", "marts"],
        project_dir=tmp_path / "dbt",
        target="prod",
        env={"SNOWFLAKE_DATABASE": "X"},
        target_path="/tmp/elsewhere-target",
        log_path="logs-here",
    )
    args, env, cwd = fake.requests[0]
    assert args[:3] == ["build", "--select", "marts"]
    assert args[3:] == [
        "--project-dir", str(tmp_path / "dbt"),
        "--profiles-dir", str(tmp_path / "dbt"),
        "--target", "prod",
    ]  # fmt: skip
    assert cwd == tmp_path / "dbt"
    assert env["SNOWFLAKE_DATABASE"] == "X" and env["DBT_LOG_FORMAT"] == "json"
    assert env["DBT_TARGET_PATH"] == "/tmp/elsewhere-target"
    assert env["DBT_LOG_PATH"] == str(tmp_path / "dbt" / "logs-here")
    assert run.returncode == 1 and run.errors == ("Failure in test",)
    assert [r.status for r in run.results] == ["success", "fail"]
    assert run.results[1].attached_to == MODEL and run.results[1].failures == 3
    with pytest.raises(DbtBuildError, match="unique_fct_movies_film_id"):
        run.raise_for_failures()


def test_exit_code_2_is_a_crash_not_a_failed_test(fake_worker, tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    fake_worker(2, None, [log_line("error", "Could not find profile named 'netflix_pipeline'")])
    with pytest.raises(DbtCrashError) as err:
        run_dbt(["build"], project_dir=tmp_path, target="local")
    assert not isinstance(err.value, DbtBuildError)
    assert "crashed (exit code 2)" in str(err.value)
    assert "this is not a failing test" in str(err.value)
    assert "Could not find profile named 'netflix_pipeline'" in str(err.value)


def test_the_private_keys_text_never_reaches_dbts_environment(monkeypatch):
    from netflix_pipeline.dbt_bridge.worker import dbt_environ

    monkeypatch.setenv("SNOWFLAKE_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----")
    monkeypatch.setenv("SNOWFLAKE_PRIVATE_KEY_PATH", "/var/run/secrets/snowflake/rsa_key.p8")
    env = dbt_environ(PYTHONUNBUFFERED="1")
    assert "SNOWFLAKE_PRIVATE_KEY" not in env
    assert env["SNOWFLAKE_PRIVATE_KEY_PATH"] == "/var/run/secrets/snowflake/rsa_key.p8"
    assert env["PYTHONUNBUFFERED"] == "1"
