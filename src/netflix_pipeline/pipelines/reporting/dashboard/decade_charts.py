"""Revenue by decade: stacked columns of each decade's revenue, split by primary genre.

The largest genres over all decades get their own colour; the rest stack as "Other genres".
"""

from __future__ import annotations

import pandas as pd

from ..formatting import decade_label, films_label, money, pct
from . import svg
from .palette import OTHER, PALETTE
from .svg import MUTED, Scale, nice_ticks
from .text import tick_money, tick_pct, ui

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 1100, 430, 78, 20, 20, 330

# One decade's column: (genre, value, films) per stacked genre, "Other genres" last.
Stack = tuple[int, list[tuple[str, float, int]]]


def revenue_by_decade_chart(performance: pd.DataFrame, stacked_genres: int, share: bool) -> str:
    """Stacked columns: each decade's revenue split by primary genre (or as shares of it)."""
    perf = performance.assign(decade=performance["decade"].astype(int))
    totals = perf.groupby("primary_genre")["revenue_usd"].sum().sort_values(ascending=False)
    named = [g for g in totals.index[:stacked_genres] if totals[g] > 0]
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(named)}
    stacks = _stacks(perf, named, "market_share" if share else "revenue_usd")
    peak = 1.0 if share else max(sum(p[1] for p in parts) for _, parts in stacks)
    ticks = nice_ticks(0, peak or 1.0)
    y = Scale(0, ticks[-1], BOTTOM, TOP)
    body = svg.y_axis(y, ticks, LEFT, WIDTH - RIGHT, tick_pct if share else tick_money)
    body += _columns(stacks, y, colours, share)
    body.append(svg.axis_title(LEFT + (WIDTH - LEFT - RIGHT) / 2, BOTTOM + 40, "Decade of release"))
    body.append(
        svg.axis_title(
            16,
            (TOP + BOTTOM) / 2,
            "Share of decade revenue" if share else "Revenue (US dollars)",
            rotate=-90,
        )
    )
    legend = [(g, colours[g]) for g in named]
    if len(totals) > len(named):
        legend.append(("Other genres", OTHER))
    body += svg.legend(legend, LEFT, BOTTOM + 66, WIDTH - LEFT - RIGHT)
    title = (
        "Share of each decade's revenue by primary genre"
        if share
        else "Box-office revenue by decade and primary genre"
    )
    name = "revenue-share-by-decade" if share else "revenue-by-decade"
    return svg.svg(name, title, WIDTH, HEIGHT, body)


def _stacks(perf: pd.DataFrame, named: list[str], column: str) -> list[Stack]:
    """Each decade's ``column`` and film count per named genre, then for all other genres."""
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
    return stacks


def _columns(stacks: list[Stack], y: Scale, colours: dict[str, str], share: bool) -> list[str]:
    """One column of blocks per decade, its total on top (for revenue) and its label below."""
    body = []
    band = (WIDTH - LEFT - RIGHT) / len(stacks)
    for i, (decade, parts) in enumerate(stacks):
        x, w, base = LEFT + (i + 0.18) * band, band * 0.64, 0.0
        for genre, value, films in parts:
            if value > 0:
                shown = pct(value) if share else money(value)
                tip = ui(f"{decade_label(decade)} · {genre}: {shown} ({films_label(films)})")
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
                    x + w / 2, y(base) - 6, tick_money(base), anchor="middle", size=11, fill=MUTED
                )
            )
        body.append(svg.text(x + w / 2, BOTTOM + 18, decade_label(decade), anchor="middle"))
    return body
