"""What a dbt command did: one result per node, the run's outcome, and its failures as text.

Outcomes, as the ``dbt`` CLI reports them:

* dbt could not do its work — a bad project or profile, an unreachable warehouse, a crash:
  exit code 2, raised as :class:`DbtCrashError` with dbt's errors.
* dbt ran and a model, test or unit test failed: exit code 1, a :class:`DbtRun` whose
  :meth:`DbtRun.raise_for_failures` raises :class:`DbtBuildError` listing every failing node
  with dbt's message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

FAILED_STATUSES = ("error", "fail", "runtime error")


class DbtBuildError(RuntimeError):
    """dbt ran, and a model, a test or a unit test failed."""


class DbtCrashError(RuntimeError):
    """dbt itself failed (exit code 2): bad project, profile or connection."""


@dataclass(frozen=True)
class DbtResult:
    """One node of a dbt run: a model, a data test, a unit test, a seed..."""

    unique_id: str
    status: str
    seconds: float
    message: str | None = None
    failures: int | None = None
    relation: str | None = None
    attached_to: str | None = None  # the model a test is about (unique_id)
    rows: int | None = None

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        """dbt's display name: ``fct_movies``, ``unique_fct_movies_film_id``,
        ``fct_movies::first_movielens_link_and_missing_ratings``."""
        parts = self.unique_id.split(".")
        if self.resource_type == "unit_test":
            return f"{parts[2]}::{parts[-1]}"
        if self.resource_type == "test":
            return parts[2]
        if self.resource_type == "source":
            return ".".join(parts[2:])
        return parts[-1]

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def is_check(self) -> bool:
        """A data test or a unit test."""
        return self.resource_type in ("test", "unit_test")

    def as_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"status": self.status, "seconds": round(self.seconds, 3)}
        if self.rows is not None:
            record["rows"] = self.rows
        if self.failures is not None:
            record["failures"] = self.failures
        if (self.failed or self.status == "warn") and self.message:
            record["message"] = self.message.strip()
        return record


@dataclass(frozen=True)
class DbtRun:
    """What one dbt command did."""

    command: list[str]
    returncode: int
    seconds: float
    results: tuple[DbtResult, ...] = ()
    errors: tuple[str, ...] = field(default=(), repr=False)  # dbt's error-level log lines

    @property
    def failures(self) -> list[DbtResult]:
        return [r for r in self.results if r.failed]

    @property
    def display_command(self) -> str:
        return "dbt " + " ".join(self.command[1:])

    def built_relations(self) -> list[str]:
        """Relations of the models this run built successfully."""
        return [
            r.relation
            for r in self.results
            if r.resource_type == "model" and r.status == "success" and r.relation
        ]

    def with_rows(self, rows: Mapping[str, int]) -> DbtRun:
        """The run with each model's row count (keyed by relation name) filled in."""
        return replace(
            self,
            results=tuple(
                replace(r, rows=rows.get(r.relation.upper())) if r.relation else r
                for r in self.results
            ),
        )

    def raise_for_failures(self) -> None:
        """Raise :class:`DbtBuildError` listing every failing node, if dbt failed."""
        if self.returncode == 0 and not self.failures:
            return
        if self.failures:
            lines = "\n".join(_describe_failure(r) for r in self.failures)
            skipped = sum(r.status == "skipped" for r in self.results)
            raise DbtBuildError(
                f"{self.display_command} failed: {len(self.failures)} of {len(self.results)} "
                f"models/tests did not pass"
                + (f" ({skipped} downstream skipped)" if skipped else "")
                + f", so nothing downstream runs:\n{lines}"
            )
        raise DbtBuildError(
            f"{self.display_command} failed (exit code {self.returncode}) without a failing "
            "model or test:\n" + ("\n".join(self.errors[-15:]) or "(dbt logged no error)")
        )

    def summary(self) -> dict[str, Any]:
        """A JSON-able account of the run, grouped by model: status, rows, seconds and tests.

        ``models`` maps each model to its own result and those of the data tests and unit tests
        attached to it; ``other_tests`` holds the tests on sources.
        """
        models = {
            r.name: {"unique_id": r.unique_id, "relation": r.relation, **r.as_dict()}
            | {"tests": {}, "unit_tests": {}}
            for r in self.results
            if r.resource_type == "model"
        }
        other_tests: dict[str, Any] = {}
        for r in filter(lambda r: r.is_check, self.results):
            owner = (r.attached_to or "").split(".")[-1]
            kind = "tests" if r.resource_type == "test" else "unit_tests"
            (models[owner][kind] if owner in models else other_tests)[r.name] = r.as_dict()
        return {
            "command": self.display_command,
            "returncode": self.returncode,
            "seconds": round(self.seconds, 3),
            "statuses": tally(r.status for r in self.results),
            "models": models,
            "other_tests": other_tests,
        }


def tally(statuses: Iterable[str]) -> dict[str, int]:
    """How many of each status, in the order they first appear."""
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts


def _describe_failure(r: DbtResult) -> str:
    kind = {"test": "test", "unit_test": "unit test"}.get(r.resource_type, r.resource_type)
    about = f" (on {r.attached_to.split('.')[-1]})" if r.attached_to else ""
    message = (r.message or "").strip() or "no message"
    message = "\n      ".join(line.rstrip() for line in message.splitlines())
    return f"  - {kind} {r.name}{about}: {r.status}: {message}"
