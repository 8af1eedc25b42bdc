"""The default pipeline end to end on the committed sample data, as `make run` runs it."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import psutil
import pytest
from conftest import DESIGN_GENRE_KEYS, project_copy, read_json, run_kedro


def emulators_started_in(project: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if "-m fakesnow" in cmd and proc.info["cwd"] == str(project):
            found.append(proc)
    return found


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    project = project_copy(tmp_path_factory.mktemp("e2e"))
    first = run_kedro(project)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    insights = read_json(project / "data" / "08_reporting" / "insights.json")
    # The first run's record, kept before a later test runs the project again.
    RECORDS.append(read_json(project / "data" / "08_reporting" / "run.json"))
    return project, first, insights


RECORDS: list[dict] = []


def test_insights_follow_the_output_contract(sample_run):
    _, _, insights = sample_run
    assert set(insights) >= {
        "films",
        "recent_decades",
        "baseline_avg_profit",
        "genres",
        "recommendation",
    }
    genres = insights["genres"]
    assert len(genres) >= 5
    for name, figures in genres.items():
        assert set(figures) >= DESIGN_GENRE_KEYS, name
    # Every film counted once, under its primary genre.
    assert sum(g["films"] for g in genres.values()) == insights["films"]
    assert math.isclose(sum(g["market_share_recent"] for g in genres.values()), 1.0, rel_tol=1e-9)
    # The generator's release years reach 2020: the recent window is the two latest decades.
    assert insights["recent_decades"] == [2010, 2020]
    rec = insights["recommendation"]
    assert rec["genre"] in genres
    assert rec["genre"] in rec["reason"]
    chosen = genres[rec["genre"]]
    assert chosen["films"] >= 30 and chosen["market_share_recent"] >= 0.10
    eligible = [g for g in genres.values() if g["films"] >= 30 and g["market_share_recent"] >= 0.10]
    assert chosen["avg_profit"] == max(g["avg_profit"] for g in eligible)


def test_marts_and_rejects_are_exported(sample_run):
    project, _, insights = sample_run
    reporting = project / "data" / "08_reporting"
    with (reporting / "fct_movies.csv").open() as fh:
        films = list(csv.DictReader(fh))
    assert len(films) == insights["films"]
    assert len({f["film_id"] for f in films}) == len(films)
    for mart in ("genre_decade_performance", "genre_scorecard", "top_movies_by_decade"):
        assert (reporting / f"{mart}.csv").stat().st_size > 100
    with (reporting / "rejected_rows.csv").open() as fh:
        rejects = list(csv.DictReader(fh))
    reasons = " ".join(r["reason"] for r in rejects)
    # The generator plants these faults in the sample; each is quarantined with its line.
    assert "duplicate movieId" in reasons
    assert "shifted row" in reasons
    assert "wrong number of columns" in reasons
    assert "rating: expected a rating" in reasons
    assert all(int(r["line_number"]) > 1 for r in rejects)


def test_the_run_skips_power_bi_and_stops_the_emulator(sample_run):
    project, first, _ = sample_run
    log = first.stdout + first.stderr
    assert "Power BI refresh skipped: POWERBI_* not set" in log
    assert "Local Snowflake emulator on port" in log and "stopped" in log
    assert emulators_started_in(project) == []


def test_a_second_run_starts_clean_and_gives_the_same_answer(sample_run):
    project, _, insights = sample_run
    second = run_kedro(project)
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
    again = read_json(project / "data" / "08_reporting" / "insights.json")
    assert again.pop("run_id") != insights["run_id"]  # each run names itself
    assert again == {k: v for k, v in insights.items() if k != "run_id"}


def test_the_run_is_on_the_record(sample_run):
    """run.json beside the reports: who ran, on what, what it loaded, built and published; the
    run id in it, in insights.json and in every log line."""
    _, first, insights = sample_run
    record = RECORDS[0]
    run_id = insights["run_id"]
    assert record["run_id"] == run_id
    assert record["status"] == "succeeded" and record["exit_code"] == 0
    assert record["env"] == "local" and record["version"] and record["build"]
    assert record["query_tag"] == f"netflix-pipeline/local/{run_id}"
    assert {i["file"] for i in record["inputs"]} >= {
        "movielens/ratings.csv",
        "tmdb/movies_metadata.csv",
    }
    assert all(i["size"] > 0 and i["modified"] for i in record["inputs"] if i["present"])
    assert record["tables"]["RAW.RATINGS"]["rows_loaded"] > 90000
    assert (
        record["dbt"]["marts"]["returncode"] == 0
        and "fct_movies" in record["dbt"]["marts"]["models"]
    )
    assert record["published"]["tables"]["FCT_MOVIES"] == insights["films"]
    assert record["recommendation"] == insights["recommendation"]["genre"]
    # Every log line (the terminal table of the summary is printed, not logged).
    lines = [line for line in first.stdout.splitlines() if re.match(r"\d\d:\d\d:\d\d ", line)]
    assert len(lines) > 50 and all(run_id in line for line in lines), [
        line for line in lines if run_id not in line
    ][:3]


def test_a_failed_run_names_the_file_and_leaks_no_emulator(tmp_path):
    project = project_copy(tmp_path)
    (project / "data" / "01_raw" / "movielens" / "links.csv").unlink()
    result = run_kedro(project)
    assert result.returncode != 0
    assert "movielens/links.csv: required file not found" in result.stdout + result.stderr
    assert not (project / "data" / "08_reporting" / "insights.json").exists()
    assert emulators_started_in(project) == []
