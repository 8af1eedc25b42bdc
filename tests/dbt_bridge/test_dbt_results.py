"""What a dbt command did: names, the summary by model, failures as text."""

from __future__ import annotations

import json

import pytest
from dbt_runs import MODEL, SOURCE_TEST, TEST, UNIT, a_run, result

from netflix_pipeline.dbt_bridge.results import DbtBuildError, DbtRun


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
