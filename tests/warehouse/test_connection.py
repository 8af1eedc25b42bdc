"""The warehouse's connections: settings from credentials, and the pool of connections."""

from __future__ import annotations

import pytest

from netflix_pipeline.warehouse import Warehouse, WarehouseSettings


def test_settings_drop_empty_values_and_never_print_secrets():
    settings = WarehouseSettings.from_credentials(
        {"account": "acme", "password": "s3cret", "role": "", "database": "netflix"}
    )
    assert settings == WarehouseSettings(
        database="NETFLIX", connect_args={"account": "acme", "password": "s3cret"}
    )
    assert "s3cret" not in repr(settings)
    emulated = WarehouseSettings.from_credentials({"emulator": "true", "account": "acme"})
    assert emulated.emulator and not emulated.connect_args


def test_blocks_reuse_connections_and_drop_one_that_failed(warehouse):
    """Each table read or written borrows a connection; a block that raised closes its own
    (its session may hold an open transaction), and the next block gets a sound one."""
    with warehouse.cursor() as cur:
        cur.execute("create schema if not exists POOL")
        cur.execute("create or replace table POOL.POOLED (film_id bigint)")
        cur.execute("insert into POOL.POOLED values (1)")
    with warehouse.connection() as first:
        pass
    with warehouse.connection() as again:
        assert again is first
    with pytest.raises(RuntimeError, match="midway"), warehouse.cursor() as cur:
        cur.execute("begin")
        cur.execute("delete from POOL.POOLED")
        raise RuntimeError("midway")
    with warehouse.connection() as after:
        assert after is not first  # the failed one was closed, not given back
        count = after.cursor().execute("select count(*) from POOL.POOLED").fetchone()[0]
        assert count == 1  # its transaction did not commit


def test_dbt_reaches_the_emulator_through_its_environment(warehouse):
    env = warehouse.dbt_env()
    assert env["SNOWFLAKE_DATABASE"] == "NETFLIX"
    assert env["SNOWFLAKE_EMULATOR_PORT"] == env["SNOWFLAKE_PORT"]
    account = Warehouse(WarehouseSettings(connect_args={"account": "acme"}))
    assert account.dbt_env() == {"SNOWFLAKE_DATABASE": "NETFLIX"}  # the profile reads the rest
