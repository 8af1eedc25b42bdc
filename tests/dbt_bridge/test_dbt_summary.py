"""A build told in the log, and the row counts of its models."""

from __future__ import annotations

import logging

from dbt_runs import MODEL, TEST, UNIT, a_run, result

from netflix_pipeline.dbt_bridge.summary import count_rows, log_summary


class FakeCursor:
    def __init__(self, rows=None, error=None):
        self.rows, self.error, self.sql = rows or [], error, None

    def execute(self, sql):
        self.sql = sql
        if self.error:
            raise self.error

    def fetchall(self):
        return self.rows


def test_count_rows_is_one_query_and_never_fails_a_run():
    cursor = FakeCursor(rows=[("NETFLIX.A.X", 3), ("NETFLIX.B.Y", 0)])
    assert count_rows(cursor, ["netflix.a.x", "NETFLIX.B.Y"]) == {
        "NETFLIX.A.X": 3,
        "NETFLIX.B.Y": 0,
    }
    assert cursor.sql.count("union all") == 1
    assert count_rows(FakeCursor(error=RuntimeError("gone")), ["NETFLIX.A.X"]) == {}
    assert count_rows(FakeCursor(), []) == {}


def test_log_summary_has_a_line_per_model_and_names_failing_tests(caplog):
    run = a_run(
        result(MODEL, "success", rows=12),
        result(TEST, "fail", attached_to=MODEL, failures=1, message="Got 1 result"),
        result(UNIT, "pass", attached_to=MODEL),
        returncode=1,
    )
    with caplog.at_level(logging.DEBUG, logger="netflix_pipeline.dbt_bridge.summary"):
        log_summary(run)
    lines = [r.getMessage() for r in caplog.records]
    model_line = next(line for line in lines if line.startswith("dbt model fct_movies"))
    assert "success" in model_line and "12 rows" in model_line and "1 fail, 1 pass" in model_line
    assert "dbt test unique_fct_movies_film_id: fail Got 1 result" in lines
    assert any(line.startswith("dbt unit test fct_movies::first_link: pass") for line in lines)
    assert lines[-1].startswith("dbt build --select x finished in 3.0 s: 1 fail, 1 pass, 1 success")
