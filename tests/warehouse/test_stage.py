"""The stage: settings from parameters, files put where the warehouse copies them from."""

from __future__ import annotations

from netflix_pipeline.warehouse.stage import (
    StageSettings,
    cleanup_stage,
    stage_url,
    write_stage_file,
)


def test_stage_settings_read_environment_strings():
    # a setting from the environment or a dataset argument arrives as a string
    stage = StageSettings.from_params({"uri": "s3://b/landing", "name": "S", "create": "false"})
    assert stage == StageSettings(name="S", uri="s3://b/landing", create=False)
    assert stage_url(stage) == "s3://b/landing/"


def test_a_local_stage_gets_a_hard_link_and_is_cleaned_up(tmp_path):
    local = tmp_path / "movies.parquet"
    local.write_bytes(b"parquet")
    stage = StageSettings(uri=str(tmp_path / "stage"))

    relative = write_stage_file(stage, "run-1", "movies.parquet", local)

    staged = tmp_path / "stage" / relative
    assert relative == "run-1/movies.parquet"
    assert staged.read_bytes() == b"parquet" and staged.stat().st_ino == local.stat().st_ino
    assert stage_url(stage) == (tmp_path / "stage").resolve().as_uri() + "/"
    cleanup_stage(stage, "run-1")
    assert not (tmp_path / "stage" / "run-1").exists()
