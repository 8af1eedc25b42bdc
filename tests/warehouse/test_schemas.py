"""The schema names agree wherever they are written: Python, the Kedro configuration and dbt."""

from __future__ import annotations

import yaml
from conftest import REPO

from netflix_pipeline.warehouse import schemas


def _yaml(relative: str) -> dict:
    return yaml.safe_load((REPO / relative).read_text(encoding="utf-8"))


def test_the_configuration_names_the_schemas_the_python_code_uses():
    configured = {key: name for key, name in _yaml("conf/base/globals.yml")["schemas"].items()}

    for key in ("raw", "raw_load"):
        assert configured[key] == getattr(schemas, key.upper()), key


def test_dbt_builds_into_and_reads_from_the_configured_schemas():
    configured = _yaml("conf/base/globals.yml")["schemas"]
    folders = _yaml("dbt/dbt_project.yml")["models"]["netflix_pipeline"]
    built = {folder: config["+schema"].upper() for folder, config in folders.items()}
    read = {
        source["name"]: source["schema"]
        for path in (REPO / "dbt" / "models" / "staging").glob("*/__sources.yml")
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
    }

    assert built == {
        "staging": configured["staging"],
        "intermediate": configured["intermediate"],
        "marts": configured["marts_build"],
    }
    assert read == {
        "movielens": configured["raw"],
        "tmdb": configured["raw"],
        "genres": configured["genres"],
    }
