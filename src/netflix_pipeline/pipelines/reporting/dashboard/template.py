"""The dashboard's HTML page and its stylesheet (inlined: the page fetches nothing).

``PAGE`` is filled with ``str.format``: ``css``, ``films``, ``genres``, ``window``, ``pick``,
``cards``, ``per_ranking``, ``top`` and ``generated_at``, each already escaped.
"""

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
<p class="caption">The best {per_ranking} films of each decade, four ways. The ROI ranking
leaves out very small budgets and the rating ranking barely rated films. Open a decade to see
its films.</p>
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
