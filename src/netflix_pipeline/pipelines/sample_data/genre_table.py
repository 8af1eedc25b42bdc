"""The canonical genres: each source's spelling, their mix by release year, their money."""

from __future__ import annotations

import numpy as np

from .timeline import FIRST_YEAR, LAST_YEAR

# Canonical genres and how each source spells them (None: the source has no such genre).
# Per genre: weight by release year = floor + amp * exp(-((year - peak) / width)^2 / 2),
# log budget effect and log return (revenue / budget) effect.
#  canonical, MovieLens, TMDB (id, name), floor, amp, peak, width, budget, roi
GENRES = [
    ("Action", "Action", (28, "Action"), 0.03, 0.55, 2012, 28, 0.7, 0.10),
    ("Adventure", "Adventure", (12, "Adventure"), 0.10, 0.25, 2010, 30, 0.8, 0.20),
    ("Animation", "Animation", (16, "Animation"), 0.01, 0.22, 2015, 22, 1.0, 0.40),
    ("Children", "Children", (10751, "Family"), 0.02, 0.22, 2005, 25, 0.4, 0.20),
    ("Comedy", "Comedy", (35, "Comedy"), 0.55, 0.30, 1995, 40, -0.1, 0.05),
    ("Crime", "Crime", (80, "Crime"), 0.25, 0.15, 1995, 30, -0.1, 0.00),
    ("Documentary", "Documentary", (99, "Documentary"), 0.005, 0.30, 2015, 15, -1.8, 0.30),
    ("Drama", "Drama", (18, "Drama"), 0.90, 0.20, 1990, 50, -0.3, -0.10),
    ("Fantasy", "Fantasy", (14, "Fantasy"), 0.03, 0.22, 2012, 22, 0.6, 0.10),
    ("Film-Noir", "Film-Noir", None, 0.003, 0.55, 1947, 6, -0.5, 0.10),
    ("History", None, (36, "History"), 0.05, 0.05, 1960, 30, 0.2, -0.10),
    ("Horror", "Horror", (27, "Horror"), 0.04, 0.45, 2015, 25, -0.7, 0.60),
    ("Musical", "Musical", (10402, "Music"), 0.02, 0.50, 1945, 14, 0.2, 0.00),
    ("Mystery", "Mystery", (9648, "Mystery"), 0.12, 0.08, 1945, 20, -0.1, 0.00),
    ("Romance", "Romance", (10749, "Romance"), 0.20, 0.35, 1950, 30, -0.2, 0.05),
    ("Science Fiction", "Sci-Fi", (878, "Science Fiction"), 0.02, 0.40, 2015, 28, 0.8, 0.30),
    ("Thriller", "Thriller", (53, "Thriller"), 0.10, 0.45, 2010, 30, 0.0, 0.10),
    ("War", "War", (10752, "War"), 0.05, 0.30, 1948, 15, 0.3, -0.05),
    ("Western", "Western", (37, "Western"), 0.01, 0.65, 1955, 13, 0.0, -0.20),
]
CANONICAL = [g[0] for g in GENRES]
ML_NAMES: list[str | None] = [g[1] for g in GENRES]
TMDB_GENRES: list[tuple[int, str] | None] = [g[2] for g in GENRES]
BUDGET_EFFECT = np.array([g[7] for g in GENRES])
RETURN_EFFECT = np.array([g[8] for g in GENRES])
GENRE_COUNT_P = np.array([0.33, 0.33, 0.21, 0.09, 0.04])  # films with 1..5 genres


def genre_year_weights() -> np.ndarray:
    """(years, genres) matrix of genre weights by release year."""
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)[:, None]
    floor, amp, peak, width = (np.array([g[i] for g in GENRES])[None, :] for i in range(3, 7))
    return floor + amp * np.exp(-0.5 * ((years - peak) / width) ** 2)
