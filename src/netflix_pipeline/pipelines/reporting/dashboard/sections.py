"""The page's two sections in words and tables: the recommendation with its key figures, and
the top films of each decade."""

from __future__ import annotations

import html

import pandas as pd

from ..formatting import decade_label, films_label, money, pct, signed_money
from .text import ui

# top_movies_by_decade's rankings: table caption, value column, value format.
RANKINGS = {
    "revenue": ("Highest revenue", "Revenue", money),
    "profit": ("Highest profit", "Profit", money),
    "roi": ("Best return (ROI)", "ROI", pct),
    "rating": ("Best rated by MovieLens users", "Rating", lambda v: f"{v:.2f} / 5"),
}


def _tile(label: str, value: str, note: str) -> str:
    return (
        f'<div class="tile"><div class="tile-label">{label}</div>'
        f'<div class="tile-value">{ui(value)}</div><div class="tile-note">{ui(note)}</div>'
        "</div>"
    )


def recommendation_section(insights: dict, window: str) -> str:
    """The decision in words, then the figures that support it."""
    rec = insights.get("recommendation") or {}
    reason = f'<p class="reason">{ui(rec.get("reason") or "")}</p>'
    if not rec.get("genre"):
        return f'<section class="pick">{reason}</section>'
    g = insights["genres"][rec["genre"]]
    tiles = [
        _tile(
            "Average profit per film",
            money(g["avg_profit"]),
            f"all films: {money(insights['baseline_avg_profit'])} · {films_label(g['films'])}",
        ),
        _tile(
            "Share of recent revenue",
            pct(g["market_share_recent"]),
            f"{films_label(g['films_recent'] or 0)} in {window}",
        ),
        _tile("Recent ROI", pct(g["roi_recent"]), f"other genres: {pct(g['others_roi_recent'])}"),
        _tile(
            "Recent average budget",
            money(g["avg_budget_recent"]),
            f"other genres: {money(g['others_avg_budget_recent'])}",
        ),
        _tile(
            "Recent revenue against projection",
            signed_money(g["outperformance_recent"]),
            f"{money(g['revenue_recent'])} earned, "
            f"{money(g['projected_revenue_recent'])} projected",
        ),
        _tile(
            "Risk: films that lost money",
            pct(g.get("loss_rate")),
            f"per-film ROI {pct(g.get('roi_p10'))} to {pct(g.get('roi_p90'))} (p10–p90)",
        ),
    ]
    return (
        '<section class="pick" aria-labelledby="pick-title"><p class="eyebrow">Recommendation</p>'
        f'<h2 id="pick-title">Back <span class="pick-genre">{html.escape(rec["genre"])}</span>'
        f'</h2>{reason}<div class="tiles">{"".join(tiles)}</div></section>'
    )


def top_films_section(top: pd.DataFrame, per_ranking: int, open_decades: int) -> str:
    """One block per decade (newest first, the latest ones open), a small table per ranking."""
    if top.empty:
        return '<p class="note">No film in the financial universe.</p>'
    top = top.assign(decade=top["decade"].astype(int))
    blocks = []
    for i, decade in enumerate(sorted(top["decade"].unique(), reverse=True)):
        tables = []
        for ranking, (caption, column, fmt) in RANKINGS.items():
            rows = top[(top["decade"] == decade) & (top["ranking"] == ranking)]
            rows = rows.sort_values("rank_in_decade").head(per_ranking)
            body = "".join(
                f"<tr><td class=num>{int(r.rank_in_decade)}</td><td>{html.escape(str(r.title))}"
                f'<span class="genre">{html.escape(str(r.primary_genre))}</span></td>'
                f"<td class=num>{ui(fmt(r.metric_value))}</td></tr>"
                for r in rows.itertuples()
            )
            if body:
                tables.append(
                    f'<table class="top" data-ranking="{ranking}"><caption>{caption}</caption>'
                    '<thead><tr><th scope="col">#</th><th scope="col">Film</th>'
                    f'<th scope="col" class=num>{column}</th></tr></thead><tbody>{body}</tbody>'
                    "</table>"
                )
        blocks.append(
            f'<details class="decade" data-decade="{decade}"{" open" * (i < open_decades)}>'
            f"<summary>{decade_label(decade)}</summary><div class=tables>{''.join(tables)}</div>"
            "</details>"
        )
    return "".join(blocks)
