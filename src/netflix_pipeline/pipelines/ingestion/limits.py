"""How much of one raw file the ingestion holds at once (``ingest.limits``).

Memory follows these bounds, not the size of the input: a line or record is read whole only up
to ``max_record_bytes``; a record spans at most ``max_record_lines`` lines; a header has at most
``max_columns`` columns; a quarantined record keeps at most ``max_reject_text`` characters of its
text. A line past a bound is quarantined with a reason that names the bound; a header past
``max_columns`` refuses the file.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    max_record_bytes: int = 1 << 20  # 1 MiB: a TMDB record is a few kB
    max_record_lines: int = 100  # a quoted field may hold line ends, up to this many lines
    max_columns: int = 1_000
    max_reject_text: int = 4_096  # characters of a quarantined record kept in REJECTED_ROWS

    @classmethod
    def from_params(cls, params: dict | None) -> Limits:
        """The limits of ``ingest.limits``; unknown names and values that are not positive
        integers are refused with the name of the setting."""
        params = dict(params or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(
                f"ingest.limits: unknown setting(s) {', '.join(unknown)}; "
                f"the settings are {', '.join(sorted(known))}."
            )
        for name, value in params.items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"ingest.limits.{name} = {value!r}: expected a positive whole number."
                )
        return cls(**params)

    def clip(self, text: str) -> str:
        """``text`` as kept in REJECTED_ROWS: at most ``max_reject_text`` characters, and a note
        of how long it was when it is cut."""
        if len(text) <= self.max_reject_text:
            return text
        return f"{text[: self.max_reject_text]}… [cut: {len(text):,} characters in all]"

    def clip_sql(self, expr: str) -> str:
        """:meth:`clip` in SQL (DuckDB)."""
        n = self.max_reject_text
        return (
            f"case when length({expr}) > {n} then left({expr}, {n}) || '… [cut: ' || "
            f"format('{{:,}}', length({expr})) || ' characters in all]' else {expr} end"
        )
