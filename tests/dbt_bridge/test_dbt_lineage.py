"""The watcher nodes' verdicts on a build's results."""

from __future__ import annotations

import pytest

from netflix_pipeline.dbt_bridge.lineage import confirm_build, confirm_model
from netflix_pipeline.dbt_bridge.results import DbtBuildError


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
