"""Budget against return: one dot per genre at its recent average budget and ROI, sized by its
recent film count, with a whisker for the spread of its per-film ROI."""

from __future__ import annotations

import html
import math

import pandas as pd

from ..formatting import films_label, is_missing, money, pct
from . import svg
from .palette import genre_colour
from .svg import MUTED, Scale, nice_ticks
from .text import tick_money, tick_pct, ui

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 1100, 470, 86, 30, 24, 400


def budget_roi_chart(genres: pd.DataFrame, min_films: int, pick: str | None, window: str) -> str:
    """Average budget against ROI in the recent window; whiskers from the 10th to the 90th
    percentile of per-film ROI over all decades; dot area by the window's film count."""
    data = genres[
        (genres["films"] >= min_films)
        & genres["avg_budget_recent"].notna()
        & genres["roi_recent"].notna()
    ]
    title = f"Budget against ROI, {window}"
    if data.empty:
        note = "No genre of this size has films in the recent window."
        return svg.svg(
            "budget-roi",
            title,
            WIDTH,
            120,
            [svg.text(WIDTH / 2, 60, note, anchor="middle", size=14, fill=MUTED)],
        )
    y_ticks = nice_ticks(*_roi_range(data), 8)
    x_ticks = nice_ticks(0, float(data["avg_budget_recent"].max()) * 1.08, 6)
    x = Scale(x_ticks[0], x_ticks[-1], LEFT, WIDTH - RIGHT)
    y = Scale(y_ticks[0], y_ticks[-1], BOTTOM, TOP)
    body = svg.y_axis(y, y_ticks, LEFT, WIDTH - RIGHT, tick_pct)
    body += svg.x_axis(x, x_ticks, BOTTOM, BOTTOM, tick_money)
    body.append(svg.text(LEFT + 6, y(0) - 6, "break-even", size=11, fill=MUTED))
    body += _dots(data, x, y, y_ticks[-1], pick, window)
    body.append(
        svg.axis_title(
            LEFT + (WIDTH - LEFT - RIGHT) / 2,
            BOTTOM + 36,
            f"Average budget per film, {html.escape(window)} (US dollars)",
        )
    )
    body.append(
        svg.axis_title(18, (TOP + BOTTOM) / 2, "Return on investment (profit ÷ budget)", rotate=-90)
    )
    return svg.svg("budget-roi", title, WIDTH, HEIGHT, body)


def _roi_range(data: pd.DataFrame) -> tuple[float, float]:
    """The ROI axis: every dot and whisker, except whiskers far above the others (one genre's
    90th percentile at 4,000% would flatten the rest); those are drawn cut off."""
    dots, highs = data["roi_recent"], data["roi_p90"].fillna(data["roi_recent"])
    low = float(min(data["roi_p10"].fillna(data["roi_recent"]).min(), dots.min(), 0.0))
    high = float(max(highs.max(), dots.max()))
    cap = max(float(dots.max()), 2.5 * float(highs.median()))
    return low, cap if high > 1.15 * cap else high


def _dots(
    data: pd.DataFrame, x: Scale, y: Scale, top: float, pick: str | None, window: str
) -> list[str]:
    """Whiskers and dots, the largest genres first, then their labels clear of each other."""
    body, points, biggest = [], [], max(int(data["films_recent"].max()), 1)
    for g in data.sort_values(["films_recent", "genre"], ascending=[False, True]).itertuples():
        px, py, colour = x(g.avg_budget_recent), y(g.roi_recent), genre_colour(g, pick)
        if not (is_missing(g.roi_p10) or is_missing(g.roi_p90)):
            body.append(_whisker(g, px, y, top, colour))
        radius = 4 + 10 * math.sqrt(g.films_recent / biggest)
        tip = ui(
            f"{g.genre}: average budget {money(g.avg_budget_recent)}, ROI "
            f"{pct(g.roi_recent)} ({films_label(g.films_recent)} in {window})"
        )
        body.append(
            f'<circle class="mark dot" cx="{svg.f(px)}" cy="{svg.f(py)}" '
            f'r="{svg.f(radius)}" fill="{colour}" fill-opacity="0.85" stroke="#FFFFFF" '
            f'stroke-width="1.5"><title>{tip}</title></circle>'
        )
        points.append((px, py, radius, g.genre))
    for lx, ly, anchor, label in svg.place_labels(points, (LEFT, WIDTH - RIGHT, TOP, BOTTOM)):
        body.append(svg.text(lx, ly, html.escape(label), anchor=anchor, weight="600"))
    return body


def _whisker(g, x: float, y: Scale, top: float, colour: str) -> str:
    """The 10th to 90th percentile of per-film ROI, a tick at the median; an arrow and the
    value where the 90th percentile is above the axis."""
    y10, y90 = y(g.roi_p10), y(min(g.roi_p90, top))
    marks = [
        svg.line(x, y10, x, y90, stroke=colour, width=2),
        svg.line(x - 6, y10, x + 6, y10, stroke=colour, width=2),
    ]
    if g.roi_p90 > top:
        marks.append(
            f'<path d="M{svg.f(x - 6)} {svg.f(y90 + 8)} L{svg.f(x)} {svg.f(y90)} '
            f'L{svg.f(x + 6)} {svg.f(y90 + 8)}" fill="none" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        marks.append(svg.text(x + 8, y90 + 10, ui(f"p90 {pct(g.roi_p90)}"), size=11, fill=MUTED))
    else:
        marks.append(svg.line(x - 6, y90, x + 6, y90, stroke=colour, width=2))
    if not is_missing(g.roi_p50):
        marks.append(svg.line(x - 4, y(g.roi_p50), x + 4, y(g.roi_p50), stroke=svg.INK, width=2))
    tip = ui(
        f"{g.genre}: per-film ROI {pct(g.roi_p10)} (p10) to {pct(g.roi_p90)} (p90), "
        f"median {pct(g.roi_p50)}"
    )
    return f'<g class="mark whisker"><title>{tip}</title>{"".join(marks)}</g>'
