"""The recommendation rule and its words: which genre to back, why, and the terminal summary.

Pure functions on insights.json's genre figures (which come from the ``genre_scorecard`` mart);
nothing here computes a figure.
"""

from __future__ import annotations

import textwrap

from .formatting import films_label, money, pct, window_label


def recommend(
    genres: dict[str, dict],
    baseline: float | None,
    recent: list[int],
    min_films: int,
    min_share: float,
) -> dict:
    """The genre with the highest average profit among those with at least ``min_films`` films
    and ``min_share`` of the recent window's revenue; if none qualifies, among all genres, and
    the reason says so. Ties go to the genre with more films, then to the first name."""
    criteria = {"min_films": min_films, "min_market_share": min_share}
    eligible = sorted(
        n
        for n, g in genres.items()
        if g["films"] >= min_films and (g["market_share_recent"] or 0) >= min_share
    )
    pool = eligible or sorted(genres)
    if not pool:
        return {
            "genre": None,
            "reason": "No film is in the financial universe, so no genre can be recommended.",
            "eligible_genres": [],
            "relaxed": False,
            "criteria": criteria,
        }
    ranked = sorted(pool, key=lambda n: (-genres[n]["avg_profit"], -genres[n]["films"], n))
    bar = f"at least {films_label(min_films)} and {pct(min_share)} of recent revenue"
    g = genres[ranked[0]]
    reason = (
        _why(ranked, genres, eligible, bar, baseline)
        + _recent_performance(g, window_label(recent))
        + _risk(g)
    )
    return {
        "genre": ranked[0],
        "reason": reason,
        "eligible_genres": eligible,
        "relaxed": not eligible,
        "criteria": criteria,
    }


def _why(
    ranked: list[str],
    genres: dict[str, dict],
    eligible: list[str],
    bar: str,
    baseline: float | None,
) -> str:
    """The first sentence: the pick's average profit, among which genres, and the runner-up."""
    name, g = ranked[0], genres[ranked[0]]
    runner = (
        f" (next: {ranked[1]}, {money(genres[ranked[1]]['avg_profit'])})" if len(ranked) > 1 else ""
    )
    among = (
        f"of the {len(eligible)} genres with {bar}"
        if eligible
        else f"of all genres, as none has {bar}; treat this as a weak signal"
    )
    return (
        f"{name} earns the highest average profit per film {among}: "
        f"{money(g['avg_profit'])} against {money(baseline)} for all films{runner}."
    )


def _recent_performance(g: dict, window: str) -> str:
    """How the pick did in the recent window, against its projection and the other genres."""
    if not g["films_recent"]:
        return f" It has no film in {window}, so its recent performance is unknown."
    out = g["outperformance_recent"] or 0
    return (
        f" In {window} it took {pct(g['market_share_recent'])} of revenue and "
        f"{'beat' if out >= 0 else 'fell short of'} its projection by {money(abs(out))}; "
        f"its ROI was {pct(g['roi_recent'])} against {pct(g['others_roi_recent'])} for other "
        f"genres, on an average budget of {money(g['avg_budget_recent'])} against "
        f"{money(g['others_avg_budget_recent'])}."
    )


def _risk(g: dict) -> str:
    """The pick's share of loss-making films and the spread of its per-film ROI."""
    return (
        f" Risk: {pct(g['loss_rate'])} of its {films_label(g['films'])} lost money, and "
        f"per-film ROI ranges from {pct(g['roi_p10'])} to {pct(g['roi_p90'])} "
        f"(10th to 90th percentile, median {pct(g['roi_p50'])})."
    )


def summary_table(insights: dict, rows: int) -> str:
    """A plain-text table of the leading genres and the recommendation, for the terminal."""
    rec = insights["recommendation"]
    min_films = rec["criteria"]["min_films"]
    eligible = set(rec["eligible_genres"])
    genres = sorted(
        ((n, g) for n, g in insights["genres"].items() if g["films"] >= min_films),
        key=lambda item: (-item[1]["avg_profit"], item[0]),
    )
    head = ("", "Genre", "Films", "Avg profit", "Recent share", "Recent ROI", "vs projection")
    body = [
        (
            ">" if n == rec["genre"] else "+" if n in eligible else "",
            n,
            f"{g['films']:,}",
            money(g["avg_profit"]),
            pct(g["market_share_recent"]),
            pct(g["roi_recent"]),
            ("+" if (g["outperformance_recent"] or 0) > 0 else "")
            + money(g["outperformance_recent"]),
        )
        for n, g in genres[:rows]
    ]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    fmt = [f"{{:<{w}}}" if i < 2 else f"{{:>{w}}}" for i, w in enumerate(widths)]
    lines = [
        "  ".join(f.format(c) for f, c in zip(fmt, r, strict=True)).rstrip() for r in [head, *body]
    ]
    hidden = len(insights["genres"]) - len(body)
    criteria = (
        f"{min_films:,}+ films and {pct(rec['criteria']['min_market_share'])}+ of recent revenue"
    )
    return "\n".join(
        [
            f"Genres by average profit per film ({films_label(insights['films'])}, baseline "
            f"{money(insights['baseline_avg_profit'])}, recent window "
            f"{window_label(insights['recent_decades'])})",
            lines[0],
            "  ".join("-" * w if i else " " * w for i, w in enumerate(widths)),
            *lines[1:],
            f"> recommended  + meets the bar ({criteria})"
            + (f"; {hidden} more genre{'s' if hidden > 1 else ''} not shown" if hidden else ""),
            "",
            f"Recommendation: {rec['genre'] or 'none'}",
            *textwrap.wrap(rec["reason"], 100),
        ]
    )
