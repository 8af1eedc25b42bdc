"""The dbt project for real: parsed offline, built and tested on the local emulator.

* ``dbt parse`` works offline, and the project follows the house rules (a YAML beside every
  model with its grain and columns, keys tested, sources' grain stated, unit tests).
* Two `kedro run`s of the default pipeline on the sample data, side by side (they take most of
  this file's time): one with the dbt unit tests switched on, which must pass end to end; one
  whose genre node writes a duplicate key, which must stop before the reports naming the test.
* A broken profile is reported as dbt crashing (exit code 2), not as a failed test.
* `kedro viz build` shows the dbt models between the raw files and the reports.
* `make docs`'s entry point builds dbt's site on an empty emulator; its catalog (the real
  column names of every model) agrees with the YAML.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, project_copy

from netflix_pipeline.dbt_bridge.invocation import preparse, run_dbt
from netflix_pipeline.dbt_bridge.results import DbtBuildError, DbtCrashError
from netflix_pipeline.pipelines.ingestion.contracts import CONTRACTS

PLANTED = Path(__file__).parent / "pipelines" / "transform"
REPORTING = Path("data") / "08_reporting"
KEYLESS_MODELS = {"stg_movielens__ratings", "stg_movielens__tags"}  # events without a key


def dbt_copy(root: Path) -> Path:
    dest = root / "dbt"
    shutil.copytree(REPO / "dbt", dest, ignore=shutil.ignore_patterns("target", "logs"))
    return dest


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """``dbt parse`` of a copy of the project, with no warehouse anywhere."""
    root = tmp_path_factory.mktemp("parse")
    project = dbt_copy(root)
    env = {k: "" for k in os.environ if k.startswith("SNOWFLAKE_")}
    run = run_dbt(
        ["parse"], project_dir=project, target="local", env=env, target_path=root / "target"
    )
    run.raise_for_failures()
    return json.loads((root / "target" / "manifest.json").read_text())


def models_of(manifest: dict) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["package_name"] == "netflix_pipeline"
    }


def attached_tests(manifest: dict) -> dict[str, list[dict]]:
    found = defaultdict(list)
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node"):
            found[node["attached_node"].split(".")[-1]].append(node)
    return found


def test_every_model_has_a_yaml_beside_it_with_grain_and_columns(manifest):
    models = models_of(manifest)
    assert len(models) >= 14
    for name, node in models.items():
        sql = Path(node["original_file_path"])
        assert node["patch_path"] == f"netflix_pipeline://{sql.with_suffix('.yml')}", name
        assert "Grain" in node["description"] or "grain" in node["description"], name
        assert node["columns"], name
        undocumented = [c for c, col in node["columns"].items() if not col["description"]]
        assert not undocumented, (name, undocumented)
    for source in manifest["sources"].values():
        assert "Grain" in source["description"], source["unique_id"]


def test_every_primary_key_is_unique_and_not_null(manifest):
    tests = attached_tests(manifest)

    def kinds(model: str) -> dict[str, list]:
        found = defaultdict(list)
        for t in tests[model]:
            meta = t["test_metadata"]
            found[meta["name"]].append(meta["kwargs"].get("column_name") or meta["kwargs"])
        return found

    for model in set(models_of(manifest)) - KEYLESS_MODELS:
        assert {"unique", "unique_combination_of_columns"} & set(kinds(model)), model
    assert "film_id" in kinds("fct_movies")["unique"]
    assert "film_id" in kinds("fct_movies")["not_null"]
    assert "primary_genre" in kinds("genre_scorecard")["unique"]
    combos = {
        model: [k["combination_of_columns"] for k in kinds(model)["unique_combination_of_columns"]]
        for model in ("genre_decade_performance", "top_movies_by_decade")
    }
    assert ["primary_genre", "decade"] in combos["genre_decade_performance"]
    assert ["decade", "ranking", "rank_in_decade"] in combos["top_movies_by_decade"]
    for column in ("decade", "ranking", "rank_in_decade"):
        assert column in kinds("top_movies_by_decade")["not_null"]


def test_foreign_keys_and_business_rules_are_tested(manifest):
    tests = attached_tests(manifest)
    relations = {
        (model, t["test_metadata"]["kwargs"]["column_name"], t["test_metadata"]["kwargs"]["to"])
        for model, ts in tests.items()
        for t in ts
        if t["test_metadata"]["name"] == "relationships"
    }
    assert ("top_movies_by_decade", "film_id", "ref('fct_movies')") in relations
    assert ("stg_movielens__links", "movie_id", "ref('stg_movielens__movies')") in relations
    assert ("int_films_financial", "film_id", "ref('fct_movies')") in relations  # no film lost
    generic = {
        (model, t["test_metadata"]["name"], t["test_metadata"]["kwargs"].get("column_name"))
        for model, ts in tests.items()
        for t in ts
    }
    assert ("genre_decade_performance", "shares_sum_to_one", "market_share") in generic
    assert ("genre_scorecard", "shares_sum_to_one", "market_share_recent") in generic
    for model, column in [
        ("fct_movies", "roi"),
        ("genre_decade_performance", "roi"),
        ("genre_scorecard", "roi_recent"),
    ]:
        assert (model, "roi_matches_profit_and_budget", column) in generic
    # no dbt packages: every generic test beyond dbt's four built-ins is the project's own
    macros = {
        m.split(".")[-1]
        for t in manifest["nodes"].values()
        for m in t.get("depends_on", {}).get("macros", [])
    }
    own = {p.stem for p in (REPO / "dbt" / "tests" / "generic").glob("*.sql")}
    assert {f"test_{name}" for name in own} <= macros


def test_unit_tests_cover_the_business_rules(manifest):
    unit_tests = {(u["model"], u["name"]) for u in manifest["unit_tests"].values()}
    assert len(unit_tests) >= 4
    covered = {m for m, _ in unit_tests}
    assert {
        "int_films_financial",  # decade bucketing and the financial universe
        "genre_decade_performance",  # ROI as a ratio of sums; the projection
        "top_movies_by_decade",  # top-N, ties and floors
        "genre_scorecard",
    } <= covered


def test_raw_sources_match_the_ingestion_contract(manifest):
    """The sources YAML declares the RAW tables the ingestion writes (docs.py creates them)."""
    declared = {
        s["identifier"]: [c.upper() for c in s["columns"]]
        for s in manifest["sources"].values()
        if s["schema"] == "RAW"
    }
    # files with a key number their rows; ratings and tags do not
    numbered = {"MOVIES", "LINKS", "MOVIES_METADATA"}
    expected = {
        c.table: ["_LINE_NUMBER"] * (c.table in numbered) + [col.target for col in c.columns]
        for c in CONTRACTS
    }
    assert declared == expected


# --- dbt on its own ---------------------------------------------------------------------------


def test_a_broken_profile_is_reported_as_a_crash(tmp_path):
    project = dbt_copy(tmp_path)
    (project / "profiles.yml").write_text(
        "netflix_pipeline:\n  target: local\n  outputs:\n    local:\n      type: snowflake\n"
    )
    with pytest.raises(DbtCrashError) as err:
        run_dbt(["build"], project_dir=project, target="local", target_path=tmp_path / "target")
    assert not isinstance(err.value, DbtBuildError)
    assert "crashed (exit code 2)" in str(err.value)
    assert "profile" in str(err.value).lower()


def test_a_preparsed_manifest_serves_the_commands_with_the_same_setup(tmp_path, caplog):
    """The worker parses once; commands with the same project and target, in an environment
    that agrees on what dbt reads, start from that manifest (so they do not see a file edited
    since); others parse afresh."""
    project = dbt_copy(tmp_path)
    env = {k: "" for k in os.environ if k.startswith("SNOWFLAKE_")}
    where = {"project_dir": project, "target": "local", "target_path": tmp_path / "target"}
    ls = ["ls", "--select", "stg_movielens__tags", "--output", "json", "--output-keys", "raw_code"]

    def listed(command_env: dict) -> str:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="dbt"):
            run_dbt(ls, **where, env=command_env).raise_for_failures()
        return "\n".join(r.getMessage() for r in caplog.records if r.name == "dbt")

    preparse(**where, env=env)
    assert "raw_code" in listed(env)  # the parse in the background is over by now
    model = project / "models" / "staging" / "movielens" / "stg_movielens__tags.sql"
    model.write_text(model.read_text() + "\n-- edited after the parse\n")
    # a variable dbt does not read (a library's setting made since the parse) changes nothing
    same = listed({**env, "ARROW_DEFAULT_MEMORY_POOL": "system"})
    assert "raw_code" in same and "edited after the parse" not in same
    assert "edited after the parse" in listed({**env, "SNOWFLAKE_DATABASE": "ANOTHER"})


def test_the_runs_query_tag_leaves_dbts_parse_cache_valid(tmp_path, caplog):
    """Each run logs in with its own query tag, which the profile hands to the warehouse. The
    parse at the start of the run leaves it out: dbt's partial-parse cache, keyed on the
    profile's connection settings, stays valid from run to run (no whole parse each night),
    and the run's commands, tagged, still start from that parse."""
    msgpack = pytest.importorskip("msgpack")  # dbt's own dependency, for its parse cache
    project = dbt_copy(tmp_path)
    env = {k: "" for k in os.environ if k.startswith("SNOWFLAKE_")}
    where = {"project_dir": project, "target": "local", "target_path": tmp_path / "target"}
    cache = tmp_path / "target" / "partial_parse.msgpack"
    ls = ["ls", "--select", "stg_movielens__tags", "--output", "json", "--output-keys", "raw_code"]

    def profile_key_after_parse(tag: str) -> str:
        preparse(**where, env={**env, "DBT_QUERY_TAG": tag})
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="dbt"):  # waits for the parse to end
            run_dbt(ls, **where, env={**env, "DBT_QUERY_TAG": tag}).raise_for_failures()
        state = msgpack.unpackb(cache.read_bytes(), strict_map_key=False)["state_check"]
        return state["profile_hash"]["checksum"]

    def listed() -> str:
        return "\n".join(r.getMessage() for r in caplog.records if r.name == "dbt")

    first = profile_key_after_parse("netflix-pipeline/local/run-1")
    model = project / "models" / "staging" / "movielens" / "stg_movielens__tags.sql"
    model.write_text(model.read_text() + "\n-- edited after the parse\n")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dbt"):
        run_dbt(
            ls, **where, env={**env, "DBT_QUERY_TAG": "netflix-pipeline/local/run-1"}
        ).raise_for_failures()
    assert "raw_code" in listed() and "edited after the parse" not in listed()  # run 1's parse
    assert profile_key_after_parse("netflix-pipeline/local/run-2") == first
    assert "edited after the parse" in listed()  # run 2 parsed again, the edit seen


def test_make_docs_builds_the_site_on_an_empty_emulator(tmp_path, manifest):
    from netflix_pipeline.dbt_bridge.docs import build_docs

    project = dbt_copy(tmp_path)
    index = build_docs(project)
    assert index == project / "target" / "index.html" and index.stat().st_size > 100_000
    catalog = json.loads((index.parent / "catalog.json").read_text())["nodes"]
    for name, node in models_of(manifest).items():
        if node["unique_id"] not in catalog:
            # the emulator's information_schema lists tables, not views: the docs show the
            # staging views' columns from their YAML only
            assert node["config"]["materialized"] == "view", name
            continue
        built = {c.lower() for c in catalog[node["unique_id"]]["columns"]}
        assert built == set(node["columns"]), name


# --- two pipeline runs (started when this module starts) ----------------------------------


def planted_duplicate(project: Path) -> dict[str, str]:
    """The genre node's primary-genre table gets a duplicated row (catalog override)."""
    (project / "conf" / "local" / "catalog.yml").write_text(
        "movie_primary_genre:\n"
        "  type: planted_datasets.DuplicateFirstRowTableDataset\n"
        "  table: GENRES.MOVIE_PRIMARY_GENRE\n"
        "  credentials: snowflake\n"
        "  stage_uri: ${globals:stage.uri}\n"
        "  stage_name: ${globals:stage.name}\n"
    )
    return {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PLANTED), os.environ.get("PYTHONPATH")]))
    }


@dataclass
class KedroRun:
    """`kedro run` in a child process, started now, its output in a file."""

    project: Path
    proc: subprocess.Popen
    log_path: Path

    @classmethod
    def start(cls, project: Path, *args: str, env: dict[str, str] | None = None) -> KedroRun:
        log_path = project / "kedro-run.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen(
                [str(Path(sys.executable).with_name("kedro")), "run", *args],
                cwd=project,
                env={
                    **os.environ,
                    "KEDRO_DISABLE_TELEMETRY": "true",
                    "KEDRO_LOGGING_CONFIG": str(project / "conf" / "logging.yml"),
                    **(env or {}),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return cls(project, proc, log_path)

    def finish(self, timeout: float = 600) -> tuple[int, str]:
        returncode = self.proc.wait(timeout=timeout)
        return returncode, self.log_path.read_text()


@pytest.fixture(scope="module", autouse=True)
def runs(tmp_path_factory):
    """Both runs start when this module does, so the tests without them run meanwhile."""
    good = project_copy(tmp_path_factory.mktemp("dbt_good"))
    planted = project_copy(tmp_path_factory.mktemp("dbt_planted"))
    started = {
        "good": KedroRun.start(good, "--params", "dbt.unit_tests=true"),
        "planted": KedroRun.start(planted, env=planted_duplicate(planted)),
    }
    yield started
    for run in started.values():  # not waited for (a test selection without them): stop them
        if run.proc.poll() is None:
            run.proc.terminate()
            run.proc.wait(timeout=60)


def test_dbt_build_passes_on_the_sample_data(runs, manifest):
    project = runs["good"].project
    returncode, log = runs["good"].finish()
    assert returncode == 0, log[-6000:]
    assert "dbt build --exclude source:genres+" in log
    assert "dbt build --select source:genres+" in log
    # two build invocations, no more (the DAG of the pipeline may need a parse before them,
    # when no manifest of these project files is at hand)
    assert log[log.index("Running dbt build") :].count("Running with dbt=") == 2
    for name in models_of(manifest):
        assert re.search(rf"dbt model {name} +success +\d+ rows .* tests: ", log), name
        assert f"Completed node: dbt_{name}" in log, name  # its watcher ran
    assert (project / REPORTING / "insights.json").exists()


def test_dbt_unit_tests_run_and_pass_on_the_emulator(runs, manifest):
    _, log = runs["good"].finish()
    for unit in manifest["unit_tests"].values():
        name = f"{unit['model']}::{unit['name']}"
        assert re.search(rf"\d+ of \d+ PASS {re.escape(name)} ", log), name
    assert " FAIL " not in log


def test_a_failing_data_test_stops_the_run_before_the_reports(runs):
    project = runs["planted"].project
    returncode, log = runs["planted"].finish()
    assert returncode != 0
    assert "Node dbt_build_marts_node" in log and "failed with error" in log
    assert (
        "test unique_stg_genres__movie_primary_genre_film_id (on stg_genres__movie_primary_genre):"
        " fail: Got 1 result, configured to fail if != 0"
    ) in log
    assert "DbtBuildError" in log and "DbtCrashError" not in log
    reporting = project / REPORTING
    assert not (reporting / "insights.json").exists()
    assert not list(reporting.glob("*_export.csv")) and not (reporting / "fct_movies.csv").exists()
    assert "Running node: publish_marts_node" not in log


def test_kedro_viz_shows_the_dbt_models_between_raw_files_and_reports(runs, manifest):
    project = runs["good"].project
    assert runs["good"].finish()[0] == 0
    kedro = Path(sys.executable).with_name("kedro")
    built = subprocess.run(
        [str(kedro), "viz", "build"],
        cwd=project,
        env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "true"},
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    graph = json.loads((project / "build" / "api" / "main").read_text())
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    tasks = {n["name"] for n in graph["nodes"] if n["type"] == "task"}
    assert {f"dbt_{m}" for m in models_of(manifest)} <= tasks
    edges = defaultdict(set)
    for e in graph["edges"]:
        edges[names[e["source"]]].add(names[e["target"]])

    def downstream(start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    # one graph: raw file -> dbt staging -> genre node -> dbt marts -> reports
    from_raw = downstream("raw_movies")
    assert {"dbt_stg_movielens__movies", "normalize_genres_node", "dbt_fct_movies"} <= from_raw
    assert {"insights", "publish_marts_node"} <= from_raw
    assert "dbt_genre_scorecard" in downstream("dbt_fct_movies")  # dbt's own lineage
    assert "normalize_genres_node" in downstream("dbt_int_film_genre_sources")


def test_the_power_bi_dataset_is_an_exposure_of_every_published_mart(manifest):
    """dbt's lineage ends where the data leaves it: the exposure names exactly the marts that
    publish_marts copies into MARTS."""
    import yaml

    params = yaml.safe_load((REPO / "conf" / "base" / "parameters_publishing.yml").read_text())
    published = {t.lower() for t in params["publish"]["tables"]}
    (exposure,) = manifest["exposures"].values()
    assert exposure["type"] == "dashboard"
    depends = {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}
    assert depends == published


def test_every_published_mart_has_an_enforced_contract(manifest):
    """Power BI depends on the published marts' column names and types: each is a dbt contract
    (every column typed), and the model selects exactly those columns, cast (cast_to_contract)."""
    import yaml

    params = yaml.safe_load((REPO / "conf" / "base" / "parameters_publishing.yml").read_text())
    models = models_of(manifest)
    for table in params["publish"]["tables"]:
        node = models[table.lower()]
        assert node["config"]["contract"]["enforced"] is True, table
        untyped = [c for c, col in node["columns"].items() if not col.get("data_type")]
        assert node["columns"] and not untyped, (table, untyped)
        assert "cast_to_contract()" in node["raw_code"], table
