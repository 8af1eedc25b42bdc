"""The reporting pipeline as a slice, on an in-memory catalog: marts in, reports out."""

from __future__ import annotations

import pandas as pd
import yaml
from conftest import REPO
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from rejected_support import rejected_table

from netflix_pipeline.pipelines.reporting import create_pipeline


class KeptDataset(MemoryDataset):
    """A MemoryDataset the runner does not empty after its last reader, to assert on."""

    def _release(self) -> None:
        pass


def marts() -> dict[str, pd.DataFrame]:
    """Two genres over two decades, as the warehouse returns the marts (upper-case columns)."""
    fct = pd.DataFrame(
        {
            "FILM_ID": [1.0, 2.0, 3.0],
            "TITLE": ["A & B", "C", "<D>"],
            "DECADE": [2000.0, 2010.0, 2010.0],
            "BUDGET_USD": [10e6, 20e6, 5e6],
            "REVENUE_USD": [30e6, 10e6, 20e6],
            "PRIMARY_GENRE": ["Action", "Action", "Drama"],
        }
    )
    performance = pd.DataFrame(
        {
            "PRIMARY_GENRE": ["Action", "Action", "Drama", "Drama"],
            "DECADE": [2000.0, 2010.0, 2000.0, 2010.0],
            "FILMS": [1, 1, 0, 1],
            "REVENUE_USD": [30e6, 10e6, 0.0, 20e6],
            "MARKET_SHARE": [1.0, 1 / 3, 0.0, 2 / 3],
        }
    )
    card = pd.DataFrame(
        {
            "PRIMARY_GENRE": ["Action", "Drama"],
            "FILMS": [2, 1],
            "FILMS_RECENT": [2, 1],
            "REVENUE_RECENT_USD": [40e6, 20e6],
            "PROJECTED_REVENUE_RECENT_USD": [30e6, 0.0],
            "OUTPERFORMANCE_RECENT_USD": [10e6, 20e6],
            "MARKET_SHARE_RECENT": [2 / 3, 1 / 3],
            "AVG_PROFIT_USD": [5e6, 15e6],
            "BASELINE_AVG_PROFIT_USD": [25e6 / 3] * 2,
            "AVG_BUDGET_RECENT_USD": [15e6, 5e6],
            "AVG_REVENUE_RECENT_USD": [20e6, 20e6],
            "ROI_RECENT": [1 / 3, 3.0],
            "OTHERS_AVG_BUDGET_RECENT_USD": [5e6, 15e6],
            "OTHERS_AVG_REVENUE_RECENT_USD": [20e6, 20e6],
            "OTHERS_ROI_RECENT": [3.0, 1 / 3],
            "LOSS_RATE": [0.5, 0.0],
            "ROI_P10": [-0.4, 3.0],
            "ROI_P50": [0.5, 3.0],
            "ROI_P90": [1.4, 3.0],
            "RECENT_FROM_DECADE": [2000.0] * 2,
            "RECENT_TO_DECADE": [2010.0] * 2,
        }
    )
    top = pd.DataFrame(
        {
            "DECADE": [2010.0, 2010.0],
            "RANKING": ["revenue", "revenue"],
            "RANK_IN_DECADE": [1, 2],
            "FILM_ID": [3, 2],
            "TITLE": ["<D>", "C"],
            "PRIMARY_GENRE": ["Drama", "Action"],
            "METRIC_VALUE": [20e6, 10e6],
        }
    )
    return {
        "fct_movies": fct,
        "genre_decade_performance": performance,
        "genre_scorecard": card,
        "top_movies_by_decade": top,
    }


def test_reporting_slice_writes_every_report(capsys, warehouse):
    params = {}
    for path in REPO.glob("conf/base/parameters_reporting.yml"):
        params.update(yaml.safe_load(path.read_text()))
    params["insights"] = {"min_films": 1, "min_market_share": 0.5}
    data = {
        **marts(),
        "dbt_marts_run": {"status": "success"},
        "raw_rejected_rows": rejected_table(warehouse, "SLICE_RAW", []),
        "genre_rejected_rows": rejected_table(warehouse, "SLICE_GENRES", []),
        **{f"params:{key}": value for key, value in params.items()},
    }
    # Snowpark DataFrames are handed over as they are (they cannot be deep-copied)
    lazy = {"raw_rejected_rows", "genre_rejected_rows", "rejected_rows_report"}
    catalog = DataCatalog(
        {
            name: MemoryDataset(value, copy_mode="assign" if name in lazy else None)
            for name, value in data.items()
        }
    )
    outputs = [
        "insights",
        "dashboard",
        "rejected_rows_report",
        "fct_movies_export",
        "genre_decade_performance_export",
        "genre_scorecard_export",
        "top_movies_by_decade_export",
    ]
    for name in outputs:
        catalog[name] = KeptDataset(copy_mode="assign" if name in lazy else None)
    SequentialRunner().run(create_pipeline(), catalog)

    insights = catalog.load("insights")
    # Drama earns more per film but has a third of recent revenue: under the 50% bar.
    assert insights["recommendation"]["genre"] == "Action"
    assert insights["genres"]["Drama"]["roi_recent"] == 3.0
    assert catalog.load("fct_movies_export")["decade"].tolist() == [2000, 2010, 2010]
    page = catalog.load("dashboard")
    assert page.startswith("<!doctype html>")
    assert "&lt;D&gt;" in page and "<D>" not in page  # film titles are escaped
    assert catalog.load("rejected_rows_report").to_pandas().empty
    out = capsys.readouterr().out
    assert "Recommendation: Action" in out


def test_the_pipeline_reads_the_marts_and_writes_the_reports():
    pipe = create_pipeline()
    assert {
        "genre_scorecard",
        "genre_decade_performance",
        "top_movies_by_decade",
        "fct_movies",
        "params:insights",
        "params:dashboard",
        "params:summary_rows",
    } <= pipe.inputs()
    assert {
        "insights",
        "dashboard",
        "rejected_rows_report",
        "genre_scorecard_export",
    } <= pipe.all_outputs()
    # The summary is the reporting pipeline's last node: it waits for the dashboard.
    assert pipe.nodes[-1].name == "show_summary_node"
