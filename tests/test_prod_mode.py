"""The production configuration end to end, as the image's entrypoint runs it.

`kedro run --env prod` with the raw files in an S3 bucket (a moto server on loopback) and the
warehouse being an emulator this test starts and sets up as Snowflake's administrator would
(``dbt/setup/snowflake_setup.sql``); the run reaches it as it reaches a Snowflake account, by
host and port. Only endpoints and credentials come from the environment, as they do from the
CronJob's ConfigMap and Secret. Every statement of the run is then audited against the pipeline
role's grants and Snowflake's transaction rules (``statement_audit.py``).
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import statement_audit
from conftest import REPO, prod_env, project_copy, run_kedro

from netflix_pipeline.warehouse.emulator import STATEMENT_LOG_ENV, Emulator

BUCKET = "netflix-prod"
NIGHTS: list[tuple[subprocess.CompletedProcess, int, int]] = []


@pytest.fixture(scope="module")
def snowflake_account(tmp_path_factory):
    """An emulator set up as ``snowflake_setup.sql`` sets up an account: the database, its
    schemas (RAW_LOAD transient) and the landing stage, on a local folder instead of S3 (the
    emulator cannot read S3). ``(connect arguments, stage folder, statement log, log offset)``;
    the offset is where the run's statements start."""
    tmp = tmp_path_factory.mktemp("account")
    log, stage = tmp / "statements.jsonl", tmp / "stage"
    stage.mkdir()
    server = Emulator()
    with pytest.MonkeyPatch.context() as env:
        env.setenv(STATEMENT_LOG_ENV, str(log))
        server.start()
    args = server.connect_args()
    statement_audit.set_up_account(args, stage)
    try:
        yield args, stage, log, log.stat().st_size
    finally:
        server.stop()


@pytest.fixture(scope="module")
def prod_run(moto_s3, snowflake_account, tmp_path_factory):
    s3_endpoint, s3 = moto_s3
    account, stage, _, _ = snowflake_account
    tmp = tmp_path_factory.mktemp("prod")
    project = project_copy(tmp)
    s3.create_bucket(Bucket=BUCKET)
    raw = REPO / "data" / "01_raw"
    for path in raw.rglob("*.csv"):
        s3.upload_file(str(path), BUCKET, f"nightly/raw/{path.relative_to(raw).as_posix()}")
    env = {
        **prod_env(project, tmp, account, stage, s3_endpoint, f"s3://{BUCKET}/nightly/reports"),
        "RAW_URI": f"s3://{BUCKET}/nightly/raw",
    }
    # Two nights: the first creates every table, the second replaces them as every later night
    # does. ``NIGHTS`` keeps each night's result and where its statements are in the log.
    log = snowflake_account[2]
    for _ in range(2):
        start = log.stat().st_size
        result = run_kedro(project, "--env", "prod", env=env)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
        NIGHTS.append((result, start, log.stat().st_size))
    return project, s3, result


def statements(snowflake_account, night: int = -1) -> list[dict]:
    """The logins and statements of one night's run (the last by default)."""
    _, start, end = NIGHTS[night]
    with snowflake_account[2].open("rb") as fh:
        fh.seek(start)
        text = fh.read(end - start).decode("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def node_starts(stdout: str) -> list[tuple[float, str]]:
    """When each Kedro node started, from the run's JSON log lines."""
    from datetime import datetime

    starts = []
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if m := re.match(r"Running node: (\w+)", record.get("message", "")):
            starts.append((datetime.fromisoformat(record["time"]).timestamp(), m[1]))
    return starts


def test_prod_configuration_runs_from_s3_to_reports(prod_run):
    project, s3, result = prod_run
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    keys = {
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="nightly/reports/")["Contents"]
    }
    # Each run's reports in a folder named by its run id, and the last run's in latest/.
    insights = json.loads(
        s3.get_object(Bucket=BUCKET, Key="nightly/reports/latest/insights.json")["Body"].read()
    )
    run = f"nightly/reports/runs/{insights['run_id']}"
    reports = ("insights.json", "fct_movies.csv", "rejected_rows.csv", "load_report.json")
    for folder in (run, "nightly/reports/latest"):
        assert {f"{folder}/{name}" for name in (*reports, "run.json")} <= keys, folder
    assert insights["films"] > 500 and insights["recommendation"]["genre"] in insights["genres"]
    record = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{run}/run.json")["Body"].read())
    assert (record["run_id"], record["status"], record["env"]) == (
        insights["run_id"],
        "succeeded",
        "prod",
    )
    assert all(i["etag"] and i["size"] for i in record["inputs"])  # the files, as S3 has them
    assert len([k for k in keys if k.endswith("/run.json") and "/runs/" in k]) == len(NIGHTS)
    # Nothing was written into the project folder (the image's root filesystem is read-only).
    assert not (project / "data" / "08_reporting" / "insights.json").exists()
    assert not list((project / "data" / "02_intermediate").iterdir())


def test_prod_logs_are_json_lines_and_dbt_uses_the_prod_target(prod_run):
    _, _, result = prod_run
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(records) > 20
    assert all({"time", "level", "run_id", "logger", "message"} <= set(r) for r in records)
    assert len({r["run_id"] for r in records}) == 1  # one run, one id, on every line
    messages = " ".join(r["message"] for r in records)
    assert "--target prod" in messages
    assert f"s3://{BUCKET}/nightly/raw/movielens/ratings.csv" in messages
    assert "Power BI refresh skipped" in messages


def test_no_statement_was_answered_with_a_server_error(prod_run, snowflake_account):
    """The connector sends a statement again, a second later, when the server answers with an
    error of its own (HTTP 5xx): a run that meets one succeeds, only slower, so the answers
    themselves are checked, the account's set-up's and both nights'."""
    events = [json.loads(line) for line in snowflake_account[2].read_text().splitlines()]
    queries = [e for e in events if e["event"] == "query"]
    assert len(queries) > 100
    assert all(e["status"] == 200 for e in queries), [
        (e["status"], e["sql"][:200]) for e in queries if e["status"] != 200
    ][:5]


def test_every_session_of_the_run_carries_its_query_tag(prod_run, snowflake_account):
    logins = [e for e in statements(snowflake_account) if e["event"] == "login"]
    tags = {e["query_tag"] for e in logins}
    assert len(logins) >= 3 and len(tags) == 1, tags  # the pipeline's, Snowpark's and dbt's
    assert tags.pop().startswith("netflix-pipeline/prod/")


def test_the_genre_stage_runs_through_snowpark_in_prod(prod_run, snowflake_account):
    project, _, result = prod_run
    assert result.returncode == 0
    sql = [e["sql"] or "" for e in statements(snowflake_account) if e["event"] == "query"]
    # save_as_table of the per-film frames: one atomic statement per table
    for table in ("MOVIE_GENRES", "MOVIE_PRIMARY_GENRE", "REJECTED_ROWS"):
        writes = [" ".join(q.upper().split()) for q in sql if f"GENRES.{table}(" in q]
        assert writes and all(
            w.startswith(f"CREATE OR REPLACE TABLE GENRES.{table}(") and " AS " in w for w in writes
        ), table


def run_audit(snowflake_account, night: int, planted=()) -> list[statement_audit.Violation]:
    """The audit of one night's statements, with ``planted`` ones (``(after, sql)``: inserted
    in the same session after the first statement containing ``after``)."""
    log = snowflake_account[2]
    result, start, end = NIGHTS[night]
    logins, run = statement_audit.read_log(log, start, end)
    for after, sql in planted:
        i = next(i for i, s in enumerate(run) if after in s.sql)
        run.insert(i + 1, statement_audit.Statement(run[i].session, sql, run[i].at))
    run = statement_audit.with_origins(run, node_starts(result.stdout))
    earlier = [statement_audit.read_log(log, s, e)[1] for _, s, e in NIGHTS[:night]]
    return statement_audit.audit(
        statement_audit.read_grants(),
        logins,
        run,
        query_tag_prefix="netflix-pipeline/prod/",
        before=earlier,
    )


@pytest.mark.parametrize("night", [0, 1], ids=["first night", "second night"])
def test_every_statement_of_a_prod_run_keeps_snowflakes_rules(prod_run, snowflake_account, night):
    """The pipeline role's grants, no DDL inside a transaction, the run's query tag: on the
    first night (every table made) and on a later one (every table replaced)."""
    violations = run_audit(snowflake_account, night)
    assert not violations, statement_audit.report(violations)


def test_the_audit_names_a_planted_create_schema_and_ddl_inside_a_transaction(
    prod_run, snowflake_account
):
    """What the audit reports when the publish creates its schema, and when DDL runs inside the
    publish's transaction."""
    ddl = "create or replace table MARTS.FCT_MOVIES like MARTS_BUILD.FCT_MOVIES"
    violations = run_audit(
        snowflake_account,
        night=1,
        planted=[
            ("select count(*) from MARTS_BUILD.FCT_MOVIES", "create schema if not exists MARTS"),
            ("delete from MARTS.FCT_MOVIES", ddl),
        ],
    )
    text = [str(v) for v in violations]
    assert len(violations) == 2, statement_audit.report(violations)
    print(statement_audit.report(violations))  # shown with -s: the closing note quotes it
    assert text[0].startswith(
        "[privilege] needs CREATE SCHEMA on database NETFLIX, which "
        "dbt/setup/snowflake_setup.sql does not grant role NETFLIX_PIPELINE"
    )
    assert "from: publish_marts_node" in text[0]
    assert "statement: create schema if not exists MARTS" in text[0]
    assert text[1].startswith("[transaction] DDL between begin and commit")
    assert "from: publish_marts_node" in text[1]
