"""``make docs``: dbt's documentation site, built on the local Snowflake emulator.

    python -m netflix_pipeline.dbt_bridge.docs [--project-dir DIR]

Works on a fresh checkout, with no data and no account: it starts the emulator, creates every
source table the dbt project declares, empty, with the columns and types of its sources YAML
(``models/staging/*/__sources.yml``), builds every model with no rows (``dbt run --empty``)
and runs ``dbt docs generate``. The site's lineage, descriptions, tests and column types are
the project's own; its row counts are zero, since no data was loaded. Prints where
``index.html`` is (open it, or ``dbt docs serve --project-dir dbt``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..warehouse import Warehouse, WarehouseSettings
from .artifacts import target_dir
from .invocation import project_dir, run_dbt
from .manifest import load_manifest
from .results import DbtBuildError, DbtCrashError

logger = logging.getLogger(__name__)


def empty_source_tables(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(schema, ``create table if not exists`` statement) for every source table of the
    project, with the columns and types its YAML declares."""
    project = manifest.get("metadata", {}).get("project_name")
    statements = []
    for source in manifest.get("sources", {}).values():
        if source.get("package_name") != project:
            continue
        relation = f"{source['schema']}.{source['identifier']}"
        columns = list(source.get("columns", {}).values())
        untyped = [c["name"] for c in columns if not c.get("data_type")]
        if not columns or untyped:
            raise ValueError(
                f"source {source['source_name']}.{source['name']} ({relation}) needs a data_type "
                f"for every column in its YAML to be created empty; missing: {untyped or 'all'}"
            )
        body = ", ".join(f"{c['name']} {c['data_type']}" for c in columns)
        statements.append((source["schema"], f"create table if not exists {relation} ({body})"))
    return statements


def build_docs(project: str | Path | None = None, database: str = "NETFLIX") -> Path:
    """Build dbt's docs site on a fresh emulator; return the path of its index.html."""
    project = Path(project or project_dir()).resolve()
    manifest = load_manifest(project)
    warehouse = Warehouse(WarehouseSettings(emulator=True, database=database))
    try:
        with warehouse.cursor() as cursor:
            for schema, statement in empty_source_tables(manifest):
                cursor.execute(f"create schema if not exists {schema}")
                cursor.execute(statement)
        for command in (["run", "--empty"], ["docs", "generate"]):
            run_dbt(
                command, project_dir=project, target="local", env=warehouse.dbt_env()
            ).raise_for_failures()
    finally:
        warehouse.close()
    return target_dir(project) / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m netflix_pipeline.dbt_bridge.docs",
        description="Build dbt's docs site on the local Snowflake emulator (no data needed).",
    )
    parser.add_argument(
        "--project-dir",
        default=project_dir(),
        type=Path,
        help="the dbt project (default: $DBT_PROJECT_DIR, else dbt)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(message)s")
    try:
        index = build_docs(args.project_dir)
    except (DbtBuildError, DbtCrashError, ValueError) as exc:
        logger.error("%s", exc)
        return 1
    print(
        f"dbt docs: {index}\n"
        f"(open it in a browser, or: dbt docs serve --project-dir {args.project_dir})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
