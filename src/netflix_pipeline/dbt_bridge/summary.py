"""A build told in the log: a line per model with its rows, seconds and tests, then the totals."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from .results import FAILED_STATUSES, DbtRun, tally

logger = logging.getLogger(__name__)


def log_summary(run: DbtRun) -> None:
    """One line per model (status, rows, seconds, and how its tests went), a line per failing
    or warning test with dbt's message, the other tests at debug level, then the totals."""
    summary = run.summary()
    width = max((len(name) for name in summary["models"]), default=0)
    for name, model in summary["models"].items():
        rows = f"{model['rows']:>9} rows" if "rows" in model else " " * 14
        checks = {**model["tests"], **model["unit_tests"]}
        failing = model["status"] in FAILED_STATUSES or any(
            c["status"] in FAILED_STATUSES for c in checks.values()
        )
        logger.log(
            logging.WARNING if failing else logging.INFO,
            "dbt model %-*s %-8s %s %6.2f s  tests: %s",
            width,
            name,
            model["status"],
            rows,
            model["seconds"],
            _counts(c["status"] for c in checks.values()) or "none",
        )
    if summary["other_tests"]:
        logger.info(
            "dbt tests of sources or earlier models: %s",
            _counts(c["status"] for c in summary["other_tests"].values()) or "none",
        )
    _log_checks(run)
    logger.info(
        "%s finished in %.1f s: %s",
        run.display_command.split(" --project-dir")[0],
        run.seconds,
        _counts(r.status for r in run.results) or "nothing to do",
    )


def _log_checks(run: DbtRun) -> None:
    """A warning per failing or warning test, with the first line of dbt's message."""
    for r in filter(lambda r: r.is_check, run.results):
        kind = "unit test" if r.resource_type == "unit_test" else "test"
        if r.failed or r.status == "warn":
            first_line = next((ln for ln in (r.message or "").splitlines() if ln.strip()), "")
            logger.warning("dbt %s %s: %s %s", kind, r.name, r.status, first_line.strip())
        else:
            logger.debug("dbt %s %s: %s in %.2f s", kind, r.name, r.status, r.seconds)


def _counts(statuses: Iterable[str]) -> str:
    """``1 fail, 3 pass``: each status with its count, by status."""
    return ", ".join(f"{n} {s}" for s, n in sorted(tally(statuses).items()))


def count_rows(cursor: Any, relations: Iterable[str]) -> dict[str, int]:
    """Row counts of relations in one query (Snowflake answers table counts from metadata).

    Returns ``{RELATION NAME (upper case): rows}``; an empty dict if the query fails, since
    the counts only inform the log.
    """
    relations = sorted({r.upper() for r in relations})
    if not relations:
        return {}
    sql = "\nunion all\n".join(
        f"select '{r}' as relation_name, count(*) as row_count from {r}" for r in relations
    )
    try:
        cursor.execute(sql)
        return {str(name): int(n) for name, n in cursor.fetchall()}
    except Exception as exc:  # counts are informative only; never fail a run on them
        logger.debug("Could not count rows of dbt models: %s", exc)
        return {}
