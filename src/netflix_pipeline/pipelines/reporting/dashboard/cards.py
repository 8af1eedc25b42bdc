"""The grid of chart cards: each chart with its title, a note on how to read it and, where a
reader may want the exact numbers, the figures behind it as a table."""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd

from ..formatting import films_label, money, pct, signed_money, window_label
from .decade_charts import revenue_by_decade_chart
from .genre_charts import actual_vs_projected_chart, avg_profit_chart, market_share_chart
from .palette import MET, PICK, UNMET
from .roi_chart import budget_roi_chart
from .text import ui

# The colour key of the charts that colour genres by the recommendation's bar.
KEY = (
    f'<p class="key"><span class="chip" style="background:{PICK}"></span>recommended'
    f'<span class="chip" style="background:{MET}"></span>clears the bar'
    f'<span class="chip" style="background:{UNMET}"></span>below the bar</p>'
)
GENRE_COLUMNS = {"genre": ("Genre", str), "films": ("Films", lambda v: f"{v:,}")}


def chart_cards(insights: dict, genres: pd.DataFrame, perf: pd.DataFrame, options: dict) -> str:
    """Every chart card, in reading order: revenue over time, then the recommendation's tests."""
    rec = insights["recommendation"]
    pick, criteria = rec.get("genre"), rec.get("criteria") or {}
    min_films = int(criteria.get("min_films", 0))
    min_share = float(criteria.get("min_market_share", 0.0))
    window = window_label(insights["recent_decades"])
    stacked = int(options["stacked_genres"])
    return "".join(
        [
            figure(
                "Revenue by decade",
                "Every film counts once, under its primary genre. Hover a block for its figures.",
                revenue_by_decade_chart(perf, stacked, share=False),
            ),
            figure(
                "Each genre's share of its decade",
                "The same revenue as shares of each decade, so that early decades are readable.",
                revenue_by_decade_chart(perf, stacked, share=True),
            ),
            _projection_card(genres, window),
            figure(
                f"Market share, {window}",
                "Share of the window's box-office revenue. To be "
                f"recommended a genre needs {pct(min_share, 0)} of it (dashed line) and at "
                f"least {films_label(min_films)}.",
                market_share_chart(genres, min_share, pick, window),
                KEY,
                wide=False,
            ),
            figure(
                "Average profit per film",
                "Over all decades; the dashed line is the average "
                "film. Genres with few films are noisy.",
                avg_profit_chart(genres, insights["baseline_avg_profit"], pick),
                KEY,
                wide=False,
            ),
            _roi_card(genres, min_films, pick, window),
        ]
    )


def _projection_card(genres: pd.DataFrame, window: str) -> str:
    return figure(
        f"Actual against projected revenue, {window}",
        "Projection: the genre's revenue in the previous decade, grown like the whole "
        "market. Above the projection means the genre gained ground.",
        actual_vs_projected_chart(genres, window),
        data_table(
            genres.sort_values("revenue_recent", ascending=False),
            {
                **GENRE_COLUMNS,
                "revenue_recent": ("Actual", money),
                "projected_revenue_recent": ("Projected", money),
                "outperformance_recent": ("Difference", signed_money),
            },
        ),
    )


def _roi_card(genres: pd.DataFrame, min_films: int, pick: str | None, window: str) -> str:
    return figure(
        f"Budget against return, {window}",
        f"Dot: ROI of the genre's films in {window} (total profit ÷ total budget), area "
        "by film count. Whisker: 10th to 90th percentile of per-film ROI over all "
        f"decades, tick at the median. Genres with fewer than {films_label(min_films)} "
        "are left out.",
        budget_roi_chart(genres, min_films, pick, window),
        data_table(
            genres.sort_values("films", ascending=False),
            {
                **GENRE_COLUMNS,
                "avg_budget_recent": ("Avg budget (recent)", money),
                "roi_recent": ("ROI (recent)", pct),
                "others_roi_recent": ("ROI of other genres", pct),
                "loss_rate": ("Films that lost money", pct),
                "roi_p10": ("ROI p10", pct),
                "roi_p50": ("ROI median", pct),
                "roi_p90": ("ROI p90", pct),
            },
        ),
    )


def figure(title: str, note: str, chart: str, extra: str = "", wide: bool = True) -> str:
    """A card: the chart under its title and note, then ``extra`` (a key or a table)."""
    return (
        f'<figure class="card{" wide" * wide}"><figcaption><h3>{ui(title)}</h3>'
        f"<p>{ui(note)}</p></figcaption>{chart}{extra}</figure>"
    )


def data_table(frame: pd.DataFrame, columns: dict[str, tuple[str, Callable]]) -> str:
    """The figures behind a chart, as an accessible table in a closed <details>."""
    head = "".join(f'<th scope="col">{html.escape(t)}</th>' for t, _ in columns.values())
    rows = "".join(
        "<tr>" + "".join(f"<td>{ui(fmt(r[c]))}</td>" for c, (_, fmt) in columns.items()) + "</tr>"
        for _, r in frame.iterrows()
    )
    return (
        '<details class="data"><summary>Show the figures</summary><table class="figures">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></details>"
    )
