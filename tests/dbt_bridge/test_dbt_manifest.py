"""The manifest for the pipeline: read where dbt left it, parsed only when it is stale."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from netflix_pipeline.dbt_bridge import manifest
from netflix_pipeline.dbt_bridge.manifest import load_manifest
from netflix_pipeline.dbt_bridge.results import DbtCrashError, DbtRun


def make_project(root: Path) -> Path:
    project = root / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: p\n")
    (project / "models" / "a.sql").write_text("select 1 as x\n")
    return project


def write_manifest(folder: Path, marker: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(
        json.dumps({"nodes": {"model.p.a": {}}, "marker": marker})
    )


def test_a_fresh_manifest_is_read_without_parsing(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    monkeypatch.setattr(manifest, "run_dbt", lambda *a, **k: pytest.fail("parsed"))
    write_manifest(project / "target", "after the last change")
    assert load_manifest(project)["marker"] == "after the last change"


def test_a_stale_manifest_is_replaced_by_a_parse_that_serves_the_next_runs(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    write_manifest(project / "target", "stale")
    earlier = time.time() - 10
    os.utime(project / "target" / "manifest.json", (earlier, earlier))
    parses = []

    def fake_parse(args, **kwargs):
        parses.append(args)
        write_manifest(Path(kwargs["target_path"]), f"parse {len(parses)}")
        return DbtRun(["dbt", *args], 0, 0.1)

    monkeypatch.setattr(manifest, "run_dbt", fake_parse)
    assert load_manifest(project)["marker"] == "parse 1"
    assert load_manifest(project)["marker"] == "parse 1"  # read, not parsed again
    # Any change to the project's files means a new parse.
    (project / "models" / "a.sql").write_text("select 2 as x\n")
    later = time.time() + 5
    os.utime(project / "models" / "a.sql", (later, later))
    assert load_manifest(project)["marker"] == "parse 2"
    assert parses == [["parse"], ["parse"]]


def test_no_dbt_project_is_a_crash(tmp_path):
    with pytest.raises(DbtCrashError, match="dbt_project.yml not found"):
        load_manifest(tmp_path)
