"""dbt results to test with: node ids of each kind, a result and a run made of them."""

from __future__ import annotations

from netflix_pipeline.dbt_bridge.results import DbtResult, DbtRun

MODEL = "model.netflix_pipeline.fct_movies"
TEST = "test.netflix_pipeline.unique_fct_movies_film_id.1a2b3c"
UNIT = "unit_test.netflix_pipeline.fct_movies.first_link"
SOURCE_TEST = "test.netflix_pipeline.not_null_genres_movie_genres_film_id.9f8e7d"


def result(uid, status, **kw) -> DbtResult:
    return DbtResult(unique_id=uid, status=status, seconds=kw.pop("seconds", 0.5), **kw)


def a_run(*results: DbtResult, returncode: int = 0) -> DbtRun:
    return DbtRun(["dbt", "build", "--select", "x"], returncode, 3.0, tuple(results))
