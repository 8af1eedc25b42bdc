"""The build nodes on small inputs: what they ask dbt for, and what they return."""

from __future__ import annotations

import contextlib

import pytest

from netflix_pipeline.dbt_bridge.results import DbtBuildError, DbtResult, DbtRun
from netflix_pipeline.pipelines.transform import nodes
from netflix_pipeline.pipelines.transform.nodes import build_marts, build_staging

DBT = {"target": "local", "extra_args": []}


class FakeWarehouse:
    def __init__(self):
        self.queries = []

    def dbt_env(self, wait=True):
        return {"SNOWFLAKE_EMULATOR_PORT": "1234"}

    @contextlib.contextmanager
    def cursor(self):
        warehouse = self

        class Cursor:
            def execute(self, sql):
                warehouse.queries.append(sql)

            def fetchall(self):
                return [("NETFLIX.MARTS_BUILD.FCT_MOVIES", 945)]

        yield Cursor()


@pytest.fixture()
def fake_dbt(monkeypatch):
    calls = []

    def install(run: DbtRun):
        def fake_run_dbt(args, **kwargs):
            calls.append((args, kwargs))
            return run

        monkeypatch.setattr(nodes, "run_dbt", fake_run_dbt)
        return calls

    return install


def a_run(returncode=0, test_status="pass") -> DbtRun:
    model = "model.netflix_pipeline.fct_movies"
    return DbtRun(
        ["dbt", "build"],
        returncode,
        1.0,
        (
            DbtResult(model, "success", 0.3, relation="NETFLIX.marts_build.fct_movies"),
            DbtResult(
                "test.netflix_pipeline.unique_fct_movies_film_id.abc",
                test_status,
                0.1,
                message=None if test_status == "pass" else "Got 1 result",
                attached_to=model,
            ),
        ),
    )


def test_the_builds_split_the_project_at_the_genre_tables(fake_dbt):
    calls = fake_dbt(a_run())
    warehouse = FakeWarehouse()
    build_staging({}, warehouse, DBT)
    summary = build_marts({}, warehouse, {**DBT, "threads": 4, "extra_args": ["--fail-fast"]})
    (staging_args, staging_kw), (marts_args, _) = calls
    assert staging_args == [
        "build", "--exclude", "source:genres+", "--exclude-resource-type", "unit_test",
    ]  # fmt: skip
    assert marts_args == [
        "build", "--select", "source:genres+", "--threads", "4",
        "--exclude-resource-type", "unit_test", "--fail-fast",
    ]  # fmt: skip
    assert staging_kw["target"] == "local" and staging_kw["env"] == {
        "SNOWFLAKE_EMULATOR_PORT": "1234"
    }
    assert summary["models"]["fct_movies"]["rows"] == 945
    assert "count(*)" in warehouse.queries[-1]


def test_unit_tests_run_when_asked(fake_dbt):
    calls = fake_dbt(a_run())
    build_marts({}, FakeWarehouse(), {**DBT, "unit_tests": True})
    assert "unit_test" not in calls[0][0]


def test_a_failing_test_stops_the_build_node(fake_dbt):
    fake_dbt(a_run(returncode=1, test_status="fail"))
    with pytest.raises(DbtBuildError, match="unique_fct_movies_film_id .on fct_movies.: fail"):
        build_marts({}, FakeWarehouse(), DBT)


def test_the_builds_run_in_the_dbt_project_folder(fake_dbt, monkeypatch):
    calls = fake_dbt(a_run())
    monkeypatch.delenv("DBT_PROJECT_DIR", raising=False)
    build_staging({}, FakeWarehouse(), DBT)
    monkeypatch.setenv("DBT_PROJECT_DIR", "elsewhere/dbt")
    build_marts({}, FakeWarehouse(), DBT)
    assert [kw["project_dir"] for _, kw in calls] == ["dbt", "elsewhere/dbt"]


def test_a_project_dir_parameter_is_refused_with_what_to_do_instead():
    with pytest.raises(ValueError, match=r"Set \$DBT_PROJECT_DIR instead"):
        build_staging({}, FakeWarehouse(), {**DBT, "project_dir": "elsewhere"})
