"""Reporting nodes: the audited marts as insights.json, CSV exports, the dashboard and a summary.

No figure is computed here: they all come from the dbt marts. These nodes pick the
recommendation among the ``genre_scorecard`` rows, word its reason and lay the figures out.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd
from snowflake.snowpark import DataFrame

from ...warehouse.schemas import REJECTED_ROWS
from .dashboard import render_dashboard
from .formatting import money, pct
from .recommendation import recommend, summary_table

logger = logging.getLogger(__name__)

# insights.json key -> genre_scorecard column (DESIGN §5 keys first, then risk figures).
GENRE_FIELDS = {
    "films": "films",
    "films_recent": "films_recent",
    "revenue_recent": "revenue_recent_usd",
    "projected_revenue_recent": "projected_revenue_recent_usd",
    "outperformance_recent": "outperformance_recent_usd",
    "market_share_recent": "market_share_recent",
    "avg_profit": "avg_profit_usd",
    "avg_budget_recent": "avg_budget_recent_usd",
    "avg_revenue_recent": "avg_revenue_recent_usd",
    "roi_recent": "roi_recent",
    "others_avg_budget_recent": "others_avg_budget_recent_usd",
    "others_avg_revenue_recent": "others_avg_revenue_recent_usd",
    "others_roi_recent": "others_roi_recent",
    "loss_rate": "loss_rate",
    "roi_p10": "roi_p10",
    "roi_p50": "roi_p50",
    "roi_p90": "roi_p90",
}
COUNTS = {"films", "films_recent"}
WINDOW_FIELDS = ("recent_from_decade", "recent_to_decade", "baseline_avg_profit_usd")
# Export columns that hold whole numbers (keys, counts, decades) but may arrive as floats.
WHOLE_NUMBER_SUFFIXES = (
    "_id",
    "decade",
    "films",
    "films_recent",
    "_count",
    "release_year",
    "rank_in_decade",
)


def _clean(value, whole: bool = False):
    """JSON-safe scalars: NaN/None/NA become null, numpy and Decimal numbers become Python ones."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return int(value) if whole else value


def _pandas(mart: DataFrame | pd.DataFrame) -> pd.DataFrame:
    """A mart in pandas: read from the warehouse here (the marts are small), or given so."""
    return mart.to_pandas() if isinstance(mart, DataFrame) else mart


def build_insights(
    genre_scorecard: DataFrame | pd.DataFrame, marts_tested: dict, insights: dict
) -> dict:
    """insights.json (DESIGN §5): the genre scorecard mart as JSON, plus the recommendation.

    ``marts_tested`` (the marts build's results) only orders this node after the dbt build
    that writes and tests the mart.
    """
    card = _pandas(genre_scorecard).rename(columns=str.lower)
    missing = sorted({"primary_genre", *GENRE_FIELDS.values(), *WINDOW_FIELDS} - set(card.columns))
    if missing:
        raise ValueError(f"genre_scorecard lacks columns that insights.json needs: {missing}")
    card = card.sort_values(["market_share_recent", "primary_genre"], ascending=[False, True])
    genres = {
        str(row["primary_genre"]): {
            key: _clean(row[col], whole=key in COUNTS) for key, col in GENRE_FIELDS.items()
        }
        for _, row in card.iterrows()
    }
    first = card.iloc[0] if len(card) else {}
    span = [_clean(first.get(c), whole=True) for c in WINDOW_FIELDS[:2]]
    recent = sorted({d for d in span if d is not None})
    baseline = _clean(first.get("baseline_avg_profit_usd"))
    return {
        "run_id": insights.get("run_id"),
        "films": sum(g["films"] for g in genres.values()),
        "recent_decades": recent,
        "baseline_avg_profit": baseline,
        "genres": genres,
        "recommendation": recommend(
            genres,
            baseline,
            recent,
            int(insights["min_films"]),
            float(insights["min_market_share"]),
        ),
    }


def _whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Keys, counts and decades as integers (the emulator returns some as floats: 1990.0)."""
    lower = frame.rename(columns=str.lower)
    cast = {
        c: "Int64"
        for c in lower.columns
        if c.endswith(WHOLE_NUMBER_SUFFIXES)
        and pd.api.types.is_float_dtype(lower[c])
        and (lower[c].dropna() % 1 == 0).all()
    }
    return lower.astype(cast)


def export_marts(
    marts_tested: dict,
    fct_movies: DataFrame | pd.DataFrame,
    genre_decade_performance: DataFrame | pd.DataFrame,
    genre_scorecard: DataFrame | pd.DataFrame,
    top_movies_by_decade: DataFrame | pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The marts as they are, with lower-case column names and whole numbers shown as such,
    for spreadsheets and Power BI Desktop. ``marts_tested`` only orders this node after the
    build that writes and tests them."""
    return tuple(
        _whole_numbers(_pandas(frame))
        for frame in (fct_movies, genre_decade_performance, genre_scorecard, top_movies_by_decade)
    )


def build_dashboard(
    insights: dict,
    genre_decade_performance: pd.DataFrame,
    top_movies_by_decade: pd.DataFrame,
    dashboard: dict,
) -> str:
    """dashboard.html: the insights and marts as one self-contained page."""
    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return render_dashboard(
        insights, genre_decade_performance, top_movies_by_decade, dashboard, generated_at
    )


def print_summary(insights: dict, dashboard_written: str, rows: int) -> None:
    """Prints a table of the leading genres and the recommendation to the terminal, and logs
    the recommendation. ``rows: 0`` prints no table (where stdout carries JSON logs).
    ``dashboard_written`` only orders this node after the dashboard is written."""
    if rows > 0:
        print("\n" + summary_table(insights, rows) + "\n", flush=True)
    rec = insights["recommendation"]
    figures = insights["genres"].get(rec["genre"] or "", {})
    logger.info(
        "Recommendation: %s (average profit %s, recent share %s)",
        rec["genre"],
        money(figures.get("avg_profit")),
        pct(figures.get("market_share_recent")),
    )


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# = + - @, tab and CR, by their character codes.
FORMULA_STARTS = (61, 43, 45, 64, 9, 13)


def combine_rejected_rows(
    raw_rejected_rows: DataFrame, genre_rejected_rows: DataFrame
) -> DataFrame:
    """Every quarantined row of the run, ingestion and genre parsing, in file and line order.

    Both tables stay in the warehouse: it unions and sorts them, and the report is written one
    batch at a time (:class:`.csv_export.DataFrameCSVDataset`), so no step holds every rejected
    row. The report is opened in spreadsheets: a text cell from the input (``raw_line``,
    ``reason``) that a spreadsheet would run as a formula gets a leading ``'``, which shows it
    as text. The ``REJECTED_ROWS`` tables keep the text as it was.
    """
    from snowflake.snowpark.functions import call_function, col, concat, iff, lit

    def as_text(name: str):
        cell = col(name)
        starts = call_function("ascii", cell).isin(list(FORMULA_STARTS))
        return iff(starts, concat(lit("'"), cell), cell).alias(name)

    columns = list(REJECTED_ROWS.columns)
    combined = raw_rejected_rows.select(columns).union_all(genre_rejected_rows.select(columns))
    return combined.select(
        [as_text(c) if c in ("RAW_LINE", "REASON") else col(c) for c in columns]
    ).sort([col("SOURCE_FILE"), col("LINE_NUMBER"), col("STAGE").desc(), col("REASON")])
