"""The dashboard in a real browser, and the reports on the real MovieLens/TMDB files.

Headless Chromium opens dashboard.html with networking off (every request goes to a dead proxy
and the browser's net log shows whether the page asked for anything), takes a screenshot, and
reports its console; a second load measures each chart's layout boxes. Skipped when Chromium is
not installed (`.ci/run` installs Debian's `chromium`).

The real-data run (skipped when ../shared/data is absent) runs the whole default pipeline once
and checks every figure of insights.json against DESIGN §4, recomputed here from fct_movies.csv
and, for the financial universe, from the raw TMDB file.
"""

from __future__ import annotations

import json
import math
import shutil
import struct
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from conftest import project_copy, read_json, run_kedro

from netflix_pipeline.pipelines.reporting.dashboard import render_dashboard
from netflix_pipeline.pipelines.reporting.nodes import GENRE_FIELDS, WINDOW_FIELDS, build_insights

CHARTS = (
    "revenue-by-decade",
    "revenue-share-by-decade",
    "actual-vs-projected",
    "market-share",
    "avg-profit",
    "budget-roi",
)
CHROMIUM = next(
    (
        p
        for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
        if p and Path(p).exists()
    ),
    None,
)
DASHBOARD_OPTIONS = {"stacked_genres": 7, "top_films_per_ranking": 5, "open_decades": 2}

# Appended to a copy of the page: the layout box of each chart, how many of its marks have a
# non-empty box, and how many of its labels stick out of it.
MEASURE = """<script>
const charts = [...document.querySelectorAll('svg[data-chart]')].map(svg => {
  const box = svg.getBoundingClientRect();
  const drawn = m => { const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; };
  const outside = t => { const b = t.getBoundingClientRect();
    return b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1
      || b.bottom > box.bottom + 1; };
  return {chart: svg.dataset.chart, width: box.width, height: box.height,
          marks: [...svg.querySelectorAll('.mark')].filter(drawn).length,
          clipped: [...svg.querySelectorAll('text')].filter(outside).map(t => t.textContent)};
});
const out = document.createElement('pre');
out.id = 'measured';
out.textContent = JSON.stringify(charts);
document.body.appendChild(out);
</script>"""


@dataclass
class BrowserView:
    screenshot: Path
    console: list[str]  # every console message (the page has no script: there must be none)
    requests: list[str]  # every URL the page itself asked for
    charts: dict[str, dict]  # chart name -> layout width, height, drawn marks, clipped labels


def chromium_flags(profile: Path) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        # Networking off: every request goes to a closed port on loopback.
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
    ]


def page_requests(net_log: Path) -> list[str]:
    """URLs requested by the page (not by the browser's own background services)."""
    log = json.loads(net_log.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return sorted(
        {
            e["params"]["url"]
            for e in log["events"]
            if e["type"] == start
            and "url" in e.get("params", {})
            and e["params"].get("initiator") != "not an origin"
        }
    )


def open_in_chromium(page: Path, work: Path) -> BrowserView:
    """Screenshot, console and network of ``page``; then the charts' layout from a copy."""
    work.mkdir(parents=True, exist_ok=True)
    shot, net_log = work / "dashboard.png", work / "net-log.json"
    run = subprocess.run(
        [
            CHROMIUM,
            *chromium_flags(work / "profile"),
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={net_log}",
            "--window-size=1400,4000",
            f"--screenshot={shot}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert shot.exists(), run.stderr[-3000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    measured = work / "measured.html"
    measured.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    dom = subprocess.run(
        [
            CHROMIUM,
            *chromium_flags(work / "profile-dom"),
            "--window-size=1400,4000",
            "--dump-dom",
            measured.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    charts = json.loads(_element_text(dom.stdout, "measured"))
    return BrowserView(shot, console, page_requests(net_log), {c["chart"]: c for c in charts})


def _element_text(html: str, element_id: str) -> str:
    class Finder(HTMLParser):
        inside, text = False, ""

        def handle_starttag(self, tag, attrs):
            self.inside = self.inside or dict(attrs).get("id") == element_id

        def handle_data(self, data):
            if self.inside:
                self.text += data

        def handle_endtag(self, tag):
            if self.inside and tag == "pre":
                self.inside = False

    finder = Finder()
    finder.feed(html)
    assert finder.text, f"#{element_id} not in the rendered DOM:\n{html[-2000:]}"
    return finder.text


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def assert_renders_offline(page: Path, work: Path) -> BrowserView:
    view = open_in_chromium(page, work)
    assert view.console == [], view.console
    assert view.requests == [], view.requests
    assert png_size(view.screenshot) == (1400, 4000)
    assert view.screenshot.stat().st_size > 60_000  # a blank page compresses to a few KB
    assert set(view.charts) == set(CHARTS)
    for chart in view.charts.values():
        assert chart["width"] > 300 and chart["height"] > 150, chart
        assert chart["marks"] >= 2, chart
        assert chart["clipped"] == [], chart
    return view


def needs_chromium(test):
    """Marked ``browser``; skipped cleanly where no Chromium is installed."""
    skip = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
    return pytest.mark.browser(skip(test))


# --- the dashboard module on its own ---------------------------------------------------------


def synthetic_marts() -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Insights and marts with the awkward cases: a genre with no recent film, a loss-making
    genre, a 90th percentile far above the rest, markup in titles and genre names."""
    genres = [
        "Action",
        "Comedy",
        "Drama",
        "Horror",
        "Western",
        "Rock & <Roll>",
        "Music",
        "Documentary",
        "Thriller",
        "Romance",
    ]
    rows = []
    for i, genre in enumerate(genres):
        recent = 0 if genre == "Western" else 40 - 3 * i
        rows.append(
            {
                "primary_genre": genre,
                "films": 50 - 2 * i,
                "films_recent": recent,
                "revenue_recent_usd": recent * 1e8,
                "projected_revenue_recent_usd": recent * 0.9e8 + i * 1e8,
                "outperformance_recent_usd": recent * 0.1e8 - i * 1e8,
                # Revenue is 1e8 per recent film, 237 recent films in all.
                "market_share_recent": recent / 237,
                "avg_profit_usd": (60 - 9 * i) * 1e6,
                "baseline_avg_profit_usd": 30e6,
                "avg_budget_recent_usd": None if not recent else (20 + 7 * i) * 1e6,
                "avg_revenue_recent_usd": None if not recent else (60 + i) * 1e6,
                "roi_recent": None if not recent else 1.5 - 0.2 * i,
                "others_avg_budget_recent_usd": 40e6,
                "others_avg_revenue_recent_usd": 90e6,
                "others_roi_recent": 1.2,
                "loss_rate": 0.1 * (i % 5),
                "roi_p10": -0.6 + 0.05 * i,
                "roi_p50": 1.0,
                "roi_p90": 40.0 if genre == "Documentary" else 3 + 0.3 * i,
                "recent_from_decade": 2000,
                "recent_to_decade": 2010,
            }
        )
    insights = build_insights(pd.DataFrame(rows), {}, {"min_films": 30, "min_market_share": 0.1})
    assert insights["recommendation"]["eligible_genres"] == [
        "Action",
        "Comedy",
        "Drama",
        "Horror",
        "Rock & <Roll>",
    ]
    performance = pd.DataFrame(
        [
            {
                "primary_genre": g,
                "decade": d,
                "films": 3,
                "revenue_usd": (i + 1) * (d - 1890) * 1e7,
                "market_share": 1 / len(genres),
            }
            for i, g in enumerate(genres)
            for d in range(1920, 2020, 10)
        ]
    )
    top = pd.DataFrame(
        [
            {
                "decade": d,
                "ranking": r,
                "rank_in_decade": k,
                "film_id": k,
                "title": f"Amélie & <Friends> {k}",
                "primary_genre": "Rock & <Roll>",
                "metric_value": 4.5 if r == "rating" else 1e8 / k,
            }
            for d in (1990, 2000, 2010)
            for r in ("revenue", "profit", "roi", "rating")
            for k in range(1, 7)
        ]
    )
    return insights, performance, top


def test_the_page_shows_the_recommendation_and_every_section():
    insights, performance, top = synthetic_marts()
    page = render_dashboard(insights, performance, top, DASHBOARD_OPTIONS, "2026-11-27 06:00 UTC")
    assert insights["recommendation"]["genre"] == "Action"
    assert 'Back <span class="pick-genre">Action</span>' in page
    for chart in CHARTS:
        assert page.count(f'data-chart="{chart}"') == 1
    assert "Rock &amp; &lt;Roll&gt;" in page and "<Roll>" not in page
    assert "Generated 2026-11-27 06:00 UTC" in page and "410 films" in page
    # Decades newest first, the two most recent open; five films per ranking.
    assert page.index('data-decade="2010" open') < page.index('data-decade="2000" open')
    assert 'data-decade="1990">' in page
    assert page.count('<table class="top"') == 12 and "Friends&gt; 6" not in page
    # Nothing to fetch: no script, no external stylesheet, font or image.
    assert "<script" not in page and "url(" not in page and "@import" not in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_an_empty_universe_still_makes_a_page():
    columns = ["primary_genre", *GENRE_FIELDS.values(), *WINDOW_FIELDS]
    empty = build_insights(
        pd.DataFrame(columns=columns), {}, {"min_films": 30, "min_market_share": 0.1}
    )
    page = render_dashboard(
        empty,
        pd.DataFrame(columns=["primary_genre", "decade"]),
        pd.DataFrame(columns=["decade"]),
        DASHBOARD_OPTIONS,
        "now",
    )
    assert "No film is in the financial universe" in page and "<svg" not in page


@needs_chromium
def test_chromium_checks_catch_script_errors_and_network_requests(tmp_path):
    """The checks themselves: a page that fails them is seen to fail."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><link rel="icon" href="data:,"><img src="http://example.com/'
        'a.png"><script>throw new Error("boom")</script></body>'
    )
    view = open_in_chromium(bad, tmp_path / "bad")
    assert any("Uncaught Error: boom" in line for line in view.console)
    assert view.requests == ["http://example.com/a.png"]
    assert view.charts == {}


@needs_chromium
def test_the_dashboard_renders_offline_in_chromium(tmp_path):
    insights, performance, top = synthetic_marts()
    page = tmp_path / "dashboard.html"
    page.write_text(render_dashboard(insights, performance, top, DASHBOARD_OPTIONS, "now"))
    view = assert_renders_offline(page, tmp_path / "browser")
    # One bar per genre and decade slice, one pair of bars per genre with recent figures, ...
    assert view.charts["market-share"]["marks"] == 10
    assert view.charts["avg-profit"]["marks"] == 10
    # ... and a dot and a whisker per genre of 30+ films (all ten) with recent films (not
    # Western).
    assert view.charts["budget-roi"]["marks"] == 2 * 9


# --- the real files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_run(real_raw, tmp_path_factory):
    project = project_copy(tmp_path_factory.mktemp("real"))
    result = run_kedro(project, f"--params=raw_uri={real_raw}")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    reporting = project / "data" / "08_reporting"
    return reporting, read_json(reporting / "insights.json"), result


def financial_universe(raw: Path) -> pd.DataFrame:
    """DESIGN §4's financial universe straight from the raw TMDB file."""
    meta = pd.read_csv(raw / "tmdb" / "movies_metadata.csv", dtype=str, keep_default_na=False)
    meta = meta[meta["id"].str.fullmatch(r"\d+")].drop_duplicates("id", keep="first")
    number = lambda s: pd.to_numeric(s, errors="coerce")  # noqa: E731
    dates = pd.to_datetime(meta["release_date"], format="%Y-%m-%d", errors="coerce")
    keep = (number(meta["budget"]) > 0) & (number(meta["revenue"]) > 0) & dates.notna()
    return meta[keep]


@pytest.mark.real_data
def test_real_figures_count_every_film_once(real_run, real_raw):
    reporting, insights, _ = real_run
    fct = pd.read_csv(reporting / "fct_movies.csv")
    performance = pd.read_csv(reporting / "genre_decade_performance.csv")
    genres = insights["genres"]
    assert fct["film_id"].is_unique
    assert len(fct) == insights["films"] == sum(g["films"] for g in genres.values())
    assert performance["films"].sum() == len(fct)
    assert len(fct) == len(financial_universe(real_raw))
    assert math.fsum(g["market_share_recent"] for g in genres.values()) == pytest.approx(
        1, rel=1e-9
    )
    shares = performance.groupby("decade")["market_share"].sum()
    assert shares.to_numpy() == pytest.approx(1.0, rel=1e-9)
    assert insights["recent_decades"] == sorted(fct["decade"].unique())[-2:]


@pytest.mark.real_data
def test_real_figures_follow_the_metric_definitions(real_run):
    """Every genre figure of insights.json, recomputed from fct_movies.csv as DESIGN §4 says."""
    reporting, insights, _ = real_run
    fct = pd.read_csv(reporting / "fct_movies.csv")
    fct = fct.assign(profit=fct["revenue_usd"] - fct["budget_usd"])
    recent = fct[fct["decade"].isin(insights["recent_decades"])]
    decade_revenue = fct.groupby("decade")["revenue_usd"].sum()
    assert insights["baseline_avg_profit"] == pytest.approx(fct["profit"].mean(), rel=1e-9)
    for name, g in insights["genres"].items():
        mine, theirs = fct[fct["primary_genre"] == name], fct[fct["primary_genre"] != name]
        mine_r, others_r = (
            recent[recent["primary_genre"] == name],
            recent[recent["primary_genre"] != name],
        )
        projected = sum(
            mine.loc[mine["decade"] == d - 10, "revenue_usd"].sum()
            * decade_revenue[d]
            / decade_revenue[d - 10]
            for d in insights["recent_decades"]
            if d - 10 in decade_revenue.index
        )
        ratio = lambda a, b: None if b == 0 else a / b  # noqa: E731
        expected = {
            "films": len(mine),
            "films_recent": len(mine_r),
            "revenue_recent": mine_r["revenue_usd"].sum(),
            "projected_revenue_recent": projected,
            "outperformance_recent": mine_r["revenue_usd"].sum() - projected,
            "market_share_recent": mine_r["revenue_usd"].sum() / recent["revenue_usd"].sum(),
            "avg_profit": mine["profit"].mean(),
            "avg_budget_recent": ratio(mine_r["budget_usd"].sum(), len(mine_r)),
            "avg_revenue_recent": ratio(mine_r["revenue_usd"].sum(), len(mine_r)),
            "roi_recent": ratio(mine_r["profit"].sum(), mine_r["budget_usd"].sum()),
            "others_avg_budget_recent": ratio(others_r["budget_usd"].sum(), len(others_r)),
            "others_roi_recent": ratio(others_r["profit"].sum(), others_r["budget_usd"].sum()),
            "loss_rate": (mine["profit"] < 0).mean(),
            "roi_p10": (mine["profit"] / mine["budget_usd"]).quantile(0.1),
            "roi_p90": (mine["profit"] / mine["budget_usd"]).quantile(0.9),
        }
        assert len(theirs) + len(mine) == len(fct)
        for key, value in expected.items():
            if value is None:
                assert g[key] is None, (name, key)
            else:
                assert g[key] == pytest.approx(value, rel=1e-6, abs=1e-3), (name, key)


@pytest.mark.real_data
def test_real_recommendation_follows_the_rule(real_run):
    reporting, insights, result = real_run
    rec = insights["recommendation"]
    eligible = {
        n: g
        for n, g in insights["genres"].items()
        if g["films"] >= 30 and g["market_share_recent"] >= 0.10
    }
    assert eligible, "on the real data some genre clears the bar"
    assert rec["genre"] == max(eligible, key=lambda n: eligible[n]["avg_profit"])
    assert sorted(eligible) == rec["eligible_genres"] and not rec["relaxed"]
    assert f"Recommendation: {rec['genre']}" in result.stdout
    scorecard = pd.read_csv(reporting / "genre_scorecard.csv").set_index("primary_genre")
    assert insights["genres"][rec["genre"]]["avg_profit"] == pytest.approx(
        scorecard.loc[rec["genre"], "avg_profit_usd"], rel=1e-12
    )


@pytest.mark.real_data
@needs_chromium
def test_real_dashboard_renders_offline_in_chromium(real_run, tmp_path):
    reporting, insights, _ = real_run
    page = reporting / "dashboard.html"
    view = assert_renders_offline(page, tmp_path / "browser")
    genres = len(insights["genres"])
    assert view.charts["market-share"]["marks"] == genres
    assert view.charts["avg-profit"]["marks"] == genres
    # Keep the screenshot next to the page for a human to look at.
    shutil.copy(view.screenshot, reporting / "dashboard.png")
    text = page.read_text()
    assert f"{insights['films']:,} films" in text
    assert f'Back <span class="pick-genre">{insights["recommendation"]["genre"]}</span>' in text
