"""The transform pipeline is dbt's DAG: built from a manifest, split at the genre tables."""

from __future__ import annotations

import pytest

from netflix_pipeline.dbt_bridge import lineage
from netflix_pipeline.dbt_bridge.dag import DbtDag
from netflix_pipeline.dbt_bridge.results import DbtCrashError
from netflix_pipeline.pipelines.transform import create_pipeline


def model(name: str, folder: str, *parents: str, sources: tuple[str, ...] = ()) -> dict:
    return {
        "resource_type": "model",
        "package_name": "proj",
        "name": name,
        "fqn": ["proj", folder, name],
        "description": f"Grain: one row per {name}.",
        "depends_on": {
            "nodes": [f"model.proj.{p}" for p in parents] + [f"source.proj.{s}" for s in sources]
        },
    }


def source(source_name: str, table: str) -> dict:
    return {"source_name": source_name, "name": table}


MANIFEST = {
    "metadata": {"project_name": "proj"},
    "sources": {
        "source.proj.movielens.movies": source("movielens", "movies"),
        "source.proj.genres.movie_primary_genre": source("genres", "movie_primary_genre"),
    },
    "nodes": {
        # listed out of order on purpose: the DAG sorts parents first
        "model.proj.fct_movies": model("fct_movies", "marts", "int_films", "stg_genres__primary"),
        "model.proj.stg_movies": model("stg_movies", "staging", sources=("movielens.movies",)),
        "model.proj.int_films": model("int_films", "intermediate", "stg_movies"),
        "model.proj.int_other": model("int_other", "intermediate", "stg_movies"),
        "model.proj.stg_genres__primary": model(
            "stg_genres__primary", "staging", sources=("genres.movie_primary_genre",)
        ),
        "model.proj.scorecard": model("scorecard", "marts", "fct_movies"),
        "test.proj.unique_x": {"resource_type": "test", "package_name": "proj", "name": "u"},
        "model.other_package.m": {**model("m", "staging"), "package_name": "other_package"},
    },
}


def test_the_dag_sorts_parents_first_and_splits_at_a_source():
    dag = DbtDag.from_manifest(MANIFEST)
    names = list(dag.models)
    assert set(names) == {
        "stg_movies", "int_films", "int_other", "stg_genres__primary", "fct_movies", "scorecard",
    }  # fmt: skip
    for name, m in dag.models.items():
        assert all(names.index(p) < names.index(name) for p in m.parents)
    assert dag.models["fct_movies"].layer == "marts"
    assert dag.models["stg_movies"].sources == ("movielens.movies",)
    assert dag.downstream_of_source("genres") == ["stg_genres__primary", "fct_movies", "scorecard"]
    staging = ["stg_movies", "int_films", "int_other"]
    assert dag.leaves(staging) == ["int_films", "int_other"]


@pytest.fixture()
def pipe(monkeypatch):
    monkeypatch.setattr(lineage, "load_manifest", lambda project_dir: MANIFEST)
    return create_pipeline()


def test_one_watcher_per_model_wired_like_dbt(pipe):
    by_name = {n.name: n for n in pipe.nodes}
    watcher = by_name["dbt_fct_movies"]
    assert watcher.inputs == [
        "dbt_marts_results", "int_films_model", "stg_genres__primary_model",
    ]  # fmt: skip
    assert watcher.outputs == ["fct_movies_model"]
    assert by_name["dbt_stg_movies"].inputs == ["dbt_staging_results"]
    assert "dbt_marts" in watcher.tags and "dbt_model" in watcher.tags


def test_the_two_builds_and_their_confirmations(pipe):
    by_name = {n.name: n for n in pipe.nodes}
    assert by_name["dbt_build_staging_node"].inputs == [
        "raw_load_report",
        "warehouse",
        "params:dbt",
    ]
    assert by_name["dbt_build_marts_node"].inputs == ["genre_summary", "warehouse", "params:dbt"]
    assert by_name["confirm_dbt_staging_node"].inputs == [
        "dbt_staging_results", "int_films_model", "int_other_model",
    ]  # fmt: skip
    assert by_name["confirm_dbt_staging_node"].outputs == ["dbt_staging_run"]
    assert by_name["confirm_dbt_marts_node"].inputs == ["dbt_marts_results", "scorecard_model"]
    assert by_name["confirm_dbt_marts_node"].outputs == ["dbt_marts_run"]
    # The pipeline's contract with its neighbours.
    assert pipe.inputs() == {"raw_load_report", "genre_summary", "warehouse", "params:dbt"}
    assert {"dbt_staging_run", "dbt_marts_run"} <= pipe.outputs()


def test_a_project_that_cannot_be_read_leaves_the_watchers_out(monkeypatch, caplog):
    def broken(project_dir):
        raise DbtCrashError("dbt parse crashed (exit code 2)")

    monkeypatch.setattr(lineage, "load_manifest", broken)
    pipe = create_pipeline()
    assert {n.name for n in pipe.nodes} == {
        "dbt_build_staging_node", "confirm_dbt_staging_node",
        "dbt_build_marts_node", "confirm_dbt_marts_node",
    }  # fmt: skip
    assert "cannot read the dbt project: dbt parse crashed" in caplog.text


def test_the_models_are_read_from_the_dbt_project_folder(monkeypatch):
    read = []
    monkeypatch.setenv("DBT_PROJECT_DIR", "elsewhere/dbt")
    monkeypatch.setattr(lineage, "load_manifest", lambda project_dir: read.append(project_dir))
    monkeypatch.setattr(lineage.DbtDag, "from_manifest", classmethod(lambda cls, m: DbtDag({})))
    create_pipeline()
    assert read == ["elsewhere/dbt"]
