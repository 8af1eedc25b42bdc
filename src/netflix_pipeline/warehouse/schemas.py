"""The warehouse schemas the Python code names, and the tables it defines itself.

The Kedro configuration names them in ``conf/base/globals.yml`` (``schemas``) and dbt in
``dbt_project.yml`` and its sources; ``tests/warehouse/test_schemas.py`` keeps the three equal.
``dbt/setup/snowflake_setup.sql`` creates them in production.
"""

from __future__ import annotations

from dataclasses import dataclass

# The schemas the ingestion and the run's record write themselves (the others reach the code
# through the catalog and the parameters).
RAW = "RAW"  # the checked raw files, one table each: what dbt's sources read
RAW_LOAD = "RAW_LOAD"  # the ingestion's scratch tables and its stage
OPS = "OPS"  # the run ledger and the run lease (netflix_pipeline.runs)


@dataclass(frozen=True)
class TableDefinition:
    """A table whose columns the Python code defines: its name and typed columns, in order."""

    name: str
    typed_columns: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names as the warehouse holds them (upper case)."""
        return tuple(name for name, _ in self.typed_columns)

    @property
    def frame_columns(self) -> tuple[str, ...]:
        """The column names as frames and reports spell them (lower case)."""
        return tuple(name.lower() for name, _ in self.typed_columns)

    @property
    def ddl(self) -> str:
        return ", ".join(f"{name} {sql_type}" for name, sql_type in self.typed_columns)


# The rows the run set aside, with why (RAW.REJECTED_ROWS from ingestion, GENRES.REJECTED_ROWS
# from the genre normalization).
REJECTED_ROWS = TableDefinition(
    "REJECTED_ROWS",
    (
        ("SOURCE_FILE", "varchar"),
        ("LINE_NUMBER", "bigint"),
        ("REASON", "varchar"),
        ("RAW_LINE", "varchar"),
        ("STAGE", "varchar"),
    ),
)
