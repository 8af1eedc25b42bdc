"""What the structural pass hands to the warehouse load: one landed file and its rejects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..contracts import FileContract


@dataclass
class ScannedFile:
    """A raw file that passed the file-level checks, landed typed."""

    contract: FileContract
    uri: str
    # Parquet of every kept record, faulty values included: a file with a key in the shape of
    # ..sql.landing_ddl; one without, its RAW table's columns (..sql.raw_table_columns) and the
    # faults of each row (.records.FAULT; null: the row loads)
    landed: Path | None = None
    rejects: Path | None = None  # Parquet in the shape of REJECTED_ROWS
    records: int = 0  # well-formed records, faulty values included
    rejected: int = 0  # malformed records set aside
    rejected_lines: int = 0  # physical lines those records span
    reject_kinds: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind: (rows, line)
    # Landed records with faulty values that are already in `rejects` (files without a key;
    # the warehouse finds those of a file with a key, with its duplicates).
    value_kinds: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind: (rows, line)
    seconds: float = 0.0

    @property
    def present(self) -> bool:
        return self.landed is not None

    @property
    def value_rejected(self) -> int:
        return sum(rows for rows, _ in self.value_kinds.values())

    @property
    def landed_rows(self) -> int:
        """Rows of the ``landed`` file that load: those without a fault, in a file without a
        key (the warehouse finds the faults of one with a key, with its duplicates)."""
        return self.records if self.contract.key else self.records - self.value_rejected

    @property
    def rejects_rows(self) -> int:
        """Rows of the ``rejects`` file."""
        return self.rejected + self.value_rejected
