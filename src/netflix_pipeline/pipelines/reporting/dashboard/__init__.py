"""The offline dashboard: one self-contained HTML page with the charts a decision maker reads.

Everything is drawn in Python as static SVG inside one HTML file: no script, font, image or
stylesheet is fetched, so the page opens from a laptop, an e-mail attachment or a CI artefact
with no network. The figures are insights.json's and the mart exports' as they are; this package
only lays them out (it sorts, groups small genres into "Other genres" and formats).

Each chart is an ``<svg data-chart="…">`` whose data marks carry ``class="mark"``, so a browser
test can check that every chart drew something.

Read top-down: ``page`` assembles the page from ``sections`` (the recommendation, the top films)
and ``cards`` (one per chart: ``decade_charts``, ``genre_charts``, ``roi_chart``), all drawn with
the ``svg`` primitives in the ``palette`` colours and filled into ``template``.
"""

from .page import render_dashboard

__all__ = ["render_dashboard"]
