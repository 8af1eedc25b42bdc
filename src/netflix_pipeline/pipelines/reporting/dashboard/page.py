"""The dashboard page: insights.json and the mart exports laid out as one HTML string."""

from __future__ import annotations

import html

import pandas as pd

from ..formatting import window_label
from .cards import chart_cards
from .sections import recommendation_section, top_films_section
from .template import CSS, PAGE


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
        cards = chart_cards(insights, genres, perf, options)
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
