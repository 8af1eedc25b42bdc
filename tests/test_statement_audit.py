"""The statement audit's rules, on statements written here (the prod-mode test runs it on a
whole prod-configuration run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from statement_audit import SETUP_SQL, Login, Statement, audit, read_grants, setup_objects

TAG = "netflix-pipeline/prod/run-1"
LOGINS = [Login(1, TAG, "PythonConnector")]


def violations(sql: list[str], grants=None, logins=LOGINS) -> list[str]:
    statements = [Statement(1, s, origin="a_node") for s in sql]
    found = audit(grants or read_grants(), logins, statements, "netflix-pipeline/prod/")
    return [str(v) for v in found]


def test_the_grants_are_read_from_the_setup_script() -> None:
    grants = read_grants()
    assert grants.role == "NETFLIX_PIPELINE" and grants.database == "NETFLIX"
    assert grants.has("SCHEMA", "NETFLIX.RAW", "CREATE TABLE")
    assert grants.has("STAGE", "NETFLIX.RAW_LOAD.LANDING_STAGE", "USAGE")
    assert not grants.has("DATABASE", "NETFLIX", "CREATE SCHEMA")
    setup = setup_objects()
    assert ("NETFLIX.RAW_LOAD", True) in setup.schemas  # transient: scratch only
    assert ("NETFLIX.MARTS", False) in setup.schemas


def test_what_the_role_may_do_passes() -> None:
    assert not violations(
        [
            "use database NETFLIX",
            "create or replace transient table RAW_LOAD.MOVIES (a int)",
            "copy into RAW_LOAD.MOVIES from @RAW_LOAD.LANDING_STAGE/run-1/ files = ('m.parquet')",
            "create table RAW.MOVIES__NEW (a int)",
            "insert into RAW.MOVIES__NEW (a) select a from RAW_LOAD.MOVIES",
            "insert into RAW.MOVIES__NEW (a) select $1:A::int from @RAW_LOAD.LANDING_STAGE/run-1/"
            "m.parquet (file_format => 'RAW_LOAD.PARQUET_FORMAT') where $1:_REASON is null",
            "alter table RAW.MOVIES__NEW rename to RAW.MOVIES",
            "create table RAW.MOVIES__NEW like RAW.MOVIES",
            "alter table RAW.MOVIES swap with RAW.MOVIES__NEW",
            "drop table RAW.MOVIES__NEW",
            "begin",
            "delete from RAW.MOVIES",
            "insert into RAW.MOVIES (a) select a from RAW_LOAD.MOVIES",
            "commit",
            "create or replace view NETFLIX.staging.stg_m as (select * from NETFLIX.RAW.MOVIES)",
            "select table_name from information_schema.tables",
            "show terse schemas in database NETFLIX",
            "drop table if exists RAW_LOAD.MOVIES",
        ]
    )


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("create schema if not exists MARTS", "needs CREATE SCHEMA on database NETFLIX"),
        ("create stage RAW_LOAD.S url = 'file:///x/'", "CREATE STAGE on schema NETFLIX.RAW_LOAD"),
        ("create view GENRES.V as select 1 as a", "needs CREATE VIEW on schema NETFLIX.GENRES"),
        ("create table PUBLIC.T (a int)", "needs USAGE on schema NETFLIX.PUBLIC"),
        ("create database OTHER", "creates a database: only an administrator may"),
        ("drop schema RAW", "drops a schema: only its owner may"),
        ("delete from MARTS.FCT_MOVIES", "needs its ownership; the role did not create it"),
        ("select * from MARTS.FCT_MOVIES", "reads NETFLIX.MARTS.FCT_MOVIES, which the role"),
        ("select $1:A from @RAW_LOAD.OTHER/m.parquet", "USAGE on stage NETFLIX.RAW_LOAD.OTHER"),
        (
            "select $1:A from @RAW_LOAD.LANDING_STAGE/m.csv (file_format => 'RAW_LOAD.CSV')",
            "needs USAGE on file format NETFLIX.RAW_LOAD.CSV",
        ),
        ("alter table MARTS.A swap with MARTS.B", "needs its ownership"),
        ("use role ACCOUNTADMIN", "uses role ACCOUNTADMIN, not NETFLIX_PIPELINE"),
        ("use warehouse COMPUTE_WH", "needs USAGE on warehouse COMPUTE_WH"),
        ("grant select on table RAW.X to role PUBLIC", "statement the audit does not know"),
    ],
)  # fmt: skip
def test_what_the_setup_script_does_not_grant_is_a_violation(sql: str, message: str) -> None:
    found = violations([sql])
    assert found and message in found[0], found
    assert found[0].startswith(("[privilege]", "[unknown]")) and "from: a_node" in found[0]


def test_removing_a_grant_from_the_setup_script_changes_the_check(tmp_path: Path) -> None:
    setup = tmp_path / "setup.sql"
    setup.write_text(
        SETUP_SQL.read_text(encoding="utf-8").replace(
            "grant usage, create table, create view on schema NETFLIX.STAGING",
            "grant usage, create table on schema NETFLIX.STAGING",
        ),
        encoding="utf-8",
    )
    view = "create or replace view NETFLIX.staging.stg_movies as (select 1 as a)"
    assert not violations([view])
    assert (
        "needs CREATE VIEW on schema NETFLIX.STAGING" in violations([view], read_grants(setup))[0]
    )


def test_ddl_inside_a_transaction_is_a_violation_dml_is_not() -> None:
    setup = ["create table RAW.A (x int)"]
    assert not violations([*setup, "begin", "delete from RAW.A", "truncate table RAW.A", "commit"])
    for ddl in (
        "create or replace table RAW.B as select 1 as x",
        "alter table RAW.A rename to RAW.C",
        "drop table RAW.A",
    ):
        found = violations([*setup, "begin", "delete from RAW.A", ddl, "commit"])
        assert found and found[0].startswith("[transaction] DDL between begin and commit"), ddl
    # after the commit, DDL is fine again; a rollback ends the transaction too
    assert not violations([*setup, "begin", "commit", "drop table RAW.A"])
    assert not violations([*setup, "begin", "rollback", "drop table RAW.A"])


def test_every_session_carries_the_runs_one_query_tag() -> None:
    assert not violations(["select 1"])
    untagged = [*LOGINS, Login(2, None, "SnowparkPythonAPI")]
    found = violations(["select 1"], logins=untagged)
    assert len(found) == 2 and all(f.startswith("[query tag]") for f in found)
    other = [*LOGINS, Login(2, "netflix-pipeline/prod/run-2", "dbt")]
    assert violations(["select 1"], logins=other)


def test_a_statement_the_audit_cannot_read_is_reported_not_skipped() -> None:
    assert violations(["create table ("])[0].startswith("[unparsed]")
    assert violations(["selec * frm nowhere"])[0].startswith("[unknown]")


def test_every_schema_of_the_setup_script_is_managed_access() -> None:
    """Only the schemas' owner grants on the tables in them; the run never needs to (it grants
    nothing, and replaces tables without COPY GRANTS)."""
    text = " ".join(SETUP_SQL.read_text(encoding="utf-8").split())
    creates = re.findall(r"create (?:transient )?schema if not exists [\w.]+[^;]*;", text, re.I)
    assert len(creates) == len(setup_objects().schemas) == 8
    assert all("with managed access" in c.lower() for c in creates), creates
