"""Horizontal bar charts with one row per genre: revenue against its projection, market share
and average profit, each with the line the recommendation measures against."""

from __future__ import annotations

import html

import pandas as pd

from ..formatting import films_label, is_missing, money, pct, signed_money
from . import svg
from .palette import GAIN, LOSS, MET, genre_colour
from .svg import MUTED, Scale, nice_ticks
from .text import tick_money, tick_pct, ui


def _bar_rows(count: int, row: int, top: int) -> tuple[int, int]:
    """Height of a horizontal bar chart with ``count`` rows, and the y of its value axis."""
    return top + row * count + 50, top + row * count


def actual_vs_projected_chart(genres: pd.DataFrame, window: str) -> str:
    """Paired bars per genre: revenue earned in the recent window against its projection."""
    data = genres[(genres["revenue_recent"] > 0) | (genres["projected_revenue_recent"] > 0)]
    data = data.sort_values(["revenue_recent", "genre"], ascending=[False, True])
    notes = [f"{signed_money(d)} vs projection" for d in data["outperformance_recent"]]
    width, left, row, top = 1100, 150, 34, 34
    right = 16 + 7.5 * max(map(len, notes), default=0)
    height, bottom = _bar_rows(len(data), row, top)
    peak = max(data["revenue_recent"].max(), data["projected_revenue_recent"].max(), 1.0)
    ticks = nice_ticks(0, float(peak))
    x = Scale(0, ticks[-1], left, width - right)
    body = svg.x_axis(x, ticks, top - 6, bottom, tick_money)
    for i, (g, note) in enumerate(zip(data.itertuples(), notes, strict=True)):
        body += _actual_and_projected(g, note, x, left, top + i * row)
    body.append(
        svg.axis_title(
            left + (width - left - right) / 2,
            bottom + 34,
            f"Revenue in {html.escape(window)} (US dollars)",
        )
    )
    body += svg.legend([("Actual revenue", MET)], left, 16, 300)
    body.append(
        f'<rect x="{left + 150}" y="6" width="12" height="12" fill="#FFFFFF" '
        f'stroke="{MUTED}" stroke-dasharray="3 2"/>'
    )
    body.append(svg.text(left + 167, 16, "Projected: previous decade × market growth"))
    return svg.svg(
        "actual-vs-projected", f"Actual vs projected revenue, {window}", width, height, body
    )


def _actual_and_projected(g, note: str, x: Scale, left: float, y0: float) -> list[str]:
    """One genre's row: its name, the actual and projected bars, and the difference."""
    end = max(x(g.revenue_recent), x(g.projected_revenue_recent))
    colour = GAIN if g.outperformance_recent >= 0 else LOSS
    return [
        svg.text(left - 10, y0 + 19, html.escape(g.genre), anchor="end"),
        svg.rect(
            x(0),
            y0 + 4,
            x(g.revenue_recent) - x(0),
            12,
            MET,
            ui(f"{g.genre}: actual {money(g.revenue_recent)}"),
        ),
        svg.rect(
            x(0),
            y0 + 17,
            x(g.projected_revenue_recent) - x(0),
            12,
            "#FFFFFF",
            ui(f"{g.genre}: projected {money(g.projected_revenue_recent)}"),
            stroke=MUTED,
            dash="3 2",
        ),
        svg.text(end + 8, y0 + 20, ui(note), fill=colour, weight="600"),
    ]


def market_share_chart(
    genres: pd.DataFrame, min_share: float, pick: str | None, window: str
) -> str:
    """Horizontal bars of recent market share, with the share the recommendation needs."""
    data = genres.assign(market_share_recent=genres["market_share_recent"].fillna(0.0))
    data = data.sort_values(["market_share_recent", "genre"], ascending=[False, True])
    width, left, right, row, top = 540, 130, 70, 24, 14
    height, bottom = _bar_rows(len(data), row, top)
    ticks = nice_ticks(0, max(float(data["market_share_recent"].max()), min_share, 0.01), 4)
    x = Scale(0, ticks[-1], left, width - right)
    body = svg.x_axis(x, ticks, top - 4, bottom, tick_pct)
    for i, g in enumerate(data.itertuples()):
        y0, share = top + i * row, g.market_share_recent
        body.append(svg.text(left - 8, y0 + 15, html.escape(g.genre), anchor="end"))
        body.append(
            svg.rect(
                x(0),
                y0 + 4,
                x(share) - x(0),
                15,
                genre_colour(g, pick),
                ui(f"{g.genre}: {pct(share)} of revenue in {window}"),
            )
        )
        body.append(svg.text(x(share) + 5, y0 + 16, pct(share), size=11, fill=MUTED))
    body += svg.reference(x(min_share), top, bottom, f"bar: {pct(min_share, 0)}")
    body.append(
        svg.axis_title(
            left + (width - left - right) / 2,
            bottom + 34,
            f"Share of revenue in {html.escape(window)}",
        )
    )
    return svg.svg("market-share", f"Market share, {window}", width, height, body)


def avg_profit_chart(genres: pd.DataFrame, baseline: float | None, pick: str | None) -> str:
    """Horizontal bars of average profit per film, with the average of all films."""
    data = genres.sort_values(["avg_profit", "genre"], ascending=[False, True])
    width, left, right, row, top = 540, 130, 130, 24, 14
    height, bottom = _bar_rows(len(data), row, top)
    values = [v for v in [*data["avg_profit"], baseline, 0.0] if not is_missing(v)]
    ticks = nice_ticks(min(values), max(values), 4)
    x = Scale(ticks[0], ticks[-1], left, width - right)
    body = svg.x_axis(x, ticks, top - 4, bottom, tick_money)
    for i, g in enumerate(data.itertuples()):
        y0, figures = top + i * row, f"{money(g.avg_profit)} · {films_label(g.films)}"
        body.append(svg.text(left - 8, y0 + 15, html.escape(g.genre), anchor="end"))
        body.append(
            svg.rect(
                x(0),
                y0 + 4,
                x(g.avg_profit) - x(0),
                15,
                genre_colour(g, pick),
                ui(f"{g.genre}: {money(g.avg_profit)} average profit over {films_label(g.films)}"),
            )
        )
        body.append(svg.text(width - 4, y0 + 16, ui(figures), anchor="end", size=11, fill=MUTED))
    if not is_missing(baseline):
        body += svg.reference(x(baseline), top, bottom, ui(f"all films: {money(baseline)}"))
    body.append(
        svg.axis_title(
            left + (width - left - right) / 2,
            bottom + 34,
            "Average profit per film, all decades (US dollars)",
        )
    )
    return svg.svg(
        "avg-profit", "Average profit per film against the baseline", width, height, body
    )
