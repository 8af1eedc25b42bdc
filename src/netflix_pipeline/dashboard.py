"""The offline dashboard: number formats, inline SVG charts and the page that holds them.

Everything is drawn here in Python as static SVG inside one HTML file: no script, no font, no
stylesheet is fetched, so the page opens from a laptop, an e-mail attachment or a CI artefact
with no network. Figures come from the mart exports and insights.json as they are; this module
only lays them out (it sorts, groups small genres into "Other" for legibility and formats).

Each chart is an ``<svg data-chart="…">`` whose marks carry ``class="mark"``, so a browser test
can check that every chart drew something.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

MINUS = "\u2212"

# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
OTHER = "#B8B8B8"
PICK = "#D55E00"  # the recommended genre
MET = "#0072B2"  # genres that meet the recommendation's bar
UNMET = "#A7B4C2"  # genres that do not
INK, MUTED, GRID = "#1B1F24", "#5B6470", "#E3E6EA"


# --- Numbers for people ---------------------------------------------------------------------


def money(value: float | None, digits: int = 1) -> str:
    """$89.2B, $412.0M, -$3.1M; ``n/a`` for a missing figure."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if round(value / size, digits) >= 1:
            return f"{sign}${value / size:.{digits}f}{unit}"
    return f"{sign}${value:.0f}"


def pct(value: float | None, digits: int = 1) -> str:
    """28.9% for 0.289, 1,234% for 12.34 (no decimals from 1,000% on); ``n/a`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 10:
        digits = 0
    return f"{100 * value:,.{digits}f}%"


def decade_label(decade: int | float) -> str:
    return f"{int(decade)}s"


def window_label(decades: Sequence[int]) -> str:
    """'the 2000s and 2010s' (the recent window), or 'the 2010s' when there is one decade."""
    labels = [decade_label(d) for d in decades]
    return "the " + " and ".join(labels) if labels else "no decade"


def _compact(text: str) -> str:
    """Axis ticks: $20B rather than $20.0B, and a true minus sign."""
    return text.replace(".0B", "B").replace(".0M", "M").replace(".0K", "K").replace(".0T", "T")


def _ui(text: str) -> str:
    """Escaped for HTML, with typographic minus signs."""
    return html.escape(text).replace("-$", f"{MINUS}$").replace(" -", f" {MINUS}")


def _tick_money(v: float) -> str:
    return _ui(_compact(money(v)))


def _tick_pct(v: float) -> str:
    return _ui(pct(v, 0))


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


# --- SVG building blocks --------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """Linear map from data to pixels."""

    d0: float
    d1: float
    p0: float
    p1: float

    def __call__(self, value: float) -> float:
        span = self.d1 - self.d0 or 1.0
        return self.p0 + (value - self.d0) / span * (self.p1 - self.p0)


def _f(x: float) -> str:
    return f"{x:.1f}"


def _text(x, y, label, *, anchor="start", size=12, fill=INK, weight=None, cls=None, rotate=None):
    extra = f' font-weight="{weight}"' if weight else ""
    extra += f' class="{cls}"' if cls else ""
    extra += f' transform="rotate({rotate} {_f(x)} {_f(y)})"' if rotate is not None else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{extra}>{label}</text>'
    )


def _rect(x, y, w, h, fill, tip, *, stroke=None, cls="mark", dash=None):
    if w < 0:
        x, w = x + w, -w
    if h < 0:
        y, h = y + h, -h
    line = f' stroke="{stroke}" stroke-width="1.5"' if stroke else ""
    line += f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<rect class="{cls}" x="{_f(x)}" y="{_f(y)}" width="{_f(max(w, 0.5))}" '
        f'height="{_f(max(h, 0.5))}" fill="{fill}"{line}><title>{tip}</title></rect>'
    )


def _line(x1, y1, x2, y2, stroke=GRID, width=1, dash=None, cls=None):
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    extra += f' class="{cls}"' if cls else ""
    return (
        f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{stroke}" '
        f'stroke-width="{width}"{extra}/>'
    )


def _svg(chart: str, title: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg data-chart="{chart}" role="img" aria-label="{html.escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{html.escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _legend(items: Sequence[tuple[str, str]], x: float, y: float, width: float) -> list[str]:
    """Colour chips with names, wrapped onto lines within ``width``."""
    out, cx, cy = [], x, y
    for label, colour in items:
        w = 22 + 7.2 * len(label)
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 20
        out.append(f'<rect x="{_f(cx)}" y="{_f(cy - 10)}" width="12" height="12" rx="2" '
                   f'fill="{colour}"/>')
        out.append(_text(cx + 17, cy, html.escape(label), size=12))
        cx += w + 10
    return out


def _value_axis_x(scale: Scale, ticks, top, bottom, fmt: Callable[[float], str]) -> list[str]:
    out = []
    for t in ticks:
        x = scale(t)
        out.append(_line(x, top, x, bottom, stroke="#9AA3AD" if t == 0 else GRID))
        out.append(_text(x, bottom + 16, fmt(t), anchor="middle", size=11, fill=MUTED))
    return out


# --- Charts ---------------------------------------------------------------------------------


def revenue_by_decade_chart(performance: pd.DataFrame, stacked_genres: int, share: bool) -> str:
    """Stacked columns: revenue of each decade split by primary genre (or each genre's share)."""
    perf = performance.assign(decade=performance["decade"].astype(int))
    totals = perf.groupby("primary_genre")["revenue_usd"].sum().sort_values(ascending=False)
    named = [g for g in totals.index[:stacked_genres] if totals[g] > 0]
    others = [g for g in totals.index if g not in named]
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(named)}
    decades = sorted(perf["decade"].unique())
    column = "market_share" if share else "revenue_usd"
    title = (
        "Share of each decade's revenue by primary genre" if share
        else "Box-office revenue by decade and primary genre"
    )
    width, height, left, right, top, bottom = 1100, 430, 78, 20, 20, 330
    stacks = []
    for decade in decades:
        rows = perf[perf["decade"] == decade].set_index("primary_genre")
        parts = [(g, float(rows[column].get(g, 0) or 0), float(rows["films"].get(g, 0))) for g in named]
        parts.append(("Other genres", float(rows.loc[rows.index.isin(others), column].sum()),
                      float(rows.loc[rows.index.isin(others), "films"].sum())))
        stacks.append((decade, parts))
    peak = 1.0 if share else max((sum(p[1] for p in parts) for _, parts in stacks), default=1.0)
    ticks = nice_ticks(0, peak or 1.0)
    y = Scale(0, ticks[-1], bottom, top)
    band = (width - left - right) / max(len(decades), 1)
    body = []
    fmt = _tick_pct if share else _tick_money
    for t in ticks:
        body.append(_line(left, y(t), width - right, y(t), stroke="#9AA3AD" if t == 0 else GRID))
        body.append(_text(left - 8, y(t) + 4, fmt(t), anchor="end", size=11, fill=MUTED))
    for i, (decade, parts) in enumerate(stacks):
        x = left + i * band + band * 0.18
        w = band * 0.64
        base = 0.0
        for genre, value, films in parts:
            if value <= 0:
                continue
            colour = colours.get(genre, OTHER)
            shown = pct(value) if share else money(value)
            tip = html.escape(f"{decade_label(decade)} · {genre}: {shown} ({films:.0f} films)")
            body.append(_rect(x, y(base + value), w, y(base) - y(base + value), colour, tip,
                              stroke="#FFFFFF"))
            base += value
        if not share:
            body.append(_text(x + w / 2, y(base) - 6, _ui(_compact(money(base))), anchor="middle",
                              size=11, fill=MUTED))
        body.append(_text(x + w / 2, bottom + 18, decade_label(decade), anchor="middle", size=12))
    body.append(_text(left + (width - left - right) / 2, bottom + 40, "Decade of release",
                      anchor="middle", size=12, fill=MUTED))
    body.append(_text(16, top + (bottom - top) / 2, "Share of decade revenue" if share
                      else "Revenue (US dollars)", anchor="middle", size=12, fill=MUTED,
                      rotate=-90))
    legend = [(g, colours[g]) for g in named] + ([("Other genres", OTHER)] if others else [])
    body += _legend(legend, left, bottom + 66, width - left - right)
    return _svg("revenue-share-by-decade" if share else "revenue-by-decade", title, width, height,
                body)


def _rows_frame(rows: int, row: int, top: int) -> tuple[int, int]:
    """Height of a horizontal bar chart and the y of its value axis."""
    return top + row * rows + 50, top + row * rows


def actual_vs_projected_chart(genres: pd.DataFrame, window: str) -> str:
    """Paired bars per genre: revenue earned in the recent window against its projection."""
    data = genres[(genres["revenue_recent"] > 0) | (genres["projected_revenue_recent"] > 0)]
    data = data.sort_values("revenue_recent", ascending=False)
    width, left, right, row, top = 1100, 150, 150, 34, 34
    height, bottom = _rows_frame(len(data), row, top)
    peak = max(data[["revenue_recent", "projected_revenue_recent"]].max().max(), 1.0) if len(data) else 1.0
    ticks = nice_ticks(0, peak)
    x = Scale(0, ticks[-1], left, width - right)
    body = _value_axis_x(x, ticks, top - 6, bottom, _tick_money)
    for i, g in enumerate(data.itertuples()):
        y0 = top + i * row
        body.append(_text(left - 10, y0 + 19, html.escape(g.genre), anchor="end", size=12))
        body.append(_rect(x(0), y0 + 4, x(g.revenue_recent) - x(0), 12, MET,
                          _ui(f"{g.genre}: actual {money(g.revenue_recent)}")))
        body.append(_rect(x(0), y0 + 17, x(g.projected_revenue_recent) - x(0), 12, "#FFFFFF",
                          _ui(f"{g.genre}: projected {money(g.projected_revenue_recent)}"),
                          stroke=MUTED, dash="3 2"))
        diff = g.outperformance_recent
        colour = "#1A7F37" if diff >= 0 else "#B42318"
        words = f"{'+' if diff >= 0 else ''}{money(diff)} vs projection"
        end = max(x(g.revenue_recent), x(g.projected_revenue_recent))
        body.append(_text(end + 8, y0 + 20, _ui(words), size=12, fill=colour, weight="600"))
    body.append(_text(left + (width - left - right) / 2, bottom + 34,
                      f"Revenue in {html.escape(window)} (US dollars)", anchor="middle", size=12,
                      fill=MUTED))
    body += _legend([("Actual revenue", MET)], left, 16, 300)
    body.append(f'<rect x="{left + 150}" y="6" width="12" height="12" fill="#FFFFFF" '
                f'stroke="{MUTED}" stroke-dasharray="3 2"/>')
    body.append(_text(left + 167, 16, "Projected: previous decade × market growth", size=12))
    return _svg("actual-vs-projected", f"Actual vs projected revenue, {window}", width, height,
                body)


def _genre_colour(g, pick: str | None) -> str:
    if g.genre == pick:
        return PICK
    return MET if g.meets_bar else UNMET


def market_share_chart(genres: pd.DataFrame, min_share: float, pick: str | None,
                       window: str) -> str:
    """Horizontal bars of recent market share with the recommendation's minimum share."""
    data = genres.sort_values(["market_share_recent", "genre"], ascending=[False, True])
    width, left, right, row, top = 540, 130, 70, 24, 14
    height, bottom = _rows_frame(len(data), row, top)
    peak = max(float(data["market_share_recent"].max() or 0), min_share, 0.01) if len(data) else 1
    ticks = nice_ticks(0, peak, 4)
    x = Scale(0, ticks[-1], left, width - right)
    body = _value_axis_x(x, ticks, top - 4, bottom, _tick_pct)
    for i, g in enumerate(data.itertuples()):
        y0 = top + i * row
        body.append(_text(left - 8, y0 + 15, html.escape(g.genre), anchor="end", size=12))
        share = 0.0 if pd.isna(g.market_share_recent) else g.market_share_recent
        body.append(_rect(x(0), y0 + 4, x(share) - x(0), 15, _genre_colour(g, pick),
                          _ui(f"{g.genre}: {pct(share)} of revenue in {window}")))
        body.append(_text(x(share) + 5, y0 + 16, pct(share), size=11, fill=MUTED))
    body.append(_line(x(min_share), top - 8, x(min_share), bottom, stroke=INK, dash="4 3",
                      width=1.5, cls="threshold"))
    body.append(_text(x(min_share) + 4, top - 1, f"bar: {pct(min_share, 0)}", size=11))
    body.append(_text(left + (width - left - right) / 2, bottom + 34,
                      f"Share of revenue in {html.escape(window)}", anchor="middle", size=12,
                      fill=MUTED))
    return _svg("market-share", f"Market share, {window}", width, height, body)


def avg_profit_chart(genres: pd.DataFrame, baseline: float | None, pick: str | None) -> str:
    """Horizontal bars of average profit per film with the all-film baseline."""
    data = genres.sort_values(["avg_profit", "genre"], ascending=[False, True])
    width, left, right, row, top = 540, 130, 130, 24, 14
    height, bottom = _rows_frame(len(data), row, top)
    values = [v for v in [*data["avg_profit"], baseline, 0.0] if v is not None and pd.notna(v)]
    ticks = nice_ticks(min(values), max(values), 4)
    x = Scale(ticks[0], ticks[-1], left, width - right)
    body = _value_axis_x(x, ticks, top - 4, bottom, _tick_money)
    for i, g in enumerate(data.itertuples()):
        y0 = top + i * row
        body.append(_text(left - 8, y0 + 15, html.escape(g.genre), anchor="end", size=12))
        body.append(_rect(x(0), y0 + 4, x(g.avg_profit) - x(0), 15, _genre_colour(g, pick),
                          _ui(f"{g.genre}: {money(g.avg_profit)} average profit over "
                              f"{g.films} films")))
        body.append(_text(width - 4, y0 + 16, _ui(f"{money(g.avg_profit)} · {g.films:,} films"),
                          anchor="end", size=11, fill=MUTED))
    if baseline is not None:
        body.append(_line(x(baseline), top - 8, x(baseline), bottom, stroke=INK, dash="4 3",
                          width=1.5, cls="baseline"))
        body.append(_text(x(baseline) + 4, top - 1, _ui(f"all films: {money(baseline)}"),
                          size=11))
    body.append(_text(left + (width - left - right) / 2, bottom + 34,
                      "Average profit per film, all decades (US dollars)", anchor="middle",
                      size=12, fill=MUTED))
    return _svg("avg-profit", "Average profit per film against the baseline", width, height, body)


def _place_labels(points, bounds) -> list[tuple[float, float, str, str]]:
    """Greedy placement of each point's label beside it, clear of the dots, of the labels
    already placed and of the plot's edge; the first candidate when nothing fits."""
    x_min, x_max, y_min, y_max = bounds
    taken = [(px - r, py - r, px + r, py + r) for px, py, r, _ in points]
    out = []
    for px, py, r, label in points:
        w, h = 7.2 * len(label) + 4, 14
        candidates = [(px + r + 4, py + 4 + d, "start") for d in (0, -14, 14)]
        candidates += [(px - r - 4, py + 4 + d, "end") for d in (0, -14, 14)]
        candidates += [(px + 4, py - r - 4 - d, "start") for d in (0, 14, 28)]
        candidates += [(px + 4, py + r + 14 + d, "start") for d in (0, 14, 28)]
        chosen = None
        for cx, cy, anchor in candidates:
            x0 = cx if anchor == "start" else cx - w
            box = (x0, cy - h + 3, x0 + w, cy + 3)
            inside = box[0] >= x_min and box[2] <= x_max and box[1] >= y_min and box[3] <= y_max
            clear = all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3]
                        for b in taken)
            if inside and clear:
                chosen = (cx, cy, anchor, box)
                break
        if chosen is None:
            cx, cy, anchor = candidates[0]
            chosen = (cx, cy, anchor, (cx, cy - h + 3, cx + w, cy + 3))
        taken.append(chosen[3])
        out.append((chosen[0], chosen[1], chosen[2], label))
    return out


def _roi_range(data: pd.DataFrame) -> tuple[float, float]:
    """The ROI axis: every dot and every whisker, except whiskers far above the others (one
    genre's 90th percentile at 4,000% would flatten the rest); those are drawn cut off."""
    dots = data["roi_recent"]
    lows = data["roi_p10"].fillna(dots)
    highs = data["roi_p90"].fillna(dots)
    top = float(max(highs.max(), dots.max()))
    cap = max(float(dots.max()), 2.5 * float(highs.median()))
    return float(min(lows.min(), dots.min(), 0.0)), min(top, cap) if top > 1.15 * cap else top


def budget_roi_chart(genres: pd.DataFrame, min_films: int, pick: str | None, window: str) -> str:
    """Average budget against ROI in the recent window, whiskers from the 10th to 90th
    percentile of per-film ROI (all decades), dot area by recent film count."""
    data = genres[(genres["films"] >= min_films) & genres["avg_budget_recent"].notna()
                  & genres["roi_recent"].notna()]
    width, height, left, right, top, bottom = 1100, 470, 86, 30, 24, 400
    title = f"Budget against ROI, {window}"
    if data.empty:
        body = [_text(width / 2, height / 2, "No genre of this size has films in the recent window.",
                      anchor="middle", size=14, fill=MUTED)]
        return _svg("budget-roi", title, width, height, body)
    low, high = _roi_range(data)
    y_ticks = nice_ticks(low, high, 6)
    x_ticks = nice_ticks(0, float(data["avg_budget_recent"].max()) * 1.08, 6)
    x = Scale(x_ticks[0], x_ticks[-1], left, width - right)
    y = Scale(y_ticks[0], y_ticks[-1], bottom, top)
    body = []
    for t in y_ticks:
        body.append(_line(left, y(t), width - right, y(t), stroke="#9AA3AD" if t == 0 else GRID,
                          dash="4 3" if t == 0 else None))
        body.append(_text(left - 8, y(t) + 4, _tick_pct(t), anchor="end", size=11, fill=MUTED))
    body += _value_axis_x(x, x_ticks, bottom, bottom, _tick_money)
    body.append(_text(left + 6, y(0) - 6, "break-even", size=11, fill=MUTED))
    points = []
    biggest = max(int(data["films_recent"].max()), 1)
    for g in data.sort_values("films_recent", ascending=False).itertuples():
        px, py = x(g.avg_budget_recent), y(g.roi_recent)
        colour = _genre_colour(g, pick)
        if not (pd.isna(g.roi_p10) or pd.isna(g.roi_p90)):
            y10, y90 = y(max(g.roi_p10, y_ticks[0])), y(min(g.roi_p90, y_ticks[-1]))
            tip = _ui(f"{g.genre}: per-film ROI {pct(g.roi_p10)} (p10) to {pct(g.roi_p90)} (p90),"
                      f" median {pct(g.roi_p50)}")
            marks = [_line(px, y10, px, y90, stroke=colour, width=2),
                     _line(px - 6, y10, px + 6, y10, stroke=colour, width=2)]
            if g.roi_p90 > y_ticks[-1]:
                marks.append(f'<path d="M{_f(px - 6)} {_f(y90 + 8)} L{_f(px)} {_f(y90)} '
                             f'L{_f(px + 6)} {_f(y90 + 8)}" fill="none" stroke="{colour}" '
                             'stroke-width="2"/>')
                marks.append(_text(px + 8, y90 + 10, _ui(f"p90 {pct(g.roi_p90)}"), size=11,
                                   fill=MUTED))
            else:
                marks.append(_line(px - 6, y90, px + 6, y90, stroke=colour, width=2))
            if pd.notna(g.roi_p50):
                marks.append(_line(px - 4, y(g.roi_p50), px + 4, y(g.roi_p50), stroke=INK,
                                   width=2))
            body.append(f'<g class="mark whisker"><title>{tip}</title>{"".join(marks)}</g>')
        radius = 4 + 10 * math.sqrt(g.films_recent / biggest)
        tip = _ui(f"{g.genre}: average budget {money(g.avg_budget_recent)}, ROI {pct(g.roi_recent)}"
                  f" ({g.films_recent:,} films in {window})")
        body.append(f'<circle class="mark dot" cx="{_f(px)}" cy="{_f(py)}" r="{_f(radius)}" '
                    f'fill="{colour}" fill-opacity="0.85" stroke="#FFFFFF" stroke-width="1.5">'
                    f"<title>{tip}</title></circle>")
        points.append((px, py, radius, g.genre))
    for lx, ly, anchor, label in _place_labels(points, (left, width - right, top, bottom)):
        body.append(_text(lx, ly, html.escape(label), anchor=anchor, size=12, weight="600"))
    body.append(_text(left + (width - left - right) / 2, bottom + 36,
                      f"Average budget per film, {html.escape(window)} (US dollars)",
                      anchor="middle", size=12, fill=MUTED))
    body.append(_text(18, top + (bottom - top) / 2, "Return on investment (profit ÷ budget)",
                      anchor="middle", size=12, fill=MUTED, rotate=-90))
    return _svg("budget-roi", title, width, height, body)


# --- Tables and the page --------------------------------------------------------------------

RANKINGS = {
    "revenue": ("Highest revenue", money),
    "profit": ("Highest profit", money),
    "roi": ("Best return (ROI)", pct),
    "rating": ("Best rated by MovieLens users", lambda v: f"{v:.2f} / 5"),
}


def top_films_section(top: pd.DataFrame, per_ranking: int, open_decades: int) -> str:
    """One block per decade (newest first), a small table per ranking."""
    if top.empty:
        return '<p class="note">No film in the financial universe.</p>'
    top = top.assign(decade=top["decade"].astype(int))
    blocks = []
    for i, decade in enumerate(sorted(top["decade"].unique(), reverse=True)):
        tables = []
        for ranking, (heading, fmt) in RANKINGS.items():
            rows = top[(top["decade"] == decade) & (top["ranking"] == ranking)]
            rows = rows.sort_values("rank_in_decade").head(per_ranking)
            if rows.empty:
                continue
            body = "".join(
                f"<tr><td class=num>{int(r.rank_in_decade)}</td><td>{html.escape(str(r.title))}"
                f'<span class="genre">{html.escape(str(r.primary_genre))}</span></td>'
                f"<td class=num>{_ui(fmt(r.metric_value))}</td></tr>"
                for r in rows.itertuples()
            )
            tables.append(
                f'<table class="top" data-ranking="{ranking}"><caption>{heading}</caption>'
                f'<thead><tr><th scope="col">#</th><th scope="col">Film</th>'
                f'<th scope="col" class=num>{ranking.upper() if ranking == "roi" else ranking.title()}'
                f"</th></tr></thead><tbody>{body}</tbody></table>"
            )
        opened = " open" if i < open_decades else ""
        blocks.append(
            f'<details class="decade" data-decade="{decade}"{opened}><summary>'
            f"{decade_label(decade)}</summary><div class=tables>{''.join(tables)}</div></details>"
        )
    return "".join(blocks)


def data_table(frame: pd.DataFrame, columns: dict[str, tuple[str, Callable]]) -> str:
    """The figures behind a chart, as an accessible table in a closed <details>."""
    head = "".join(f'<th scope="col">{html.escape(t)}</th>' for t, _ in columns.values())
    rows = "".join(
        "<tr>" + "".join(f"<td>{_ui(fmt(r[c]))}</td>" for c, (_, fmt) in columns.items()) + "</tr>"
        for _, r in frame.iterrows()
    )
    return (f'<details class="data"><summary>Show the figures</summary><table class="figures">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></details>")


def genre_frame(insights: dict) -> pd.DataFrame:
    """insights.json's genres as one row per genre (missing figures as NaN), flagged with
    whether each meets the recommendation's bar."""
    recommendation = insights.get("recommendation") or {}
    eligible = set() if recommendation.get("relaxed") else set(
        recommendation.get("eligible_genres") or []
    )
    rows = [{"genre": name, **figures} for name, figures in insights.get("genres", {}).items()]
    if not rows:
        return pd.DataFrame(columns=["genre", "films", "films_recent", "meets_bar"])
    frame = pd.DataFrame(rows)
    numeric = [c for c in frame.columns if c != "genre"]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    return frame.assign(
        films=frame["films"].fillna(0).astype(int),
        films_recent=frame["films_recent"].fillna(0).astype(int),
        meets_bar=frame["genre"].isin(eligible),
    )


def _tile(label: str, value: str, note: str) -> str:
    return (f'<div class="tile"><div class="tile-label">{label}</div>'
            f'<div class="tile-value">{_ui(value)}</div><div class="tile-note">{_ui(note)}</div>'
            "</div>")


def recommendation_section(insights: dict, window: str) -> str:
    """The decision in words, then the figures that support it."""
    rec = insights.get("recommendation") or {}
    pick = rec.get("genre")
    if not pick:
        return f'<section class="pick"><p class="reason">{_ui(rec.get("reason", ""))}</p></section>'
    g = insights["genres"][pick]
    baseline = insights.get("baseline_avg_profit")
    out = g.get("outperformance_recent")
    tiles = [
        _tile("Average profit per film", money(g["avg_profit"]),
              f"all films: {money(baseline)} · {g['films']:,} films"),
        _tile("Share of recent revenue", pct(g["market_share_recent"]),
              f"{g.get('films_recent', 0):,} films in {window}"),
        _tile("Recent ROI", pct(g["roi_recent"]),
              f"other genres: {pct(g['others_roi_recent'])}"),
        _tile("Recent average budget", money(g["avg_budget_recent"]),
              f"other genres: {money(g['others_avg_budget_recent'])}"),
        _tile("Recent revenue against projection", ("+" if (out or 0) >= 0 else "") + money(out),
              f"{money(g['revenue_recent'])} earned, {money(g['projected_revenue_recent'])} "
              "projected"),
        _tile("Risk: films that lost money", pct(g.get("loss_rate")),
              f"per-film ROI {pct(g.get('roi_p10'))} to {pct(g.get('roi_p90'))} (p10–p90)"),
    ]
    return (
        f'<section class="pick" aria-labelledby="pick-title"><p class="eyebrow">Recommendation</p>'
        f'<h2 id="pick-title">Back <span class="pick-genre">{html.escape(pick)}</span></h2>'
        f'<p class="reason">{_ui(rec.get("reason", ""))}</p>'
        f'<div class="tiles">{"".join(tiles)}</div></section>'
    )


def _figure(title: str, note: str, svg: str, table: str = "", wide: bool = True) -> str:
    cls = "card wide" if wide else "card"
    return (f'<figure class="{cls}"><figcaption><h3>{_ui(title)}</h3><p>{_ui(note)}</p>'
            f"</figcaption>{svg}{table}</figure>")


def render_dashboard(
    insights: dict,
    genre_decade_performance: pd.DataFrame,
    top_movies_by_decade: pd.DataFrame,
    options: dict,
    generated_at: str,
) -> str:
    """The whole page as one HTML string."""
    genres = genre_frame(insights)
    rec = insights.get("recommendation") or {}
    criteria = rec.get("criteria") or {}
    min_films = int(criteria.get("min_films", 0))
    min_share = float(criteria.get("min_market_share", 0.0))
    pick = rec.get("genre")
    window = window_label(insights.get("recent_decades") or [])
    films = int(insights.get("films") or 0)
    perf = genre_decade_performance.rename(columns=str.lower)
    top = top_movies_by_decade.rename(columns=str.lower)
    key = (
        f'<p class="key"><span class="chip" style="background:{PICK}"></span>recommended'
        f'<span class="chip" style="background:{MET}"></span>meets the bar'
        f'<span class="chip" style="background:{UNMET}"></span>below the bar</p>'
    )
    cards = []
    if not genres.empty and not perf.empty:
        money_cols = {"genre": ("Genre", str), "films": ("Films", lambda v: f"{v:,}")}
        cards += [
            _figure("Revenue by decade", "Every film counts once, under its primary genre. "
                    "Hover a block for its figures.",
                    revenue_by_decade_chart(perf, int(options["stacked_genres"]), share=False)),
            _figure("Each genre's share of its decade", "The same revenue as shares of each "
                    "decade, so that early decades are readable.",
                    revenue_by_decade_chart(perf, int(options["stacked_genres"]), share=True)),
            _figure(f"Actual against projected revenue, {window}",
                    "Projection: the genre's revenue in the previous decade, grown like the whole "
                    "market. Above the projection means the genre gained ground.",
                    actual_vs_projected_chart(genres, window),
                    data_table(genres.sort_values("revenue_recent", ascending=False), {
                        **money_cols,
                        "revenue_recent": ("Actual", money),
                        "projected_revenue_recent": ("Projected", money),
                        "outperformance_recent": ("Difference", money)})),
            _figure(f"Market share, {window}", "Share of the window's box-office revenue. To be "
                    f"recommended a genre needs {pct(min_share, 0)} of it (dashed line) and at "
                    f"least {min_films:,} films.",
                    market_share_chart(genres, min_share, pick, window), key, wide=False),
            _figure("Average profit per film", "Over all decades; the dashed line is the "
                    "average film. Genres with few films are noisy.",
                    avg_profit_chart(genres, insights.get("baseline_avg_profit"), pick), key,
                    wide=False),
            _figure(f"Budget against return, {window}",
                    f"Dot: ROI of the genre's films in {window} (total profit ÷ total budget), "
                    "area by film count. Whisker: 10th to 90th percentile of per-film ROI over "
                    f"all decades, tick at the median. Genres with fewer than {min_films:,} "
                    "films are left out.",
                    budget_roi_chart(genres, min_films, pick, window),
                    data_table(genres.sort_values("films", ascending=False), {
                        **money_cols,
                        "avg_budget_recent": ("Avg budget (recent)", money),
                        "roi_recent": ("ROI (recent)", pct),
                        "others_roi_recent": ("ROI of other genres", pct),
                        "loss_rate": ("Films that lost money", pct),
                        "roi_p10": ("ROI p10", pct),
                        "roi_p50": ("ROI median", pct),
                        "roi_p90": ("ROI p90", pct)})),
        ]
    else:
        cards.append('<p class="note">No film is in the financial universe: nothing to chart.</p>')
    top_html = top_films_section(top, int(options["top_films_per_ranking"]),
                                 int(options["open_decades"]))
    return PAGE.format(
        css=CSS,
        films=f"{films:,}",
        window=html.escape(window),
        pick=recommendation_section(insights, window),
        cards="".join(cards),
        top=top_html,
        generated_at=html.escape(generated_at),
        genres=len(genres),
    )


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Which genre should we back? · netflix-pipeline</title>
<style>{css}</style>
</head>
<body>
<header class="page-head">
<p class="eyebrow">netflix-pipeline · genre performance</p>
<h1>Which movie genre should we back next?</h1>
<p class="lede">{films} films with a known budget, revenue and release date, each counted once
under its primary genre. The recent window is {window}.</p>
</header>
<main>
{pick}
<div class="grid">{cards}</div>
<section class="card wide" aria-labelledby="top-title">
<h3 id="top-title">Top films of each decade</h3>
<p class="caption">The best five of each decade four ways. ROI leaves out very small budgets and
ratings leave out barely rated films. Open a decade to see its films.</p>
{top}
</section>
</main>
<footer>Generated {generated_at} by <code>kedro run</code> · {films} films in
{genres} primary genres · figures from the dbt marts (<code>genre_scorecard</code>,
<code>genre_decade_performance</code>, <code>top_movies_by_decade</code>) · money in US dollars,
not adjusted for inflation · data: MovieLens and TMDB.</footer>
</body>
</html>
"""

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #F4F5F7; color: #1B1F24;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Noto Sans", "DejaVu Sans", sans-serif; font-variant-numeric: tabular-nums; }
svg text { font-family: inherit; }
.page-head, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
.page-head { padding-top: 32px; }
h1 { font-size: 30px; line-height: 1.2; margin: 4px 0 8px; letter-spacing: -0.01em; }
h2 { font-size: 26px; margin: 2px 0 10px; }
h3 { font-size: 18px; margin: 0 0 4px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: #5B6470;
  margin: 0; font-weight: 600; }
.lede { color: #3A424C; max-width: 780px; margin: 0 0 20px; }
.pick { background: #FFFFFF; border-left: 6px solid #D55E00; border-radius: 10px;
  padding: 20px 24px; box-shadow: 0 1px 3px rgba(0,0,0,.08); margin-bottom: 20px; }
.pick-genre { color: #B34700; }
.reason { max-width: 900px; margin: 0 0 16px; font-size: 16px; }
.tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; max-width: 900px; }
.tile { background: #F7F8FA; border-radius: 8px; padding: 10px 12px; }
.tile-label { font-size: 12px; color: #5B6470; font-weight: 600; }
.tile-value { font-size: 24px; font-weight: 700; line-height: 1.25; }
.tile-note { font-size: 12px; color: #5B6470; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
.card { background: #FFFFFF; border-radius: 10px; padding: 18px 20px; margin: 0;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.card.wide { grid-column: 1 / -1; }
section.card { margin: 20px 0; }
figcaption p, .caption { color: #5B6470; margin: 0 0 10px; font-size: 14px; max-width: 900px; }
.key { font-size: 12px; color: #5B6470; margin: 6px 0 0; }
.chip { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin: 0 4px 0 10px;
  vertical-align: -1px; }
details.data summary, details.decade summary { cursor: pointer; color: #0B5CAD; font-size: 14px; }
details.decade { border-top: 1px solid #E3E6EA; padding: 8px 0; }
details.decade summary { font-size: 17px; font-weight: 700; color: #1B1F24; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 14px;
  margin-top: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
caption { text-align: left; font-weight: 700; font-size: 13px; padding-bottom: 4px; }
th { text-align: left; color: #5B6470; font-weight: 600; border-bottom: 1px solid #D0D5DB;
  padding: 3px 6px; }
td { border-bottom: 1px solid #EEF0F2; padding: 3px 6px; vertical-align: top; }
.num { text-align: right; white-space: nowrap; }
.genre { display: block; color: #5B6470; font-size: 11px; }
table.figures td { white-space: nowrap; }
footer { color: #5B6470; font-size: 13px; padding-top: 8px; padding-bottom: 32px; }
code { font-size: 12px; }
@media (max-width: 900px) { .grid, .tiles { grid-template-columns: 1fr; } }
"""
