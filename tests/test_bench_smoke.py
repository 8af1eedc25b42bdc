"""Smoke run of the benchmark script at the generator's ``tiny`` scale.

Checks that ``benchmarks/bench_pipeline.py`` runs the whole pipeline, the DuckDB floor and the
pandas script on the same generated files and writes ``benchmark.json`` with sane figures. It
asserts no timing: benchmarks are not tests (issue 9), and this machine is shared.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO

BENCH = REPO / "benchmarks" / "bench_pipeline.py"
OUT = REPO / "data" / "bench" / "tiny" / "benchmark.json"


@pytest.fixture(scope="module")
def bench() -> dict:
    OUT.unlink(missing_ok=True)
    run = subprocess.run(
        [sys.executable, str(BENCH), "--scale", "tiny", "--runs", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "pipeline (kedro run)" in run.stdout  # the table was printed
    return json.loads(OUT.read_text())


def test_benchmark_json_has_the_issue_fields(bench):
    for key in (
        "scale", "ratings", "movies", "total_seconds", "peak_rss_bytes", "stages",
        "floor_seconds", "pandas_seconds", "pandas_peak_rss_bytes", "stage_groups",
    ):  # fmt: skip
        assert key in bench, key
    assert bench["scale"] == "tiny"
    assert bench["runs"] == 1 and len(bench["pipeline_runs"]) == 1


def test_figures_are_sane(bench):
    from netflix_pipeline.pipelines.sample_data.generator import SCALES

    assert bench["ratings"] == SCALES["tiny"]["ratings"]
    assert bench["movies"] >= SCALES["tiny"]["movies"]  # plus the planted duplicate
    assert bench["total_seconds"] > 0
    assert 0 < bench["floor_seconds"] < bench["floor_process_seconds"]
    assert bench["pandas_seconds"] > 0
    # A Python process with pandas and the emulator: more than 100 MB, less than 20 GB.
    for key in ("peak_rss_bytes", "pandas_peak_rss_bytes", "floor_peak_rss_bytes"):
        assert 100e6 < bench[key] < 20e9 or key == "floor_peak_rss_bytes", (key, bench[key])
    run = bench["pipeline_runs"][0]
    assert run["rss_max_sample_gap_seconds"] <= 0.2 + 0.3  # sampled about every 0.05 s
    assert {"kedro", "emulator", "dbt"} <= set(bench["peak_rss_by_kind"])  # the whole tree


def test_stages_cover_the_run(bench):
    stages = bench["stages"]
    assert "kedro_startup" in stages and "shutdown" in stages
    nodes = [k for k in stages if k.endswith("_node")]
    assert len(nodes) >= 5
    assert all(v >= 0 for v in stages.values())
    # Stages partition the run (the emulator's start overlaps them and is reported apart).
    assert sum(stages.values()) == pytest.approx(bench["total_seconds"], rel=0.05, abs=0.5)
    assert bench["emulator_start_seconds"] > 0
    assert len(bench["pipeline_runs"][0]["dbt"]) >= 1


def test_the_three_computations_agree_on_the_films(bench):
    films = bench["check_films"]
    assert films["floor"] == films["pandas"] > 0
    assert films["pipeline"] == films["floor"]
