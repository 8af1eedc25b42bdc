"""Reporting nodes on tiny frames: the scorecard as JSON, the recommendation, exports, summary."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from conftest import DESIGN_GENRE_KEYS

from netflix_pipeline.pipelines.reporting.nodes import (
    build_insights,
    export_marts,
    print_summary,
)
from netflix_pipeline.pipelines.reporting.recommendation import recommend, summary_table

PARAMS = {"min_films": 30, "min_market_share": 0.10}


def scorecard_row(genre: str, films: int, share: float, avg_profit: float, **extra) -> dict:
    """One genre_scorecard row as the warehouse returns it (upper-case columns)."""
    recent = extra.pop("films_recent", films // 2)
    row = {
        "PRIMARY_GENRE": genre,
        "FILMS": films,
        "FILMS_RECENT": recent,
        "REVENUE_RECENT_USD": 1e9 * share,
        "PROJECTED_REVENUE_RECENT_USD": 0.9e9 * share,
        "OUTPERFORMANCE_RECENT_USD": 0.1e9 * share,
        "MARKET_SHARE_RECENT": share,
        "AVG_PROFIT_USD": avg_profit,
        "BASELINE_AVG_PROFIT_USD": 50e6,
        "AVG_BUDGET_RECENT_USD": 40e6 if recent else None,
        "AVG_REVENUE_RECENT_USD": 120e6 if recent else None,
        "ROI_RECENT": 2.0 if recent else None,
        "OTHERS_AVG_BUDGET_RECENT_USD": 30e6,
        "OTHERS_AVG_REVENUE_RECENT_USD": 90e6,
        "OTHERS_ROI_RECENT": 1.5,
        "LOSS_RATE": 0.2,
        "ROI_P10": -0.5,
        "ROI_P50": 1.0,
        "ROI_P90": 4.0,
        "RECENT_FROM_DECADE": 2000.0,
        "RECENT_TO_DECADE": 2010.0,
    }
    row.update({k.upper(): v for k, v in extra.items()})
    return row


def scorecard(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_insights_carry_the_design_keys_as_plain_json_numbers():
    card = scorecard(
        scorecard_row("Action", 40, 0.6, 90e6),
        scorecard_row("Western", 35, 0.0, 10e6, films_recent=0),
    ).astype({"FILMS": "int64", "MARKET_SHARE_RECENT": "float64"})
    insights = build_insights(card, {}, PARAMS)
    assert insights["films"] == 75
    assert insights["recent_decades"] == [2000, 2010]
    assert insights["baseline_avg_profit"] == 50e6
    western = insights["genres"]["Western"]
    assert western["avg_budget_recent"] is None and western["roi_recent"] is None
    assert western["market_share_recent"] == 0.0
    assert set(western) >= DESIGN_GENRE_KEYS
    # Strict JSON: no NaN, no numpy scalars.
    text = json.dumps(insights, allow_nan=False)
    assert json.loads(text) == insights
    assert type(insights["genres"]["Action"]["films"]) is int
    assert list(insights["genres"]) == ["Action", "Western"]  # by recent share


def test_decimal_and_numpy_values_from_the_warehouse_become_json_numbers():
    card = scorecard(scorecard_row("Drama", 31, 0.5, 1e6))
    card = card.assign(AVG_PROFIT_USD=[Decimal("123.5")], FILMS=[np.int64(31)], ROI_P90=[np.nan])
    drama = build_insights(card, {}, PARAMS)["genres"]["Drama"]
    assert drama["avg_profit"] == 123.5 and isinstance(drama["avg_profit"], float)
    assert drama["films"] == 31 and drama["roi_p90"] is None


def test_one_decade_gives_a_one_decade_window():
    card = scorecard(
        scorecard_row("Drama", 31, 1.0, 1e6, recent_from_decade=2010, recent_to_decade=2010)
    )
    insights = build_insights(card, {}, PARAMS)
    assert insights["recent_decades"] == [2010]
    assert "In the 2010s it took 100.0% of revenue" in insights["recommendation"]["reason"]


def test_an_empty_universe_gives_an_empty_report_and_no_genre():
    insights = build_insights(scorecard(scorecard_row("X", 1, 1, 1)).iloc[0:0], {}, PARAMS)
    assert insights["films"] == 0 and insights["genres"] == {}
    assert insights["recent_decades"] == [] and insights["baseline_avg_profit"] is None
    assert insights["recommendation"]["genre"] is None
    assert "No film" in insights["recommendation"]["reason"]


def test_a_scorecard_without_the_expected_columns_is_refused_by_name():
    card = scorecard(scorecard_row("Drama", 31, 0.5, 1e6)).drop(columns=["ROI_P90", "FILMS"])
    with pytest.raises(ValueError, match=r"genre_scorecard lacks columns .*\['films', 'roi_p90'\]"):
        build_insights(card, {}, PARAMS)


def genres_for(*rows: dict) -> dict:
    return build_insights(scorecard(*rows), {}, PARAMS)["genres"]


def test_recommendation_needs_enough_films_and_share():
    genres = genres_for(
        scorecard_row("Tiny", 5, 0.5, 500e6),  # most profitable, too few films
        scorecard_row("Niche", 100, 0.05, 300e6),  # too small a share
        scorecard_row("Solid", 100, 0.10, 120e6),  # exactly on the bar: in
        scorecard_row("Big", 300, 0.35, 80e6),
    )
    rec = recommend(genres, 50e6, [2000, 2010], 30, 0.10)
    assert rec["genre"] == "Solid"
    assert rec["eligible_genres"] == ["Big", "Solid"]
    assert rec["relaxed"] is False
    assert rec["reason"].startswith(
        "Solid earns the highest average profit per film of the 2 genres with at least 30 films "
        "and 10.0% of recent revenue: $120.0M against $50.0M for all films (next: Big, $80.0M)."
    )
    assert "Risk: 20.0% of its 100 films lost money" in rec["reason"]
    assert "from -50.0% to 400.0% (10th to 90th percentile, median 100.0%)" in rec["reason"]


def test_ties_go_to_the_bigger_genre_then_the_name():
    genres = genres_for(
        scorecard_row("B", 50, 0.3, 100e6),
        scorecard_row("A", 50, 0.3, 100e6),
        scorecard_row("C", 60, 0.3, 100e6),
    )
    assert recommend(genres, 0.0, [2010], 30, 0.1)["genre"] == "C"
    genres.pop("C")
    assert recommend(genres, 0.0, [2010], 30, 0.1)["genre"] == "A"


def test_when_no_genre_clears_the_bar_the_reason_says_so():
    genres = genres_for(scorecard_row("Drama", 3, 0.6, 10e6), scorecard_row("Horror", 2, 0.4, 20e6))
    rec = recommend(genres, 15e6, [2000, 2010], 30, 0.10)
    assert rec["genre"] == "Horror" and rec["relaxed"] is True and rec["eligible_genres"] == []
    assert "of all genres, as none has at least 30 films" in rec["reason"]
    assert "weak signal" in rec["reason"]


def test_a_pick_without_recent_films_is_worded_without_recent_figures():
    genres = genres_for(scorecard_row("Western", 40, 0.0, 90e6, films_recent=0))
    rec = recommend(genres, 15e6, [2000, 2010], 30, 0.0)
    assert rec["genre"] == "Western"
    assert "It has no film in the 2000s and 2010s" in rec["reason"]
    assert "n/a" not in rec["reason"]


def test_shortfall_against_the_projection_is_worded_as_such():
    genres = genres_for(scorecard_row("Drama", 40, 0.5, 90e6, outperformance_recent_usd=-2.5e9))
    assert (
        "fell short of its projection by $2.5B"
        in recommend(genres, 1.0, [2000, 2010], 30, 0.1)["reason"]
    )


def test_exports_lower_case_columns_and_show_whole_numbers_as_integers():
    fct = pd.DataFrame(
        {
            "FILM_ID": [1.0, 2.0],
            "DECADE": [1990.0, 2000.0],
            "ROI": [1.0, 2.0],
            "RATING_COUNT": [3.0, np.nan],
            "REVENUE_USD": [5.0, 6.0],
        }
    )
    other = pd.DataFrame({"DECADE": [1990.5]})  # not whole: left alone
    exported = export_marts({}, fct, other, other, other)
    assert list(exported[0].columns) == ["film_id", "decade", "roi", "rating_count", "revenue_usd"]
    assert str(exported[0]["decade"].dtype) == "Int64"
    assert str(exported[0]["rating_count"].dtype) == "Int64"
    assert exported[0]["roi"].dtype == float and exported[0]["revenue_usd"].dtype == float
    assert exported[1]["decade"].tolist() == [1990.5]
    assert list(fct.columns)[0] == "FILM_ID"  # the input is not changed


def test_summary_table_lists_big_genres_by_profit_and_marks_the_pick(capsys):
    insights = build_insights(
        scorecard(
            scorecard_row("Tiny", 5, 0.05, 500e6),
            scorecard_row("Big", 300, 0.55, 80e6),
            scorecard_row("Solid", 100, 0.15, 120e6),
            scorecard_row("Niche", 100, 0.05, 300e6),
        ),
        {},
        PARAMS,
    )
    table = summary_table(insights, rows=8)
    lines = table.splitlines()
    assert lines[0].startswith("Genres by average profit per film (505 films, baseline $50.0M")
    assert [line.split()[:2] for line in lines[3:6]] == [
        ["Niche", "100"],
        [">", "Solid"],
        ["+", "Big"],
    ]
    assert "$300.0M" in lines[3] and "55.0%" in lines[5]
    assert "; 1 more genre not shown" in table
    assert "Recommendation: Solid" in table
    print_summary(insights, "<html>", rows=2)
    out = capsys.readouterr().out
    assert "Niche" in out and "Solid" in out and "Big" not in out.split("Recommendation")[0]


def test_no_table_is_printed_with_zero_rows(capsys, caplog):
    insights = build_insights(scorecard(scorecard_row("Big", 300, 1.0, 80e6)), {}, PARAMS)
    with caplog.at_level("INFO"):
        print_summary(insights, "<html>", rows=0)
    assert capsys.readouterr().out == ""
    assert "Recommendation: Big (average profit $80.0M, recent share 100.0%)" in caplog.text


def test_money_and_percentages_read_like_a_report():
    from netflix_pipeline.pipelines.reporting.formatting import money, pct

    assert money(89.2e9) == "$89.2B"
    assert money(412e6) == "$412.0M"
    assert money(-3.14e6) == "-$3.1M"
    assert money(999.96e6) == "$1.0B"  # not $1000.0M
    assert money(950) == "$950"
    assert money(None) == "n/a" and money(math.nan) == "n/a"
    assert pct(0.289) == "28.9%"
    assert pct(-0.635) == "-63.5%"
    assert pct(100.758) == "10,076%"
    assert pct(None) == "n/a"


@pytest.mark.parametrize("rows", [0, 1])
def test_summary_table_with_no_or_one_row(rows):
    insights = build_insights(scorecard(scorecard_row("Big", 300, 1.0, 80e6)), {}, PARAMS)
    assert "Recommendation: Big" in summary_table(insights, rows)
