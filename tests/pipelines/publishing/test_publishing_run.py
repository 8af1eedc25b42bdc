"""The real Kedro pipeline with POWERBI_* set, against the fake Azure AD + Power BI on loopback.

The fake server runs in a thread of the test process; each `kedro run` child process reaches it
over HTTPS, trusting the fake's certificate through REQUESTS_CA_BUNDLE, as production trusts
Microsoft's. Each full run takes about 40 s on the committed sample data.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import project_copy, read_json, run_kedro
from fake_powerbi import CLIENT_ID, CLIENT_SECRET, SCOPE, Reply
from publishing_support import FAST_POLLING, POWERBI_VARS, fake_powerbi

MARTS = ["FCT_MOVIES", "GENRE_DECADE_PERFORMANCE", "GENRE_SCORECARD", "TOP_MOVIES_BY_DECADE"]


@pytest.fixture()
def fake(tmp_path):
    with fake_powerbi(tmp_path) as server_and_env:
        yield server_and_env


def output_of(result) -> str:
    return result.stdout + result.stderr


def test_a_run_with_powerbi_set_publishes_then_refreshes_through_a_429(project, fake):
    server, env = fake
    server.enqueue(
        "trigger",
        Reply(
            429,
            {"error": {"code": "TooManyRequests", "message": "Slow down"}},
            {"Retry-After": "1"},
        ),
    )
    server.next_refresh = {"statuses": ["NotStarted", "InProgress", "Completed"]}

    result = run_kedro(project, f"--params={FAST_POLLING}", env=env)

    log = output_of(result)
    assert result.returncode == 0, log[-6000:]
    (token,) = server.calls("token")
    assert token.form()["grant_type"] == "client_credentials"
    assert token.form()["client_id"] == CLIENT_ID
    assert SCOPE in token.form()["scope"]
    throttled, accepted = server.calls("trigger")
    assert accepted.at - throttled.at >= 1.0  # Retry-After honoured
    assert accepted.json() == throttled.json() == {"notifyOption": "NoNotification"}
    refresh = server.refreshes[0]
    assert refresh.current == "Completed" and refresh.observed >= 3
    polls = server.calls("details")
    assert {p.path.rsplit("/", 1)[-1] for p in polls} == {refresh.request_id}
    assert all(c.authorization == "Bearer token-1" for c in [throttled, accepted, *polls])
    # Published first, with the same films the reports hold; the refresh only afterwards.
    films = read_json(project / "data" / "08_reporting" / "insights.json")["films"]
    assert f"Published MARTS.FCT_MOVIES: {films} rows (new table)" in log
    assert log.index("Published 4 marts from MARTS_BUILD to MARTS") < log.index(
        f"Power BI refresh {refresh.request_id} completed"
    )
    assert CLIENT_SECRET not in log


def test_a_refresh_that_ends_failed_fails_the_run(project, fake):
    server, env = fake
    error = {"errorCode": "ModelRefreshFailed_CredentialsNotSpecified"}
    server.next_refresh = {
        "statuses": ["InProgress", "Failed"],
        "extra": {"serviceExceptionJson": json.dumps(error)},
    }

    result = run_kedro(project, f"--params={FAST_POLLING}", env=env)

    log = output_of(result)
    assert result.returncode != 0
    assert "Power BI refresh failed: status Failed" in log
    assert "ModelRefreshFailed_CredentialsNotSpecified" in log
    assert "Published 4 marts" in log  # the marts are good; only the refresh failed
    assert len(server.calls("trigger")) == 1


def test_a_partial_configuration_fails_the_run_before_any_warehouse_work(project):
    env = {name: "" for name in POWERBI_VARS}
    env.update(POWERBI_TENANT_ID="tenant", POWERBI_CLIENT_ID="client", POWERBI_CLIENT_SECRET="x")

    result = run_kedro(project, env=env, timeout=120)

    log = output_of(result)
    assert result.returncode != 0
    assert "missing environment variables: POWERBI_WORKSPACE_ID, POWERBI_DATASET_ID" in log
    assert not re.findall(r"Running node: (\w+)", log)  # checked as the run starts


# ----------------------------------------------------------------------------- write-audit-publish

FAILING_AUDIT = "assert_fct_movies_blocked_by_test"


def shrink_metadata(raw: Path, dest: Path, keep: int) -> Path:
    """A copy of the raw files whose TMDB metadata keeps only its first ``keep`` records."""
    shutil.copytree(raw, dest)
    path = dest / "tmdb" / "movies_metadata.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        records = list(csv.reader(fh))
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(records[: keep + 1])
    return dest


def published(warehouse, schema: str) -> dict[str, list[tuple]]:
    with warehouse.cursor() as cur:
        return {
            t: sorted(map(tuple, cur.execute(f"select * from {schema}.{t}").fetchall()), key=repr)
            for t in MARTS
        }


def run_in_process(project: Path, **runtime_params):
    """One `kedro run` in this process; returns the run's warehouse (kept running)."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    with KedroSession.create(project_path=project, runtime_params=runtime_params) as session:
        catalog = session.load_context().catalog
        try:
            session.run()
        finally:
            warehouse = catalog.load("warehouse")
    return warehouse


def test_a_failing_dbt_test_publishes_nothing_and_refreshes_nothing(tmp_path, fake, monkeypatch):
    """Two nightly runs on one warehouse: a good one, then one whose build fails a dbt test.

    `kedro run` stops its emulator when the run ends, so both runs happen in this process with
    the stop deferred to the end of the test; the published tables are read in between.
    """
    from netflix_pipeline import hooks
    from netflix_pipeline import warehouse as warehouse_module
    from netflix_pipeline.dbt_bridge.results import DbtBuildError

    server, env = fake
    project = project_copy(tmp_path)
    smaller_raw = shrink_metadata(project / "data" / "01_raw", tmp_path / "raw_smaller", keep=1500)
    monkeypatch.chdir(project)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(hooks, "close_all", lambda: None)
    polling = {"poll_interval_seconds": 0.2, "max_poll_interval_seconds": 0.5}
    try:
        warehouse = run_in_process(project, powerbi=polling)
        before = published(warehouse, "MARTS")
        requests_after_first_run = len(server.requests)
        assert len(server.calls("trigger")) == 1 and server.refreshes[0].current == "Completed"

        # Between nights, only the published marts carry over: the next run rebuilds RAW and
        # everything after it. (The emulator also cannot `create or replace … clone` onto an
        # existing table, which the ingestion's swap does.)
        with warehouse.cursor() as cur:
            schemas = cur.execute(
                "select schema_name from information_schema.schemata "
                "where schema_name not in ('MARTS', 'INFORMATION_SCHEMA', 'PUBLIC')"
            ).fetchall()
            for (schema,) in schemas:
                cur.execute(f"drop schema if exists {schema} cascade")
        (project / "dbt" / "tests").mkdir(exist_ok=True)
        (project / "dbt" / "tests" / f"{FAILING_AUDIT}.sql").write_text(
            "-- Planted by the test: any film in the build fails the audit.\n"
            "select film_id from {{ ref('fct_movies') }}\n"
        )

        with pytest.raises(DbtBuildError, match=FAILING_AUDIT):
            run_in_process(project, raw_uri=str(smaller_raw), powerbi=polling)

        with warehouse.cursor() as cur:
            built = cur.execute("select count(*) from MARTS_BUILD.FCT_MOVIES").fetchone()[0]
        assert 0 < built < len(before["FCT_MOVIES"])  # the new build exists and differs...
        assert published(warehouse, "MARTS") == before  # ...yet MARTS is exactly as it was
        assert len(server.requests) == requests_after_first_run  # and Power BI heard nothing
    finally:
        warehouse_module.close_all()
