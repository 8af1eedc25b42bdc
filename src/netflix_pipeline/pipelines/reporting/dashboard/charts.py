"""The offline dashboard: numbers for people, the charts as inline SVG, and the page.

Everything is drawn here in Python as static SVG inside one HTML file: no script, font, image or
stylesheet is fetched, so the page opens from a laptop, an e-mail attachment or a CI artefact
with no network. The figures are insights.json's and the mart exports' as they are; this module
only lays them out (it sorts, groups small genres into "Other genres" and formats).

Each chart is an ``<svg data-chart="…">`` whose data marks carry ``class="mark"``, so a browser
test can check that every chart drew something.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence

import pandas as pd

from . import svg
from .page import CSS, PAGE
from .svg import MUTED, Scale, nice_ticks

# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
OTHER = "#B8B8B8"
PICK = "#D55E00"  # the recommended genre
MET = "#0072B2"  # genres that clear the recommendation's bar
UNMET = "#A7B4C2"  # genres that do not
GAIN, LOSS = "#1A7F37", "#B42318"

# --- Numbers for people ----------------------------------------------------------------------


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, digits: int = 1) -> str:
    """$89.2B, $412.0M, -$3.1M; ``n/a`` for a missing figure."""
    if _missing(value):
        return "n/a"
    sign, value = ("-" if value < 0 else ""), abs(value)
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if round(value / size, digits) >= 1:
            return f"{sign}${value / size:.{digits}f}{unit}"
    return f"{sign}${value:.0f}"


def pct(value: float | None, digits: int = 1) -> str:
    """28.9% for 0.289, 1,234% for 12.34 (no decimals from 1,000% on); ``n/a`` when missing."""
    if _missing(value):
        return "n/a"
    return f"{100 * value:,.{0 if abs(value) >= 10 else digits}f}%"


def signed_money(value: float | None) -> str:
    return ("+" if not _missing(value) and value >= 0 else "") + money(value)


def films_label(count: int) -> str:
    """'1 film', '3,229 films'."""
    return f"{count:,} film" + ("" if count == 1 else "s")


def decade_label(decade: int | float) -> str:
    return f"{int(decade)}s"


def window_label(decades: Sequence[int]) -> str:
    """'the 2000s and 2010s' (the recent window), or 'the 2010s' when there is one decade."""
    labels = [decade_label(d) for d in decades]
    return "the " + " and ".join(labels) if labels else "no decade"


def _ui(text: str) -> str:
    """Escaped for HTML, with a typographic minus before negative numbers."""
    return re.sub(r"(?<![\w-])-(?=[\d$])", "\u2212", html.escape(text))


def _tick_money(value: float) -> str:
    return _ui(re.sub(r"\.0(?=[KMBT])", "", money(value)))  # $20B rather than $20.0B


def _tick_pct(value: float) -> str:
    return _ui(pct(value, 0))


# --- Charts -----------------------------------------------------------------------------------


def revenue_by_decade_chart(performance: pd.DataFrame, stacked_genres: int, share: bool) -> str:
    """Stacked columns: each decade's revenue split by primary genre (or as shares of it)."""
    perf = performance.assign(decade=performance["decade"].astype(int))
    totals = perf.groupby("primary_genre")["revenue_usd"].sum().sort_values(ascending=False)
    named = [g for g in totals.index[:stacked_genres] if totals[g] > 0]
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(named)}
    column = "market_share" if share else "revenue_usd"
    stacks = []
    for decade, rows in perf.groupby("decade"):
        other = ~rows["primary_genre"].isin(named)
        parts = [(g, rows.loc[rows["primary_genre"] == g]) for g in named]
        parts = [(g, float(r[column].sum()), int(r["films"].sum())) for g, r in parts]
        parts.append(
            (
                "Other genres",
                float(rows.loc[other, column].sum()),
                int(rows.loc[other, "films"].sum()),
            )
        )
        stacks.append((decade, parts))
    width, height, left, right, top, bottom = 1100, 430, 78, 20, 20, 330
    peak = 1.0 if share else max(sum(p[1] for p in parts) for _, parts in stacks)
    ticks = nice_ticks(0, peak or 1.0)
    y = Scale(0, ticks[-1], bottom, top)
    body = svg.y_axis(y, ticks, left, width - right, _tick_pct if share else _tick_money)
    band = (width - left - right) / len(stacks)
    for i, (decade, parts) in enumerate(stacks):
        x, w, base = left + (i + 0.18) * band, band * 0.64, 0.0
        for genre, value, films in parts:
            if value > 0:
                shown = pct(value) if share else money(value)
                tip = _ui(f"{decade_label(decade)} · {genre}: {shown} ({films_label(films)})")
                body.append(
                    svg.rect(
                        x,
                        y(base + value),
                        w,
                        y(base) - y(base + value),
                        colours.get(genre, OTHER),
                        tip,
                        stroke="#FFFFFF",
                    )
                )
                base += value
        if not share:
            body.append(
                svg.text(
                    x + w / 2, y(base) - 6, _tick_money(base), anchor="middle", size=11, fill=MUTED
                )
            )
        body.append(svg.text(x + w / 2, bottom + 18, decade_label(decade), anchor="middle"))
    body.append(svg.axis_title(left + (width - left - right) / 2, bottom + 40, "Decade of release"))
    body.append(
        svg.axis_title(
            16,
            (top + bottom) / 2,
            "Share of decade revenue" if share else "Revenue (US dollars)",
            rotate=-90,
        )
    )
    legend = [(g, colours[g]) for g in named]
    if len(totals) > len(named):
        legend.append(("Other genres", OTHER))
    body += svg.legend(legend, left, bottom + 66, width - left - right)
    title = (
        "Share of each decade's revenue by primary genre"
        if share
        else "Box-office revenue by decade and primary genre"
    )
    name = "revenue-share-by-decade" if share else "revenue-by-decade"
    return svg.svg(name, title, width, height, body)


def _bar_rows(count: int, row: int, top: int) -> tuple[int, int]:
    """Height of a horizontal bar chart with ``count`` rows, and the y of its value axis."""
    return top + row * count + 50, top + row * count


def _colour(g, pick: str | None) -> str:
    return PICK if g.genre == pick else MET if g.meets_bar else UNMET


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
    body = svg.x_axis(x, ticks, top - 6, bottom, _tick_money)
    for i, (g, note) in enumerate(zip(data.itertuples(), notes, strict=True)):
        y0 = top + i * row
        body.append(svg.text(left - 10, y0 + 19, html.escape(g.genre), anchor="end"))
        body.append(
            svg.rect(
                x(0),
                y0 + 4,
                x(g.revenue_recent) - x(0),
                12,
                MET,
                _ui(f"{g.genre}: actual {money(g.revenue_recent)}"),
            )
        )
        body.append(
            svg.rect(
                x(0),
                y0 + 17,
                x(g.projected_revenue_recent) - x(0),
                12,
                "#FFFFFF",
                _ui(f"{g.genre}: projected {money(g.projected_revenue_recent)}"),
                stroke=MUTED,
                dash="3 2",
            )
        )
        end = max(x(g.revenue_recent), x(g.projected_revenue_recent))
        colour = GAIN if g.outperformance_recent >= 0 else LOSS
        body.append(svg.text(end + 8, y0 + 20, _ui(note), fill=colour, weight="600"))
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
    body = svg.x_axis(x, ticks, top - 4, bottom, _tick_pct)
    for i, g in enumerate(data.itertuples()):
        y0, share = top + i * row, g.market_share_recent
        body.append(svg.text(left - 8, y0 + 15, html.escape(g.genre), anchor="end"))
        body.append(
            svg.rect(
                x(0),
                y0 + 4,
                x(share) - x(0),
                15,
                _colour(g, pick),
                _ui(f"{g.genre}: {pct(share)} of revenue in {window}"),
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
    values = [v for v in [*data["avg_profit"], baseline, 0.0] if not _missing(v)]
    ticks = nice_ticks(min(values), max(values), 4)
    x = Scale(ticks[0], ticks[-1], left, width - right)
    body = svg.x_axis(x, ticks, top - 4, bottom, _tick_money)
    for i, g in enumerate(data.itertuples()):
        y0, figures = top + i * row, f"{money(g.avg_profit)} · {films_label(g.films)}"
        body.append(svg.text(left - 8, y0 + 15, html.escape(g.genre), anchor="end"))
        body.append(
            svg.rect(
                x(0),
                y0 + 4,
                x(g.avg_profit) - x(0),
                15,
                _colour(g, pick),
                _ui(f"{g.genre}: {money(g.avg_profit)} average profit over {films_label(g.films)}"),
            )
        )
        body.append(svg.text(width - 4, y0 + 16, _ui(figures), anchor="end", size=11, fill=MUTED))
    if not _missing(baseline):
        body += svg.reference(x(baseline), top, bottom, _ui(f"all films: {money(baseline)}"))
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


def _roi_range(data: pd.DataFrame) -> tuple[float, float]:
    """The ROI axis: every dot and whisker, except whiskers far above the others (one genre's
    90th percentile at 4,000% would flatten the rest); those are drawn cut off."""
    dots, highs = data["roi_recent"], data["roi_p90"].fillna(data["roi_recent"])
    low = float(min(data["roi_p10"].fillna(data["roi_recent"]).min(), dots.min(), 0.0))
    high = float(max(highs.max(), dots.max()))
    cap = max(float(dots.max()), 2.5 * float(highs.median()))
    return low, cap if high > 1.15 * cap else high


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
        marks.append(svg.text(x + 8, y90 + 10, _ui(f"p90 {pct(g.roi_p90)}"), size=11, fill=MUTED))
    else:
        marks.append(svg.line(x - 6, y90, x + 6, y90, stroke=colour, width=2))
    if not _missing(g.roi_p50):
        marks.append(svg.line(x - 4, y(g.roi_p50), x + 4, y(g.roi_p50), stroke=svg.INK, width=2))
    tip = _ui(
        f"{g.genre}: per-film ROI {pct(g.roi_p10)} (p10) to {pct(g.roi_p90)} (p90), "
        f"median {pct(g.roi_p50)}"
    )
    return f'<g class="mark whisker"><title>{tip}</title>{"".join(marks)}</g>'


def budget_roi_chart(genres: pd.DataFrame, min_films: int, pick: str | None, window: str) -> str:
    """Average budget against ROI in the recent window; whiskers from the 10th to the 90th
    percentile of per-film ROI over all decades; dot area by the window's film count."""
    data = genres[
        (genres["films"] >= min_films)
        & genres["avg_budget_recent"].notna()
        & genres["roi_recent"].notna()
    ]
    width, height, left, right, top, bottom = 1100, 470, 86, 30, 24, 400
    title = f"Budget against ROI, {window}"
    if data.empty:
        note = "No genre of this size has films in the recent window."
        return svg.svg(
            "budget-roi",
            title,
            width,
            120,
            [svg.text(width / 2, 60, note, anchor="middle", size=14, fill=MUTED)],
        )
    y_ticks = nice_ticks(*_roi_range(data), 8)
    x_ticks = nice_ticks(0, float(data["avg_budget_recent"].max()) * 1.08, 6)
    x = Scale(x_ticks[0], x_ticks[-1], left, width - right)
    y = Scale(y_ticks[0], y_ticks[-1], bottom, top)
    body = svg.y_axis(y, y_ticks, left, width - right, _tick_pct)
    body += svg.x_axis(x, x_ticks, bottom, bottom, _tick_money)
    body.append(svg.text(left + 6, y(0) - 6, "break-even", size=11, fill=MUTED))
    points, biggest = [], max(int(data["films_recent"].max()), 1)
    for g in data.sort_values(["films_recent", "genre"], ascending=[False, True]).itertuples():
        px, py, colour = x(g.avg_budget_recent), y(g.roi_recent), _colour(g, pick)
        if not (_missing(g.roi_p10) or _missing(g.roi_p90)):
            body.append(_whisker(g, px, y, y_ticks[-1], colour))
        radius = 4 + 10 * math.sqrt(g.films_recent / biggest)
        tip = _ui(
            f"{g.genre}: average budget {money(g.avg_budget_recent)}, ROI "
            f"{pct(g.roi_recent)} ({films_label(g.films_recent)} in {window})"
        )
        body.append(
            f'<circle class="mark dot" cx="{svg.f(px)}" cy="{svg.f(py)}" '
            f'r="{svg.f(radius)}" fill="{colour}" fill-opacity="0.85" stroke="#FFFFFF" '
            f'stroke-width="1.5"><title>{tip}</title></circle>'
        )
        points.append((px, py, radius, g.genre))
    for lx, ly, anchor, label in svg.place_labels(points, (left, width - right, top, bottom)):
        body.append(svg.text(lx, ly, html.escape(label), anchor=anchor, weight="600"))
    body.append(
        svg.axis_title(
            left + (width - left - right) / 2,
            bottom + 36,
            f"Average budget per film, {html.escape(window)} (US dollars)",
        )
    )
    body.append(
        svg.axis_title(18, (top + bottom) / 2, "Return on investment (profit ÷ budget)", rotate=-90)
    )
    return svg.svg("budget-roi", title, width, height, body)


# --- Tables and sections ----------------------------------------------------------------------

# top_movies_by_decade's rankings: table caption, value column, value format.
RANKINGS = {
    "revenue": ("Highest revenue", "Revenue", money),
    "profit": ("Highest profit", "Profit", money),
    "roi": ("Best return (ROI)", "ROI", pct),
    "rating": ("Best rated by MovieLens users", "Rating", lambda v: f"{v:.2f} / 5"),
}


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
                f"<td class=num>{_ui(fmt(r.metric_value))}</td></tr>"
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


def data_table(frame: pd.DataFrame, columns: dict[str, tuple[str, Callable]]) -> str:
    """The figures behind a chart, as an accessible table in a closed <details>."""
    head = "".join(f'<th scope="col">{html.escape(t)}</th>' for t, _ in columns.values())
    rows = "".join(
        "<tr>" + "".join(f"<td>{_ui(fmt(r[c]))}</td>" for c, (_, fmt) in columns.items()) + "</tr>"
        for _, r in frame.iterrows()
    )
    return (
        '<details class="data"><summary>Show the figures</summary><table class="figures">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></details>"
    )


def genre_frame(insights: dict) -> pd.DataFrame:
    """insights.json's genres, one row per genre (missing figures as NaN), flagged with
    whether each clears the recommendation's bar."""
    recommendation = insights.get("recommendation") or {}
    eligible = set(recommendation.get("eligible_genres") or [])
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
    return (
        f'<div class="tile"><div class="tile-label">{label}</div>'
        f'<div class="tile-value">{_ui(value)}</div><div class="tile-note">{_ui(note)}</div>'
        "</div>"
    )


def recommendation_section(insights: dict, window: str) -> str:
    """The decision in words, then the figures that support it."""
    rec = insights.get("recommendation") or {}
    reason = f'<p class="reason">{_ui(rec.get("reason") or "")}</p>'
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


def _figure(title: str, note: str, chart: str, extra: str = "", wide: bool = True) -> str:
    return (
        f'<figure class="card{" wide" * wide}"><figcaption><h3>{_ui(title)}</h3>'
        f"<p>{_ui(note)}</p></figcaption>{chart}{extra}</figure>"
    )


def _chart_cards(insights: dict, genres: pd.DataFrame, perf: pd.DataFrame, options: dict) -> str:
    rec = insights["recommendation"]
    pick, criteria = rec.get("genre"), rec.get("criteria") or {}
    min_films = int(criteria.get("min_films", 0))
    min_share = float(criteria.get("min_market_share", 0.0))
    window = window_label(insights["recent_decades"])
    stacked = int(options["stacked_genres"])
    key = (
        f'<p class="key"><span class="chip" style="background:{PICK}"></span>recommended'
        f'<span class="chip" style="background:{MET}"></span>clears the bar'
        f'<span class="chip" style="background:{UNMET}"></span>below the bar</p>'
    )
    genre_cols = {"genre": ("Genre", str), "films": ("Films", lambda v: f"{v:,}")}
    return "".join(
        [
            _figure(
                "Revenue by decade",
                "Every film counts once, under its primary genre. Hover a block for its figures.",
                revenue_by_decade_chart(perf, stacked, share=False),
            ),
            _figure(
                "Each genre's share of its decade",
                "The same revenue as shares of each decade, so that early decades are readable.",
                revenue_by_decade_chart(perf, stacked, share=True),
            ),
            _figure(
                f"Actual against projected revenue, {window}",
                "Projection: the genre's revenue in the previous decade, grown like the whole "
                "market. Above the projection means the genre gained ground.",
                actual_vs_projected_chart(genres, window),
                data_table(
                    genres.sort_values("revenue_recent", ascending=False),
                    {
                        **genre_cols,
                        "revenue_recent": ("Actual", money),
                        "projected_revenue_recent": ("Projected", money),
                        "outperformance_recent": ("Difference", signed_money),
                    },
                ),
            ),
            _figure(
                f"Market share, {window}",
                "Share of the window's box-office revenue. To be "
                f"recommended a genre needs {pct(min_share, 0)} of it (dashed line) and at "
                f"least {films_label(min_films)}.",
                market_share_chart(genres, min_share, pick, window),
                key,
                wide=False,
            ),
            _figure(
                "Average profit per film",
                "Over all decades; the dashed line is the average "
                "film. Genres with few films are noisy.",
                avg_profit_chart(genres, insights["baseline_avg_profit"], pick),
                key,
                wide=False,
            ),
            _figure(
                f"Budget against return, {window}",
                f"Dot: ROI of the genre's films in {window} (total profit ÷ total budget), area "
                "by film count. Whisker: 10th to 90th percentile of per-film ROI over all "
                f"decades, tick at the median. Genres with fewer than {films_label(min_films)} "
                "are left out.",
                budget_roi_chart(genres, min_films, pick, window),
                data_table(
                    genres.sort_values("films", ascending=False),
                    {
                        **genre_cols,
                        "avg_budget_recent": ("Avg budget (recent)", money),
                        "roi_recent": ("ROI (recent)", pct),
                        "others_roi_recent": ("ROI of other genres", pct),
                        "loss_rate": ("Films that lost money", pct),
                        "roi_p10": ("ROI p10", pct),
                        "roi_p50": ("ROI median", pct),
                        "roi_p90": ("ROI p90", pct),
                    },
                ),
            ),
        ]
    )


def render_dashboard(
    insights: dict,
    genre_decade_performance: pd.DataFrame,
    top_movies_by_decade: pd.DataFrame,
    options: dict,
    generated_at: str,
) -> str:
    """The whole page as one HTML string."""
    genres = genre_frame(insights)
    perf = genre_decade_performance.rename(columns=str.lower)
    window = window_label(insights.get("recent_decades") or [])
    if genres.empty or perf.empty:
        cards = '<p class="note">No film is in the financial universe: nothing to chart.</p>'
    else:
        cards = _chart_cards(insights, genres, perf, options)
    per_ranking = int(options["top_films_per_ranking"])
    return PAGE.format(
        css=CSS,
        films=f"{int(insights.get('films') or 0):,}",
        genres=len(genres),
        window=html.escape(window),
        pick=recommendation_section(insights, window),
        cards=cards,
        per_ranking=per_ranking,
        top=top_films_section(
            top_movies_by_decade.rename(columns=str.lower),
            per_ranking,
            int(options["open_decades"]),
        ),
        generated_at=html.escape(generated_at),
    )
