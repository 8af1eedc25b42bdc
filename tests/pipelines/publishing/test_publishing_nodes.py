"""Unit tests of the publishing nodes: publish_marts on the emulator, the Power BI nodes."""

from __future__ import annotations

import logging
import uuid

import pytest
from fake_powerbi import CLIENT_SECRET, DATASET_ID, WORKSPACE_ID
from publishing_support import POWERBI_VARS, FaultyWarehouse, fake_powerbi

from netflix_pipeline.pipelines.publishing.nodes import (
    PublishError,
    publish_marts,
    refresh_powerbi,
)
from netflix_pipeline.pipelines.publishing.powerbi import PowerBIConfigError, PowerBIRefreshError
from netflix_pipeline.pipelines.publishing.powerbi.config import check_environment

TABLES = ["FCT_MOVIES", "GENRE_DECADE_PERFORMANCE", "GENRE_SCORECARD", "TOP_MOVIES_BY_DECADE"]

# Two builds of the four marts, small but shaped like the real ones (money with cents).
BUILDS = {
    1: {
        "FCT_MOVIES": [(1, "Alien", 11000000.50), (2, "Heat", 60000000.00), (3, "Up", 175.25)],
        "GENRE_DECADE_PERFORMANCE": [("Horror", 1970, 11000000.50), ("Crime", 1990, 6e7)],
        "GENRE_SCORECARD": [("Horror", 1, 0.5), ("Crime", 1, 0.25)],
        "TOP_MOVIES_BY_DECADE": [(1970, 1, "Alien"), (1990, 1, "Heat")],
    },
    2: {
        "FCT_MOVIES": [(4, "Jaws", 470000000.75), (5, "Rocky", 225000000.00)],
        "GENRE_DECADE_PERFORMANCE": [("Thriller", 1970, 470000000.75)],
        "GENRE_SCORECARD": [("Thriller", 1, 0.9), ("Sport", 1, 0.8), ("Drama", 0, None)],
        "TOP_MOVIES_BY_DECADE": [(1970, 1, "Jaws"), (1970, 2, "Rocky")],
    },
}
COLUMNS = {
    "FCT_MOVIES": "film_id number(38,0), title varchar, revenue_usd number(38,2)",
    "GENRE_DECADE_PERFORMANCE": "primary_genre varchar, decade number, revenue_usd number(38,2)",
    "GENRE_SCORECARD": "primary_genre varchar, films number(38,0), roi_recent float",
    "TOP_MOVIES_BY_DECADE": "decade number(38,0), rank number(38,0), title varchar",
}


@pytest.fixture()
def schemas(warehouse):
    """A build and a published schema of their own in the session's emulator."""
    name = f"PUB_{uuid.uuid4().hex[:8].upper()}"
    yield f"{name}_BUILD", name
    with warehouse.cursor() as cur:
        for schema in (f"{name}_BUILD", name):
            for table in TABLES:
                cur.execute(f"drop table if exists {schema}.{table}")


def params(schemas, **extra) -> dict:
    source, target = schemas
    return {
        "from_schema": source,
        "to_schema": target,
        "tables": [t.lower() for t in TABLES],
        "must_have_rows": ["FCT_MOVIES"],
        **extra,
    }


def build(warehouse, schema: str, version: int, tables=TABLES) -> None:
    """What dbt leaves in the build schema: the marts of one build."""
    with warehouse.cursor() as cur:
        cur.execute(f"create schema if not exists {schema}")
        for table in tables:
            cur.execute(f"drop table if exists {schema}.{table}")
            cur.execute(f"create table {schema}.{table} ({COLUMNS[table]})")
            for row in BUILDS[version][table]:
                marks = ", ".join(["%s"] * len(row))
                cur.execute(f"insert into {schema}.{table} values ({marks})", row)


def contents(warehouse, schema: str) -> dict[str, list[tuple]]:
    """Every row of every mart present in ``schema``, in a stable order."""
    found = {}
    with warehouse.cursor() as cur:
        present = {
            r[0]
            for r in cur.execute(
                "select table_name from information_schema.tables where table_schema = %s",
                (schema,),
            ).fetchall()
        }
        for table in TABLES:
            if table in present:
                found[table] = normal(cur.execute(f"select * from {schema}.{table}").fetchall())
    return found


def normal(rows) -> list[tuple]:
    """Rows in a stable order, numbers as floats (the warehouse returns Decimal for NUMBER)."""
    return sorted(
        tuple(v if v is None or isinstance(v, str) else float(v) for v in r) for r in rows
    )


def expected(version: int) -> dict[str, list[tuple]]:
    return {table: normal(rows) for table, rows in BUILDS[version].items()}


# ----------------------------------------------------------------------------- publish_marts


def test_publish_copies_every_mart_and_reports_row_counts(warehouse, schemas, caplog):
    source, target = schemas
    build(warehouse, source, 1)
    caplog.set_level(logging.INFO, logger="netflix_pipeline")

    report = publish_marts({}, {}, warehouse, params(schemas))

    assert contents(warehouse, target) == expected(1)
    assert report["schema"] == target
    assert report["tables"] == {t: len(BUILDS[1][t]) for t in TABLES}
    assert report["previous"] == dict.fromkeys(TABLES)
    assert f"Published {target}.FCT_MOVIES: 3 rows (new table)" in caplog.text
    assert f"Published 4 marts from {source} to {target}" in caplog.text


def test_republishing_replaces_the_rows_and_is_idempotent(warehouse, schemas, caplog):
    source, target = schemas
    build(warehouse, source, 1)
    publish_marts({}, {}, warehouse, params(schemas))
    build(warehouse, source, 2)
    caplog.set_level(logging.INFO, logger="netflix_pipeline")

    first = publish_marts({}, {}, warehouse, params(schemas))
    again = publish_marts({}, {}, warehouse, params(schemas))

    assert contents(warehouse, target) == expected(2)
    assert first["previous"]["FCT_MOVIES"] == 3
    assert first["tables"]["FCT_MOVIES"] == 2
    assert again["tables"] == first["tables"]
    assert again["previous"] == first["tables"]
    assert f"Published {target}.FCT_MOVIES: 2 rows (was 3)" in caplog.text


def test_a_failure_on_the_third_table_rolls_back_the_first_two(warehouse, schemas):
    source, target = schemas
    build(warehouse, source, 1)
    publish_marts({}, {}, warehouse, params(schemas))
    build(warehouse, source, 2)
    third = TABLES[2]
    faulty = FaultyWarehouse(warehouse, fail_on=f"insert into {target}.{third}")

    with pytest.raises(PublishError) as info:
        publish_marts({}, {}, faulty, params(schemas))

    assert faulty.failed
    message = str(info.value)
    assert message.startswith(f"publish_marts: copying {source}.{third} into {target}.{third}")
    assert "injected failure" in message and "rolled back" in message
    # FCT_MOVIES and GENRE_DECADE_PERFORMANCE had been replaced inside the transaction.
    assert contents(warehouse, target) == expected(1)


def test_a_failed_first_publish_leaves_no_published_table(warehouse, schemas):
    """A first publish builds every table beside (``<T>__NEW``) before putting any in place: a
    failure on the third leaves nothing published and nothing beside."""
    source, target = schemas
    build(warehouse, source, 1)
    faulty = FaultyWarehouse(warehouse, fail_on=f"{target}.GENRE_SCORECARD__NEW")

    with pytest.raises(PublishError, match=f"publish_marts: building {target}.GENRE_SCORECARD"):
        publish_marts({}, {}, faulty, params(schemas))

    assert contents(warehouse, target) == {}
    with warehouse.cursor() as cur:
        assert not cur.execute(
            "select table_name from information_schema.tables where table_schema = %s",
            (target,),
        ).fetchall()


def test_a_missing_mart_is_named_and_nothing_is_published(warehouse, schemas):
    source, target = schemas
    build(warehouse, source, 1)
    publish_marts({}, {}, warehouse, params(schemas))
    build(warehouse, source, 2)
    with warehouse.cursor() as cur:
        cur.execute(f"drop table {source}.GENRE_SCORECARD")

    with pytest.raises(PublishError) as info:
        publish_marts({}, {}, warehouse, params(schemas))

    assert str(info.value) == (
        f"publish_marts: {source}.GENRE_SCORECARD not found (did dbt build the marts?); "
        f"nothing was published and {target} is unchanged"
    )
    assert contents(warehouse, target) == expected(1)


def test_an_empty_fct_movies_fails_the_audit(warehouse, schemas):
    source, target = schemas
    build(warehouse, source, 1)
    publish_marts({}, {}, warehouse, params(schemas))
    build(warehouse, source, 2)
    with warehouse.cursor() as cur:
        cur.execute(f"delete from {source}.FCT_MOVIES")

    with pytest.raises(PublishError, match=rf"audit failed, {source}\.FCT_MOVIES has no rows"):
        publish_marts({}, {}, warehouse, params(schemas))

    assert contents(warehouse, target) == expected(1)


def test_other_marts_may_be_empty(warehouse, schemas):
    source, target = schemas
    build(warehouse, source, 1)
    with warehouse.cursor() as cur:
        cur.execute(f"delete from {source}.TOP_MOVIES_BY_DECADE")

    report = publish_marts({}, {}, warehouse, params(schemas))

    assert report["tables"]["TOP_MOVIES_BY_DECADE"] == 0
    assert contents(warehouse, target)["FCT_MOVIES"] == expected(1)["FCT_MOVIES"]


def test_a_changed_shape_stops_the_publish_unless_replace_is_asked(warehouse, schemas):
    source, target = schemas
    build(warehouse, source, 1)
    publish_marts({}, {}, warehouse, params(schemas))
    build(warehouse, source, 2)
    with warehouse.cursor() as cur:
        cur.execute(f"alter table {source}.GENRE_SCORECARD add column is_recommended boolean")

    with pytest.raises(PublishError) as info:
        publish_marts({}, {}, warehouse, params(schemas))
    message = str(info.value)
    assert f"{target}.GENRE_SCORECARD: added: IS_RECOMMENDED" in message
    assert "publish.on_schema_change=replace" in message
    assert contents(warehouse, target) == expected(1)

    report = publish_marts({}, {}, warehouse, params(schemas, on_schema_change="replace"))
    assert report["tables"]["GENRE_SCORECARD"] == 3
    with warehouse.cursor() as cur:
        cur.execute(f"select is_recommended from {target}.GENRE_SCORECARD")
        assert [r[0] for r in cur.fetchall()] == [None, None, None]
    assert contents(warehouse, target)["FCT_MOVIES"] == expected(2)["FCT_MOVIES"]


def test_must_have_rows_must_name_published_tables(warehouse, schemas):
    with pytest.raises(PublishError, match="must_have_rows names tables not published"):
        publish_marts({}, {}, warehouse, params(schemas, must_have_rows=["FCT_FILMS"]))


# ----------------------------------------------------------------------------- Power BI


@pytest.fixture()
def no_powerbi_env(monkeypatch):
    for name in POWERBI_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_without_powerbi_variables_the_refresh_is_skipped(no_powerbi_env, caplog):
    caplog.set_level(logging.INFO, logger="netflix_pipeline")

    target = check_environment()
    result = refresh_powerbi({"schema": "MARTS"}, {})

    assert target is None
    assert result == {"status": "skipped"}
    assert "Power BI refresh will be skipped: POWERBI_* not set" in caplog.text
    assert "Power BI refresh skipped: POWERBI_* not set" in caplog.text


def test_a_partial_configuration_names_the_missing_variables(no_powerbi_env):
    no_powerbi_env.setenv("POWERBI_TENANT_ID", "tenant")
    no_powerbi_env.setenv("POWERBI_CLIENT_ID", "client")
    no_powerbi_env.setenv("POWERBI_DATASET_ID", "dataset")

    with pytest.raises(PowerBIConfigError) as info:
        check_environment()

    assert info.value.missing == ("POWERBI_CLIENT_SECRET", "POWERBI_WORKSPACE_ID")
    assert "POWERBI_CLIENT_SECRET, POWERBI_WORKSPACE_ID" in str(info.value)


REFRESH_PARAMS = {
    "request_body": {"notifyOption": "NoNotification"},
    "deadline_seconds": 60,
    "poll_interval_seconds": 0.05,
    "max_poll_interval_seconds": 0.1,
}


def test_the_refresh_node_follows_the_refresh_to_completed(no_powerbi_env, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="netflix_pipeline")
    with fake_powerbi(tmp_path) as (fake, env):
        for name, value in env.items():
            no_powerbi_env.setenv(name, value)
        target = check_environment()
        summary = refresh_powerbi({"schema": "MARTS"}, REFRESH_PARAMS)

    assert summary["status"] == "Completed"
    assert summary["dataset_id"] == DATASET_ID and summary["workspace_id"] == WORKSPACE_ID
    assert [c.json() for c in fake.calls("trigger")] == [{"notifyOption": "NoNotification"}]
    assert f"Power BI dataset {DATASET_ID} (workspace {WORKSPACE_ID}) will be refreshed" in (
        caplog.text
    )
    assert CLIENT_SECRET not in caplog.text
    assert CLIENT_SECRET not in repr(target)


def test_a_failed_refresh_fails_the_node(no_powerbi_env, tmp_path):
    with fake_powerbi(tmp_path) as (fake, env):
        for name, value in env.items():
            no_powerbi_env.setenv(name, value)
        fake.next_refresh = {"statuses": ["InProgress", "Failed"]}

        with pytest.raises(PowerBIRefreshError, match="Power BI refresh failed: status Failed"):
            refresh_powerbi({"schema": "MARTS"}, REFRESH_PARAMS)
