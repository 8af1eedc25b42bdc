"""The production configuration end to end, as the image's entrypoint runs it.

`kedro run --env prod` with the raw files in an S3 bucket (a moto server on loopback) and the
warehouse being the local emulator; only endpoints and credentials come from the environment,
as they do from the CronJob's ConfigMap and Secret.
"""

from __future__ import annotations

import json

import pytest
from conftest import REPO, project_copy, run_kedro

BUCKET = "netflix-prod"


@pytest.fixture(scope="module")
def prod_run(moto_s3, tmp_path_factory):
    s3_endpoint, s3 = moto_s3
    tmp = tmp_path_factory.mktemp("prod")
    project = project_copy(tmp)
    s3.create_bucket(Bucket=BUCKET)
    raw = REPO / "data" / "01_raw"
    for path in raw.rglob("*.csv"):
        s3.upload_file(str(path), BUCKET, f"nightly/raw/{path.relative_to(raw).as_posix()}")
    env = {
        "KEDRO_ENV": "prod",
        "KEDRO_LOGGING_CONFIG": str(project / "conf" / "prod" / "logging.yml"),
        "KEDRO_LOGGING_MODULE_ALLOWLIST": "netflix_pipeline.jsonlog",
        "RAW_URI": f"s3://{BUCKET}/nightly/raw",
        "REPORTS_URI": f"s3://{BUCKET}/nightly/reports",
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        # The emulator cannot read s3:// stages: checked files are staged on local disk.
        "SNOWFLAKE_EMULATOR": "true",
        "STAGE_URI": str(tmp / "stage"),
        "STAGE_NAME": "RAW_LOAD.LANDING_STAGE",
        "STAGE_CREATE": "true",
        "DBT_TARGET_PATH": str(tmp / "dbt-target"),
        "DBT_LOG_PATH": str(tmp / "dbt-logs"),
        # Every login and statement the emulator receives (emulator_server.py).
        "EMULATOR_STATEMENT_LOG": str(tmp / "statements.jsonl"),
    }
    for name in [k for k in __import__("os").environ if k.startswith("POWERBI_")]:
        env[name] = ""
    result = run_kedro(project, "--env", "prod", env=env)
    return project, s3, result


def statements(project) -> list[dict]:
    log = project.parent / "statements.jsonl"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_prod_configuration_runs_from_s3_to_reports(prod_run):
    project, s3, result = prod_run
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    keys = {
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="nightly/reports/")["Contents"]
    }
    assert {
        "nightly/reports/insights.json",
        "nightly/reports/fct_movies.csv",
        "nightly/reports/rejected_rows.csv",
    } <= keys
    insights = json.loads(
        s3.get_object(Bucket=BUCKET, Key="nightly/reports/insights.json")["Body"].read()
    )
    assert insights["films"] > 500 and insights["recommendation"]["genre"] in insights["genres"]
    # Nothing was written into the project folder (the image's root filesystem is read-only).
    assert not (project / "data" / "08_reporting" / "insights.json").exists()
    assert not list((project / "data" / "02_intermediate").iterdir())


def test_prod_logs_are_json_lines_and_dbt_uses_the_prod_target(prod_run):
    _, _, result = prod_run
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(records) > 20
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    messages = " ".join(r["message"] for r in records)
    assert "--target prod" in messages
    assert f"s3://{BUCKET}/nightly/raw/movielens/ratings.csv" in messages
    assert "Power BI refresh skipped" in messages


def test_every_session_of_the_run_carries_its_query_tag(prod_run):
    project, _, result = prod_run
    assert result.returncode == 0
    logins = [e for e in statements(project) if e["event"] == "login"]
    tags = {e["query_tag"] for e in logins}
    assert len(logins) >= 3 and len(tags) == 1, tags  # the pipeline's, Snowpark's and dbt's
    assert tags.pop().startswith("netflix-pipeline/prod/")


def test_the_genre_stage_runs_through_snowpark_in_prod(prod_run):
    project, _, result = prod_run
    assert result.returncode == 0
    sql = [e["sql"] or "" for e in statements(project) if e["event"] == "query"]
    # save_as_table of the per-film frames: one atomic statement per table, grants kept
    for table in ("MOVIE_GENRES", "MOVIE_PRIMARY_GENRE", "REJECTED_ROWS"):
        writes = [" ".join(q.upper().split()) for q in sql if f"GENRES.{table}(" in q]
        assert writes and all(
            w.startswith(f"CREATE OR REPLACE TABLE GENRES.{table}(") and "COPY GRANTS AS" in w
            for w in writes
        ), table
