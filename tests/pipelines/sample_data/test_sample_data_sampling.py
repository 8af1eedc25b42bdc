"""Weighted draws: alias tables follow the weights, users get distinct films."""

from __future__ import annotations

import numpy as np

from netflix_pipeline.pipelines.sample_data.sampling import (
    alias_table,
    draw,
    sample_pairs,
    unique_ints,
)


def test_alias_draws_follow_the_weights() -> None:
    weights = np.array([1.0, 2.0, 3.0, 4.0, 0.0])
    drawn = draw(np.random.default_rng(1), alias_table(weights), 200_000)
    share = np.bincount(drawn, minlength=weights.size) / drawn.size
    assert np.allclose(share, weights / weights.sum(), atol=0.005)


def test_every_user_gets_the_number_of_distinct_films_asked() -> None:
    n_movies = 50
    need = np.array([0, 1, 20, 45, 3])
    popularity = np.exp(np.random.default_rng(2).normal(size=n_movies))
    tables = [alias_table(popularity**a) for a in (1.0, 0.5, 0.0)]
    keys = sample_pairs(np.random.default_rng(3), need, tables, n_movies)
    assert (np.diff(keys) > 0).all()  # sorted and distinct
    assert np.bincount(keys // n_movies, minlength=need.size).tolist() == need.tolist()


def test_unique_ints() -> None:
    ints = unique_ints(np.random.default_rng(4), 100, 10, 200)
    assert (np.diff(ints) > 0).all() and ints.min() >= 10 and ints.max() < 200
