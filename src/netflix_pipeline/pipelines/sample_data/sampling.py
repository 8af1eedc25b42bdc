"""Fast weighted draws: alias tables, distinct ints, distinct movies per user."""

from __future__ import annotations

import numpy as np

AliasTable = tuple[np.ndarray, np.ndarray]


def unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """n distinct sorted ints in [low, high)."""
    return np.sort(rng.choice(high - low, size=n, replace=False) + low)


def alias_table(weights: np.ndarray) -> AliasTable:
    """Walker/Vose alias table: O(1) weighted draws (searchsorted on a CDF is 10x slower)."""
    n = weights.size
    p = (weights * (n / weights.sum())).tolist()
    prob, alias = [1.0] * n, list(range(n))
    small = [i for i, x in enumerate(p) if x < 1.0]
    large = [i for i, x in enumerate(p) if x >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = p[s], g
        p[g] += p[s] - 1.0
        (small if p[g] < 1.0 else large).append(g)
    return np.array(prob), np.array(alias, dtype=np.int64)


def draw(rng: np.random.Generator, table: AliasTable, size: int) -> np.ndarray:
    """``size`` indexes drawn with the weights of ``table``."""
    prob, alias = table
    idx = rng.integers(0, prob.size, size)
    return np.where(rng.random(size) < prob[idx], idx, alias[idx])


def sample_pairs(
    rng: np.random.Generator, need: np.ndarray, tables: list[AliasTable], n_movies: int
) -> np.ndarray:
    """Sorted keys user_local * n_movies + movie, need[u] distinct movies per local user.

    Movies are drawn by popularity with replacement; repeats are dropped and the shortfall is
    drawn again, from flatter distributions after a few rounds so that heavy users converge.
    """
    need = need.astype(np.int64).copy()
    n_users = len(need)
    keys = np.empty(0, dtype=np.int64)
    for rnd in range(500):
        if not need.any():
            return keys
        draws = need if rnd == 0 else need + (need + 1) // 2
        lu = np.repeat(np.arange(n_users, dtype=np.int64), draws)
        mv = draw(rng, tables[min(rnd // 2, len(tables) - 1)], lu.size)
        cand = _new_pairs(np.sort(lu * n_movies + mv), keys)
        cu = cand // n_movies
        starts = np.flatnonzero(np.r_[True, cu[1:] != cu[:-1]])
        rank = np.arange(cand.size) - np.repeat(starts, np.diff(np.r_[starts, cand.size]))
        cand = cand[rank < need[cu]]
        keys = np.sort(np.concatenate([keys, cand]), kind="stable")
        need -= np.bincount(cand // n_movies, minlength=n_users)
    raise RuntimeError("could not draw distinct movies per user")  # pragma: no cover


def _new_pairs(cand: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The distinct sorted keys of ``cand`` that are not in the sorted ``keys``."""
    cand = cand[np.r_[True, cand[1:] != cand[:-1]]]  # np.unique hashes: 20x slower
    if keys.size:
        pos = np.minimum(np.searchsorted(keys, cand), keys.size - 1)
        cand = cand[keys[pos] != cand]
    return cand
