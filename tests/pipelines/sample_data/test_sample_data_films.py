"""The film catalogue: release years, genre mixes by decade, budgets and revenues."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sample_data_support import read_rows

from netflix_pipeline.pipelines.sample_data.generator import generate_scale


@pytest.fixture(scope="module")
def wide(tmp_path_factory) -> Path:
    """Tiny, but with enough movies for statistics by decade."""
    out = tmp_path_factory.mktemp("wide")
    generate_scale(out, "tiny", movies=4000, ratings=20_000, users=200)
    return out


def _by_decade(rows: list[tuple[int, str]]) -> dict[str, dict[str, float]]:
    eras = {"early": (1920, 1969), "late": (2000, 2020)}
    out = {}
    for era, (lo, hi) in eras.items():
        names = [g for y, genres in rows if lo <= y <= hi for g in genres.split("|")]
        out[era] = {g: names.count(g) / len(names) for g in set(names)}
    return out


def test_genre_mix_differs_by_decade(wide) -> None:
    _, movies = read_rows(wide / "movielens/movies.csv")
    share = _by_decade([(int(t[-5:-1]), g) for _, t, g in movies])
    for old in ("Western", "Film-Noir", "Musical"):
        assert share["early"].get(old, 0) > 4 * share["late"].get(old, 0), old
    for new in ("Sci-Fi", "Action", "Animation", "Horror"):
        assert share["late"].get(new, 0) > 2 * share["early"].get(new, 0), new
    years = np.array([int(t[-5:-1]) for _, t, _ in movies])
    assert years.min() >= 1920 and years.max() <= 2020
    assert (years >= 1990).mean() > 0.5  # more films in later decades


def test_budgets_grow_over_decades_and_revenue_follows(wide) -> None:
    header, meta = read_rows(wide / "tmdb/movies_metadata.csv")
    col = {name: i for i, name in enumerate(header)}
    films = [
        (int(r[col["release_date"]][:4]), int(r[col["budget"]]), float(r[col["revenue"]]))
        for r in meta
        if r[col["id"]].isdigit() and r[col["release_date"]] and r[col["budget"]].isdigit()
    ]
    year, budget, revenue = (np.array(x) for x in zip(*films, strict=True))
    medians = [
        np.median(budget[(budget > 0) & (year >= lo) & (year < hi)])
        for lo, hi in [(1920, 1960), (1960, 1990), (1990, 2021)]
    ]
    assert medians[0] < medians[1] < medians[2]
    assert medians[2] > 5 * medians[0]
    both = (budget > 0) & (revenue > 0)
    assert both.sum() > 500
    assert np.corrcoef(np.log(budget[both]), np.log(revenue[both]))[0, 1] > 0.5
    losses = np.mean(revenue[both] < budget[both])
    assert 0.1 < losses < 0.6
