"""Reporting nodes: reshape the audited marts into insights.json, CSV exports and rejects.

No figure is computed here: they all come from the ``genre_scorecard`` mart. This module only
picks the recommendation among the mart's rows and words its reason.
"""

from __future__ import annotations

import math

import pandas as pd

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


def _clean(value):
    """JSON-safe scalars: NaN/None become null, numpy numbers become Python numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def money(value: float | None) -> str:
    """$89.2B, $412.0M, -$3.1M."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"{sign}${value / size:.1f}{unit}"
    return f"{sign}${value:.0f}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def recommend(genres: dict[str, dict], baseline: float | None, min_films: int, min_share: float) -> dict:
    """The genre with the highest average profit among those big and present enough."""
    eligible = {
        name: g
        for name, g in genres.items()
        if g["films"] >= min_films and (g["market_share_recent"] or 0) >= min_share
        and g["avg_profit"] is not None
    }
    relaxed = False
    if not eligible:
        relaxed = True
        eligible = {n: g for n, g in genres.items() if g["avg_profit"] is not None}
    if not eligible:
        return {"genre": None, "reason": "No genre has films in the financial universe."}
    name = max(eligible, key=lambda n: (eligible[n]["avg_profit"], n))
    g = eligible[name]
    criteria = (
        f"among genres with at least {min_films} films and a recent market share of at least "
        f"{pct(min_share)}"
    )
    if relaxed:
        criteria = f"no genre met the bar ({criteria}), so among all genres"
    reason = (
        f"{name} has the highest average profit per film, {money(g['avg_profit'])} against a "
        f"baseline of {money(baseline)} for all films, {criteria}. In the recent window it holds "
        f"{pct(g['market_share_recent'])} of revenue with an ROI of {pct(g['roi_recent'])} "
        f"(other genres: {pct(g['others_roi_recent'])}) on an average budget of "
        f"{money(g['avg_budget_recent'])} (others: {money(g['others_avg_budget_recent'])}), and it "
        f"{'beat' if (g['outperformance_recent'] or 0) >= 0 else 'fell short of'} its projection by "
        f"{money(abs(g['outperformance_recent'] or 0))}. Risk: {pct(g['loss_rate'])} of its films "
        f"lost money; per-film ROI ranges from {pct(g['roi_p10'])} (10th percentile) to "
        f"{pct(g['roi_p90'])} (90th), median {pct(g['roi_p50'])}."
    )
    return {"genre": name, "reason": reason, "eligible_genres": sorted(eligible), "relaxed": relaxed}


def build_insights(genre_scorecard: pd.DataFrame, insights: dict) -> dict:
    """insights.json (DESIGN §5) from the genre scorecard mart."""
    card = genre_scorecard.rename(columns=str.lower).sort_values(
        ["market_share_recent", "primary_genre"], ascending=[False, True]
    )
    genres = {
        str(row["primary_genre"]): {key: _clean(row[col]) for key, col in GENRE_FIELDS.items()}
        for _, row in card.iterrows()
    }
    first = card.iloc[0] if len(card) else None
    recent = (
        [int(first["recent_from_decade"]), int(first["recent_to_decade"])]
        if first is not None and _clean(first["recent_from_decade"]) is not None
        else []
    )
    baseline = _clean(first["baseline_avg_profit_usd"]) if first is not None else None
    return {
        "films": int(card["films"].sum()) if len(card) else 0,
        "recent_decades": recent,
        "baseline_avg_profit": baseline,
        "genres": genres,
        "recommendation": recommend(
            genres, baseline, int(insights["min_films"]), float(insights["min_market_share"])
        ),
    }


def export_marts(
    dbt_marts_run: dict,
    fct_movies: pd.DataFrame,
    genre_decade_performance: pd.DataFrame,
    genre_scorecard: pd.DataFrame,
    top_movies_by_decade: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The marts as they are, with lower-case column names, for spreadsheets and Power BI Desktop."""
    return tuple(
        frame.rename(columns=str.lower)
        for frame in (fct_movies, genre_decade_performance, genre_scorecard, top_movies_by_decade)
    )


def combine_rejected_rows(
    raw_rejected_rows: pd.DataFrame, genre_rejected_rows: pd.DataFrame
) -> pd.DataFrame:
    """Every quarantined row of the run, ingestion and genre parsing, in file and line order."""
    frames = [f.rename(columns=str.lower) for f in (raw_rejected_rows, genre_rejected_rows)]
    combined = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(
        len(f) for f in frames
    ) else pd.DataFrame(columns=["source_file", "line_number", "reason", "raw_line", "stage"])
    return combined.sort_values(["source_file", "line_number"], kind="stable").reset_index(drop=True)
