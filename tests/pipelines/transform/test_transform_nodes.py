"""Transform nodes on small inputs: what the builds ask dbt for, and the watchers' verdicts."""

from __future__ import annotations

import contextlib

import pytest

from netflix_pipeline.dbt_bridge.runner import DbtBuildError, DbtResult, DbtRun
from netflix_pipeline.pipelines.transform import nodes
from netflix_pipeline.pipelines.transform.nodes import (
    build_marts,
    build_staging,
    confirm_build,
    confirm_model,
)

DBT = {"project_dir": "dbt", "target": "local", "extra_args": []}


def results(model_status="success", test_status="pass", returncode=0) -> dict:
    return {
        "command": "dbt build --select source:genres+",
        "returncode": returncode,
        "seconds": 2.0,
        "statuses": {model_status: 1, test_status: 1},
        "models": {
            "fct_movies": {
                "unique_id": "model.netflix_pipeline.fct_movies",
                "relation": "NETFLIX.marts_build.fct_movies",
                "status": model_status,
                "seconds": 0.4,
                "rows": 945,
                "tests": {
                    "unique_fct_movies_film_id": {
                        "status": test_status,
                        "seconds": 0.1,
                        "failures": 0 if test_status == "pass" else 1,
                        **({"message": "Got 1 result"} if test_status != "pass" else {}),
                    }
                },
                "unit_tests": {},
            }
        },
        "other_tests": {},
    }


def test_a_watcher_returns_its_models_outcome():
    outcome = confirm_model(results(), {"model": "int_films_financial"}, model="fct_movies")
    assert outcome["model"] == "fct_movies"
    assert outcome["status"] == "success" and outcome["rows"] == 945
    assert outcome["tests"]["unique_fct_movies_film_id"]["status"] == "pass"


def test_a_watcher_fails_on_a_failing_test_with_dbts_message():
    with pytest.raises(DbtBuildError) as err:
        confirm_model(results(test_status="fail"), model="fct_movies")
    assert "dbt model fct_movies: success" in str(err.value)
    assert "unique_fct_movies_film_id: fail: Got 1 result" in str(err.value)


def test_a_watcher_fails_when_its_model_was_not_built():
    with pytest.raises(DbtBuildError, match="genre_scorecard is not in the results of `dbt build"):
        confirm_model(results(), model="genre_scorecard")
    with pytest.raises(DbtBuildError, match="fct_movies: skipped"):
        confirm_model(results(model_status="skipped"), model="fct_movies")


def test_confirm_build_passes_the_results_on_only_after_a_clean_build():
    assert confirm_build(results(), {"model": "fct_movies"}) == results()
    with pytest.raises(DbtBuildError, match="did not pass"):
        confirm_build(results(returncode=1))


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
