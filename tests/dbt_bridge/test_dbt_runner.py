"""The dbt runner without dbt: results, summaries, errors, log relay, manifest caching.

A fake worker stands in for dbt (it yields log lines, writes run_results.json and returns an
exit code), so these tests take milliseconds; tests/test_dbt_project.py runs the real thing.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import pytest

from netflix_pipeline.dbt_bridge import runner as dbt_runner
from netflix_pipeline.dbt_bridge.runner import (
    DbtBuildError,
    DbtCrashError,
    DbtResult,
    DbtRun,
    count_rows,
    load_manifest,
    log_summary,
    run_dbt,
)

MODEL = "model.netflix_pipeline.fct_movies"
TEST = "test.netflix_pipeline.unique_fct_movies_film_id.1a2b3c"
UNIT = "unit_test.netflix_pipeline.fct_movies.first_link"
SOURCE_TEST = "test.netflix_pipeline.not_null_genres_movie_genres_film_id.9f8e7d"


def result(uid, status, **kw) -> DbtResult:
    return DbtResult(unique_id=uid, status=status, seconds=kw.pop("seconds", 0.5), **kw)


def a_run(*results: DbtResult, returncode: int = 0) -> DbtRun:
    return DbtRun(["dbt", "build", "--select", "x"], returncode, 3.0, tuple(results))


def test_names_follow_dbt():
    assert result(MODEL, "success").name == "fct_movies"
    assert result(TEST, "pass").name == "unique_fct_movies_film_id"
    assert result(UNIT, "pass").name == "fct_movies::first_link"
    assert result("source.netflix_pipeline.genres.movie_genres", "pass").name == (
        "genres.movie_genres"
    )


def test_summary_groups_tests_under_their_model():
    run = a_run(
        result(MODEL, "success", relation="NETFLIX.marts_build.fct_movies", rows=12),
        result(TEST, "pass", attached_to=MODEL, failures=0),
        result(UNIT, "pass", attached_to=MODEL),
        result(SOURCE_TEST, "pass"),
    )
    summary = run.summary()
    model = summary["models"]["fct_movies"]
    assert model["status"] == "success" and model["rows"] == 12
    assert model["relation"] == "NETFLIX.marts_build.fct_movies"
    assert model["tests"] == {
        "unique_fct_movies_film_id": {"status": "pass", "seconds": 0.5, "failures": 0}
    }
    assert set(model["unit_tests"]) == {"fct_movies::first_link"}
    assert set(summary["other_tests"]) == {"not_null_genres_movie_genres_film_id"}
    assert summary["statuses"] == {"success": 1, "pass": 3}
    json.dumps(summary)  # a Kedro MemoryDataset copies it; a JSON dump must work too


def test_failures_are_listed_with_dbt_messages():
    run = a_run(
        result(MODEL, "success"),
        result(
            TEST,
            "fail",
            attached_to=MODEL,
            failures=2,
            message="Got 2 results, configured to fail if != 0",
        ),
        result(
            UNIT,
            "fail",
            attached_to=MODEL,
            message="\n\nactual differs from expected:\n@@ ,film_id\n→ ,1→2",
        ),
        result("model.netflix_pipeline.genre_scorecard", "skipped"),
        returncode=1,
    )
    with pytest.raises(DbtBuildError) as err:
        run.raise_for_failures()
    text = str(err.value)
    assert "2 of 4 models/tests did not pass (1 downstream skipped)" in text
    assert "test unique_fct_movies_film_id (on fct_movies): fail: Got 2 results" in text
    assert "unit test fct_movies::first_link (on fct_movies): fail: actual differs" in text
    assert "→ ,1→2" in text


def test_a_failed_exit_without_failing_node_still_raises():
    run = DbtRun(["dbt", "build"], 1, 1.0, (), errors=("on-run-end hook failed",))
    with pytest.raises(DbtBuildError, match="on-run-end hook failed"):
        run.raise_for_failures()
    a_run(result(MODEL, "success")).raise_for_failures()  # passes quietly


def test_with_rows_matches_relations_case_insensitively():
    run = a_run(result(MODEL, "success", relation="NETFLIX.marts_build.fct_movies"))
    assert run.built_relations() == ["NETFLIX.marts_build.fct_movies"]
    assert run.with_rows({"NETFLIX.MARTS_BUILD.FCT_MOVIES": 7}).results[0].rows == 7


class FakeCursor:
    def __init__(self, rows=None, error=None):
        self.rows, self.error, self.sql = rows or [], error, None

    def execute(self, sql):
        self.sql = sql
        if self.error:
            raise self.error

    def fetchall(self):
        return self.rows


def test_count_rows_is_one_query_and_never_fails_a_run():
    cursor = FakeCursor(rows=[("NETFLIX.A.X", 3), ("NETFLIX.B.Y", 0)])
    assert count_rows(cursor, ["netflix.a.x", "NETFLIX.B.Y"]) == {
        "NETFLIX.A.X": 3,
        "NETFLIX.B.Y": 0,
    }
    assert cursor.sql.count("union all") == 1
    assert count_rows(FakeCursor(error=RuntimeError("gone")), ["NETFLIX.A.X"]) == {}
    assert count_rows(FakeCursor(), []) == {}


def test_log_summary_has_a_line_per_model_and_names_failing_tests(caplog):
    run = a_run(
        result(MODEL, "success", rows=12),
        result(TEST, "fail", attached_to=MODEL, failures=1, message="Got 1 result"),
        result(UNIT, "pass", attached_to=MODEL),
        returncode=1,
    )
    with caplog.at_level(logging.DEBUG, logger="netflix_pipeline.dbt_bridge.runner"):
        log_summary(run)
    lines = [r.getMessage() for r in caplog.records]
    model_line = next(line for line in lines if line.startswith("dbt model fct_movies"))
    assert "success" in model_line and "12 rows" in model_line and "1 fail, 1 pass" in model_line
    assert "dbt test unique_fct_movies_film_id: fail Got 1 result" in lines
    assert any(line.startswith("dbt unit test fct_movies::first_link: pass") for line in lines)
    assert lines[-1].startswith("dbt build --select x finished in 3.0 s: 1 fail, 1 pass, 1 success")


def test_relay_relogs_dbt_json_lines_at_their_level(caplog):
    event = {"info": {"level": "error", "msg": "Failure in test x", "name": "RunResultError"}}
    start = {"info": {"level": "info", "msg": "1 of 2 START test x", "name": "LogStartLine"}}
    with caplog.at_level(logging.DEBUG, logger="dbt"):
        assert dbt_runner._relay(json.dumps(event)) == ("Failure in test x", logging.ERROR)
        dbt_runner._relay(json.dumps(start))
        assert dbt_runner._relay("Traceback (most recent call last):")[0].startswith("Traceback")
        assert dbt_runner._relay("") == ("", logging.DEBUG)
    levels = {r.getMessage(): r.levelno for r in caplog.records}
    assert levels["Failure in test x"] == logging.ERROR
    assert levels["1 of 2 START test x"] == logging.DEBUG  # the result line follows
    assert levels["Traceback (most recent call last):"] == logging.INFO


class FakeWorker:
    """Plays dbt: writes the artifacts, yields log lines, then the exit code."""

    def __init__(self, returncode: int, results: list[dict], lines: list[str]):
        self.returncode, self.results, self.lines = returncode, results, lines
        self.requests: list[tuple[list[str], dict, Path]] = []

    def run(self, args, invocation):
        request = invocation.request(args)  # what goes down the pipe to the worker
        env = request["env"]
        self.requests.append((request["args"], env, Path(request["cwd"])))
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
        worker = FakeWorker(returncode, None if results is None else list(results), list(lines))
        monkeypatch.setattr(dbt_runner._Worker, "get", classmethod(lambda cls: worker))
        return worker

    return install


def log_line(level: str, msg: str) -> str:
    return json.dumps({"info": {"level": level, "msg": msg, "name": "X"}})


def test_run_dbt_sends_the_cli_command_and_reads_results(fake_worker, tmp_path, monkeypatch):
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    (tmp_path / "dbt").mkdir()
    worker = fake_worker(
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
    args, env, cwd = worker.requests[0]
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


def make_project(root: Path) -> Path:
    project = root / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: p\n")
    (project / "models" / "a.sql").write_text("select 1 as x\n")
    return project


def write_manifest(folder: Path, marker: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(
        json.dumps({"nodes": {"model.p.a": {}}, "marker": marker})
    )


def test_a_fresh_manifest_is_read_without_parsing(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    monkeypatch.setattr(dbt_runner, "run_dbt", lambda *a, **k: pytest.fail("parsed"))
    write_manifest(project / "target", "after the last change")
    assert load_manifest(project)["marker"] == "after the last change"


def test_a_stale_manifest_is_replaced_by_a_parse_that_is_then_cached(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_manifest(project / "target", "stale")
    later = time.time() + 5
    os.utime(project / "models" / "a.sql", (later, later))
    parses = []

    def fake_parse(args, **kwargs):
        parses.append(args)
        write_manifest(Path(kwargs["target_path"]), "parsed")
        return DbtRun(["dbt", *args], 0, 0.1)

    monkeypatch.setattr(dbt_runner, "run_dbt", fake_parse)
    assert load_manifest(project)["marker"] == "parsed"
    assert parses == [["parse"]]

    # A copy of the unchanged project (a fresh clone, a test's copy) uses the cached parse.
    copy = make_project(tmp_path / "copy")
    assert load_manifest(copy)["marker"] == "parsed"
    assert parses == [["parse"]]
    # Any change to the project's files means a new parse.
    (copy / "models" / "a.sql").write_text("select 2 as x\n")
    load_manifest(copy)
    assert len(parses) == 2


def test_no_dbt_project_is_a_crash(tmp_path):
    with pytest.raises(DbtCrashError, match="dbt_project.yml not found"):
        load_manifest(tmp_path)
