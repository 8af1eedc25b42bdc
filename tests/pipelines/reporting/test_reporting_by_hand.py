"""insights.json against figures computed by hand, on a dozen films across three decades.

The whole default pipeline runs once (module scope) on raw CSVs written here in the DESIGN §3
layout. Every expected figure below is a literal with the arithmetic that gives it, following
DESIGN §4 by hand (money in millions of US dollars unless written out).

The films (B = budget, R = revenue, P = profit = R - B, ROI = P / B):

    id   year  B    R    P     ROI   genres (TMDB; MovieLens)              primary
    101  1985  10   30   20    2.0   Action; Action|Adventure              Action
    102  1987  5    15   10    2.0   Comedy                                Comedy
    103  1989  2    202  200   100   Western                               Western
    201  2003  50   150  100   2.0   Adventure, Action                     Action
    202  2005  20   60   40    2.0   Comedy; Comedy                        Comedy
    203  2007  10   30   20    2.0   Drama                                 Drama
    204  2008  10   5    -5    -0.5  (none); Comedy|Romance                Comedy
    301  2012  100  400  300   3.0   Action                                Action
    302  2014  60   30   -30   -0.5  Action; Action|Sci-Fi                 Action
    303  2016  20   100  80    4.0   Comedy, Family                        Comedy
    304  2018  40   60   20    0.5   Drama, Romance                        Drama
    305  2019  30   90   60    2.0   Science Fiction; Sci-Fi|IMAX          Science Fiction

Outside the financial universe: 401 (budget 0), 402 (no release date), 403 (revenue 0).
Decades present: 1980, 2000, 2010 -> recent window [2000, 2010]; 1990 has no film, so the
2000s project 0 and only the 2010s carry a projection.

Revenue per decade, all genres: 1980: 30+15+202 = 247; 2000: 150+60+30+5 = 245;
2010: 400+30+100+60+90 = 680. Growth 2000 -> 2010: 680 / 245.
Recent window totals (9 films): revenue 245+680 = 925; budget (50+20+10+10)+(100+60+20+40+30)
= 90+250 = 340; profit (100+40+20-5)+(300-30+80+20+60) = 155+430 = 585.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from conftest import project_copy, read_json, run_kedro

M = 1_000_000

METADATA = [
    # id, title, release_date, budget, revenue, TMDB genres
    (101, "Alpha", "1985-06-01", 10 * M, 30 * M, ["Action"]),
    (102, "Bravo", "1987-03-15", 5 * M, 15 * M, ["Comedy"]),
    (103, "Charlie", "1989-09-09", 2 * M, 202 * M, ["Western"]),
    (201, "Delta", "2003-05-05", 50 * M, 150 * M, ["Adventure", "Action"]),
    (202, "Echo", "2005-07-07", 20 * M, 60 * M, ["Comedy"]),
    (203, "Foxtrot", "2007-02-02", 10 * M, 30 * M, ["Drama"]),
    (204, "Golf", "2008-08-08", 10 * M, 5 * M, []),
    (301, "Hotel", "2012-04-04", 100 * M, 400 * M, ["Action"]),
    (302, "India", "2014-11-11", 60 * M, 30 * M, ["Action"]),
    (303, "Juliet", "2016-12-12", 20 * M, 100 * M, ["Comedy", "Family"]),
    (304, "Kilo", "2018-01-01", 40 * M, 60 * M, ["Drama", "Romance"]),
    (305, "Lima", "2019-10-10", 30 * M, 90 * M, ["Science Fiction"]),
    (401, "Mike", "2011-01-01", 0, 100 * M, ["Action"]),
    (402, "November", "", 10 * M, 20 * M, ["Comedy"]),
    (403, "Oscar", "2013-01-01", 15 * M, 0, ["Drama"]),
]
MOVIELENS = [
    # movieId, title, genres, tmdbId
    (1, "Alpha (1985)", "Action|Adventure", 101),
    (2, "Echo (2005)", "Comedy", 202),
    (3, "Golf (2008)", "Comedy|Romance", 204),
    (4, "India (2014)", "Action|Sci-Fi", 302),
    (5, "Lima (2019)", "Sci-Fi|IMAX", 305),
    (6, "Unlinked (1999)", "Horror", None),
]
TMDB_IDS = {
    "Action": 28,
    "Adventure": 12,
    "Comedy": 35,
    "Drama": 18,
    "Family": 10751,
    "Romance": 10749,
    "Science Fiction": 878,
    "Western": 37,
}

EXPECTED_GENRES = {
    "Action": {
        "films": 4,  # 101, 201, 301, 302
        "films_recent": 3,
        "revenue_recent": 580 * M,  # 150 + 400 + 30
        "projected_revenue_recent": 150 * M * 680 / 245,  # 0 (2000s) + 150 x 680/245 = 416.33
        "outperformance_recent": 580 * M - 150 * M * 680 / 245,  # 163.67
        "market_share_recent": 580 / 925,  # 0.6270
        "avg_profit": 97.5 * M,  # (20 + 100 + 300 - 30) / 4
        "avg_budget_recent": 70 * M,  # (50 + 100 + 60) / 3
        "avg_revenue_recent": 580 * M / 3,  # 193.33
        "roi_recent": 370 / 210,  # (100 + 300 - 30) / (50 + 100 + 60)
        "others_avg_budget_recent": 130 * M / 6,  # (340 - 210) / (9 - 3)
        "others_avg_revenue_recent": 345 * M / 6,  # (925 - 580) / 6 = 57.5
        "others_roi_recent": 215 / 130,  # (585 - 370) / (340 - 210)
        "loss_rate": 0.25,  # 302 of 4
        "roi_p10": 0.25,  # ROIs -0.5, 2, 2, 3: position 0.3 -> -0.5 + 0.3 x 2.5
        "roi_p50": 2.0,  # position 1.5 -> between 2 and 2
        "roi_p90": 2.7,  # position 2.7 -> 2 + 0.7 x 1
    },
    "Comedy": {
        "films": 4,  # 102, 202, 204, 303
        "films_recent": 3,
        "revenue_recent": 165 * M,  # 60 + 5 + 100
        "projected_revenue_recent": 65 * M * 680 / 245,  # 2000s revenue 60 + 5 -> 180.41
        "outperformance_recent": 165 * M - 65 * M * 680 / 245,  # -15.41
        "market_share_recent": 165 / 925,  # 0.1784
        "avg_profit": 31.25 * M,  # (10 + 40 - 5 + 80) / 4
        "avg_budget_recent": 50 * M / 3,  # (20 + 10 + 20) / 3
        "avg_revenue_recent": 55 * M,  # 165 / 3
        "roi_recent": 2.3,  # (40 - 5 + 80) / 50
        "others_avg_budget_recent": 290 * M / 6,  # (340 - 50) / 6
        "others_avg_revenue_recent": 760 * M / 6,  # (925 - 165) / 6
        "others_roi_recent": 470 / 290,  # (585 - 115) / (340 - 50)
        "loss_rate": 0.25,  # 204
        "roi_p10": 0.25,  # ROIs -0.5, 2, 2, 4: -0.5 + 0.3 x 2.5
        "roi_p50": 2.0,
        "roi_p90": 3.4,  # 2 + 0.7 x 2
    },
    "Drama": {
        "films": 2,  # 203, 304
        "films_recent": 2,
        "revenue_recent": 90 * M,  # 30 + 60
        "projected_revenue_recent": 30 * M * 680 / 245,  # 83.27
        "outperformance_recent": 90 * M - 30 * M * 680 / 245,  # 6.73
        "market_share_recent": 90 / 925,  # 0.0973: under the 10% bar
        "avg_profit": 20 * M,  # (20 + 20) / 2
        "avg_budget_recent": 25 * M,  # (10 + 40) / 2
        "avg_revenue_recent": 45 * M,  # 90 / 2
        "roi_recent": 0.8,  # 40 / 50
        "others_avg_budget_recent": 290 * M / 7,  # (340 - 50) / (9 - 2)
        "others_avg_revenue_recent": 835 * M / 7,  # (925 - 90) / 7
        "others_roi_recent": 545 / 290,  # (585 - 40) / (340 - 50)
        "loss_rate": 0.0,
        "roi_p10": 0.65,  # ROIs 0.5, 2: 0.5 + 0.1 x 1.5
        "roi_p50": 1.25,
        "roi_p90": 1.85,  # 0.5 + 0.9 x 1.5
    },
    "Science Fiction": {
        "films": 1,  # 305
        "films_recent": 1,
        "revenue_recent": 90 * M,
        "projected_revenue_recent": 0.0,  # no Science Fiction film in the 2000s: 0 x 680/245
        "outperformance_recent": 90 * M,
        "market_share_recent": 90 / 925,
        "avg_profit": 60 * M,
        "avg_budget_recent": 30 * M,
        "avg_revenue_recent": 90 * M,
        "roi_recent": 2.0,  # 60 / 30
        "others_avg_budget_recent": 310 * M / 8,  # (340 - 30) / 8
        "others_avg_revenue_recent": 835 * M / 8,  # (925 - 90) / 8
        "others_roi_recent": 525 / 310,  # (585 - 60) / (340 - 30)
        "loss_rate": 0.0,
        "roi_p10": 2.0,
        "roi_p50": 2.0,
        "roi_p90": 2.0,
    },
    "Western": {
        "films": 1,  # 103, the most profitable film, but nothing in the recent window
        "films_recent": 0,
        "revenue_recent": 0.0,
        "projected_revenue_recent": 0.0,
        "outperformance_recent": 0.0,
        "market_share_recent": 0.0,  # a share over no film is 0 ...
        "avg_profit": 200 * M,
        "avg_budget_recent": None,  # ... but averages and ratios over no film are null
        "avg_revenue_recent": None,
        "roi_recent": None,
        "others_avg_budget_recent": 340 * M / 9,  # every recent film is another genre's
        "others_avg_revenue_recent": 925 * M / 9,
        "others_roi_recent": 585 / 340,
        "loss_rate": 0.0,
        "roi_p10": 100.0,  # 200 / 2
        "roi_p50": 100.0,
        "roi_p90": 100.0,
    },
}


def write_raw(root: Path) -> Path:
    """The films above as raw files in the DESIGN §3 layout (TMDB 5000 flavour)."""
    (root / "movielens").mkdir(parents=True)
    (root / "tmdb").mkdir()

    def write(path: Path, header: list[str], rows: list[list]) -> None:
        with path.open("w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(header)
            out.writerows(rows)

    write(
        root / "tmdb" / "movies_metadata.csv",
        [
            "id",
            "title",
            "release_date",
            "budget",
            "revenue",
            "genres",
            "vote_average",
            "vote_count",
        ],
        [
            [i, t, d, b, r, json.dumps([{"id": TMDB_IDS[g], "name": g} for g in gs]), 6.5, 100]
            for i, t, d, b, r, gs in METADATA
        ],
    )
    write(
        root / "movielens" / "movies.csv",
        ["movieId", "title", "genres"],
        [[m, t, g] for m, t, g, _ in MOVIELENS],
    )
    write(
        root / "movielens" / "links.csv",
        ["movieId", "imdbId", "tmdbId"],
        [[m, 1000 + m, "" if tmdb is None else tmdb] for m, _, _, tmdb in MOVIELENS],
    )
    write(
        root / "movielens" / "ratings.csv",
        ["userId", "movieId", "rating", "timestamp"],
        [
            [u, m, 3.5 + 0.5 * ((u + m) % 3), 1_500_000_000 + 60 * u * m]
            for u in (1, 2, 3)
            for m, *_ in MOVIELENS
        ],
    )
    return root


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reporting_tiny")
    raw = write_raw(tmp / "raw")
    project = project_copy(tmp)
    result = run_kedro(project, f"--params=raw_uri={raw},insights.min_films=1")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return project / "data" / "08_reporting", result


def test_insights_match_the_hand_computed_figures(tiny_run):
    reporting, _ = tiny_run
    insights = read_json(reporting / "insights.json")
    assert insights["films"] == 12
    assert insights["recent_decades"] == [2000, 2010]
    # (20 + 10 + 200 + 100 + 40 + 20 - 5 + 300 - 30 + 80 + 20 + 60) / 12 = 815 / 12
    assert insights["baseline_avg_profit"] == pytest.approx(815 * M / 12, rel=1e-9)
    assert set(insights["genres"]) == set(EXPECTED_GENRES)
    for genre, expected in EXPECTED_GENRES.items():
        actual = insights["genres"][genre]
        for key, value in expected.items():
            if value is None:
                assert actual[key] is None, (genre, key)
            else:
                assert actual[key] == pytest.approx(value, rel=1e-9, abs=1e-6), (genre, key)
        assert isinstance(actual["films"], int)
    assert math.fsum(g["market_share_recent"] for g in insights["genres"].values()) == (
        pytest.approx(1.0, rel=1e-12)
    )


def test_recommendation_is_the_most_profitable_genre_that_clears_the_bar(tiny_run):
    reporting, _ = tiny_run
    rec = read_json(reporting / "insights.json")["recommendation"]
    # Western (200 per film) has no recent revenue and Science Fiction (60) 9.7% of it: both
    # miss the 10% bar. Of Action (62.7%, 97.5 per film) and Comedy (17.8%, 31.25), Action.
    assert rec["genre"] == "Action"
    assert rec["eligible_genres"] == ["Action", "Comedy"]
    assert rec["criteria"] == {"min_films": 1, "min_market_share": 0.1}
    assert rec["relaxed"] is False
    reason = rec["reason"]
    for figure in (
        "$97.5M against $67.9M for all films",  # 815 / 12 = 67.92
        "(next: Comedy, $31.2M)",  # 31.25 shown to one decimal
        "62.7% of revenue",  # 580 / 925
        "beat its projection by $163.7M",  # 580 - 416.33
        "ROI was 176.2% against 165.4% for other genres",  # 370/210, 215/130
        "average budget of $70.0M against $21.7M",  # 210/3, 130/6
        "25.0% of its 4 films lost money",
        "from 25.0% to 270.0%",  # p10, p90
        "median 200.0%",
    ):
        assert figure in reason, figure


def test_every_mart_is_exported_with_every_film_once(tiny_run):
    reporting, _ = tiny_run
    with (reporting / "fct_movies.csv").open() as fh:
        films = list(csv.DictReader(fh))
    assert sorted(int(f["film_id"]) for f in films) == [
        101,
        102,
        103,
        201,
        202,
        203,
        204,
        301,
        302,
        303,
        304,
        305,
    ]
    assert {f["film_id"]: f["primary_genre"] for f in films}["204"] == "Comedy"
    assert {f["decade"] for f in films} == {"1980", "2000", "2010"}  # whole numbers, not 1980.0
    with (reporting / "genre_decade_performance.csv").open() as fh:
        performance = list(csv.DictReader(fh))
    assert len(performance) == 15  # 5 genres x 3 decades, absent pairs as rows of zeros
    assert sum(int(r["films"]) for r in performance) == 12
    with (reporting / "genre_scorecard.csv").open() as fh:
        assert {r["primary_genre"] for r in csv.DictReader(fh)} == set(EXPECTED_GENRES)
    with (reporting / "top_movies_by_decade.csv").open() as fh:
        top = [r for r in csv.DictReader(fh) if r["decade"] == "2010" and r["ranking"] == "revenue"]
    assert [r["title"] for r in sorted(top, key=lambda r: int(r["rank_in_decade"]))] == [
        "Hotel",
        "Juliet",
        "Lima",
        "Kilo",
        "India",
    ]  # 400, 100, 90, 60, 30
    with (reporting / "rejected_rows.csv").open() as fh:
        assert list(csv.DictReader(fh)) == []


def test_the_dashboard_is_written_and_self_contained(tiny_run):
    reporting, _ = tiny_run
    page = (reporting / "dashboard.html").read_text()
    for chart in (
        "revenue-by-decade",
        "revenue-share-by-decade",
        "actual-vs-projected",
        "market-share",
        "avg-profit",
        "budget-roi",
    ):
        assert f'data-chart="{chart}"' in page, chart
    assert 'Back <span class="pick-genre">Action</span>' in page
    assert "12 films" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<script" not in page


def test_the_run_ends_with_the_summary_table(tiny_run):
    _, result = tiny_run
    out = result.stdout
    assert "Recommendation: Action" in out
    table = out[out.index("Genres by average profit per film") :]
    lines = table.splitlines()
    # Sorted by average profit: Western 200, Action 97.5, Science Fiction 60, Comedy 31.25,
    # Drama 20; > marks the pick, + the genres that clear the bar.
    rows = [line.split()[:2] for line in lines[3:8]]
    assert rows == [
        ["Western", "1"],
        [">", "Action"],
        ["Science", "Fiction"],
        ["+", "Comedy"],
        ["Drama", "2"],
    ]
    # Nothing of the run comes after the summary but Kedro's closing lines.
    assert out.rindex("Recommendation: Action") > out.rindex("refresh_powerbi_node")
