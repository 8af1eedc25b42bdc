"""ratings.csv: long-tailed users and films, 3-4 stars most, drawn and written block by block.

Ratings are drawn per block of users (each block from its own random stream) with vectorized
numpy; a writer thread writes one block while the next one is drawn.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from .films import Catalogue
from .ratings_csv import ratings_table, write_block, write_header
from .sampling import AliasTable, alias_table, sample_pairs
from .streams import FAULTS, RATINGS, USERS, stream
from .timeline import DAY, END_TS, HALF_STARS_TS, START_TS, release_ts

_RATINGS_BLOCK = 2_000_000  # ratings generated and written per block of users
_OUT_OF_RANGE = (70, 3, 0, 55, -10, 100)  # planted ratings x10: 7.0, 0.3, 0.0, 5.5, -1.0, 10.0


@dataclass(frozen=True)
class _Users:
    """Per user: number of ratings, leniency, whole stars only, first rating and active span."""

    count: np.ndarray
    bias: np.ndarray
    whole_stars: np.ndarray
    start: np.ndarray
    span: np.ndarray


@dataclass(frozen=True)
class _Spots:
    """Rows (positions in the whole file) of planted bad ratings."""

    out_of_range: np.ndarray
    out_of_range_values: np.ndarray  # x10
    wrong_columns: np.ndarray


@dataclass(frozen=True)
class _Plan:
    """What every block draws from: users, films and where the faults go."""

    seed: int
    users: _Users
    movie_ids: np.ndarray
    tables: list[AliasTable]  # popularity, then flatter, for users who need many films
    release_ts: np.ndarray
    quality: np.ndarray
    spots: _Spots
    ends: np.ndarray  # cumulative ratings per user
    bounds: np.ndarray  # first user of each block, then the number of users


@dataclass(frozen=True)
class _Block:
    rows: int
    table: pa.Table
    raw: list[tuple[int, str]]  # (position in block, line) of rows with a wrong column count
    out_of_range: int


def write_ratings(
    path: Path, seed: int, cat: Catalogue, ratings: int, users: int, faults: bool
) -> dict:
    """ratings.csv with ``ratings`` rows by ``users`` users; its counts."""
    plan = _plan(seed, cat, ratings, users, faults)
    counts = {"rating_out_of_range": 0, "wrong_column_count": 0}
    written = 0
    with path.open("wb") as f, ThreadPoolExecutor(max_workers=1) as pool:
        write_header(f)
        pending: Future | None = None
        for b in range(len(plan.bounds) - 1):
            block = _draw_block(plan, b)  # next block is drawn while the previous one is written
            if pending is not None:
                pending.result()
            pending = pool.submit(write_block, f, block.table, block.raw)
            written += block.rows
            counts["rating_out_of_range"] += block.out_of_range
            counts["wrong_column_count"] += len(block.raw)
        if pending is not None:
            pending.result()
    return {"rows": written, "faults": counts}


def _plan(seed: int, cat: Catalogue, ratings: int, users: int, faults: bool) -> _Plan:
    """Users, popularity tables, blocks and fault spots; fails if the ratings cannot fit."""
    n_movies = len(cat.movie_ids)
    cap = max(1, int(0.4 * n_movies))
    if ratings > cap * users:
        raise ValueError(
            f"{ratings} ratings do not fit {users} users x 40% of {n_movies} movies; "
            "raise users or movies"
        )
    raters = _draw_users(stream(seed, USERS), ratings, users, cap)
    w = cat.films["popularity"]
    ends = np.cumsum(raters.count)
    block_of_user = (ends - 1) // _RATINGS_BLOCK
    return _Plan(
        seed=seed,
        users=raters,
        movie_ids=cat.movie_ids,
        tables=[alias_table(w**a) for a in (1.0, 0.5, 0.0)],
        release_ts=release_ts(cat.films["release"]),
        quality=cat.films["quality"],
        spots=_draw_spots(stream(seed, FAULTS, 1), ratings, faults),
        ends=ends,
        bounds=np.r_[0, np.flatnonzero(np.diff(block_of_user)) + 1, users],
    )


def _draw_users(rng: np.random.Generator, ratings: int, users: int, cap: int) -> _Users:
    count = _user_counts(rng, ratings, users, cap)
    bias = rng.normal(0.0, 0.45, users)
    whole_stars = rng.random(users) < 0.35  # users who never give half stars
    start = rng.integers(START_TS, END_TS - DAY, users)
    one_session = rng.random(users) < 0.5
    span = np.where(
        one_session, rng.exponential(2 * 3600, users), rng.exponential(1.5 * 365 * DAY, users)
    ).astype(np.int64)
    return _Users(count, bias, whole_stars, start, np.minimum(span, END_TS - start))


def _user_counts(rng: np.random.Generator, ratings: int, users: int, cap: int) -> np.ndarray:
    """Ratings per user: at least 20 (as MovieLens), long-tailed, at most cap; sum = ratings."""
    minimum = min(20, ratings // users // 2)
    weights = rng.lognormal(0.0, 1.2, users)
    counts = minimum + rng.multinomial(ratings - minimum * users, weights / weights.sum())
    for _ in range(100):
        excess = int(np.maximum(counts - cap, 0).sum())
        if not excess:
            break
        counts = np.minimum(counts, cap)
        room = counts < cap
        w = np.where(room, weights, 0.0)
        counts += rng.multinomial(excess, w / w.sum())
    return counts


def _draw_spots(frng: np.random.Generator, ratings: int, faults: bool) -> _Spots:
    """Distinct rows for out-of-range ratings and wrong column counts (none without faults)."""
    n_oor = min(max(2, ratings // 20_000), 40, ratings // 200) if faults else 0
    n_cols = min(2, ratings // 200) if faults else 0
    spots = np.sort(frng.choice(ratings, size=n_oor + n_cols, replace=False))
    kinds = frng.permutation(np.r_[np.zeros(n_oor, int), np.ones(n_cols, int)])
    values = np.array(_OUT_OF_RANGE)[np.arange(n_oor) % len(_OUT_OF_RANGE)]
    return _Spots(spots[kinds == 0], values, spots[kinds == 1])


def _draw_block(plan: _Plan, b: int) -> _Block:
    """The ratings of block ``b``'s users, sorted by user and movie, faults planted."""
    a = plan.bounds[b]
    n_movies = len(plan.movie_ids)
    brng = stream(plan.seed, RATINGS, b)
    keys = sample_pairs(brng, plan.users.count[a : plan.bounds[b + 1]], plan.tables, n_movies)
    user = keys // n_movies + a
    mv = keys % n_movies
    ts = _timestamps(brng, plan, user, mv)
    rating_x10 = _stars(brng, plan, user, mv, ts)
    offset = int(plan.ends[a - 1]) if a else 0
    out_of_range = _plant_out_of_range(plan.spots, rating_x10, offset)
    table = ratings_table(
        (user + 1).astype(np.int32), plan.movie_ids[mv].astype(np.int32), rating_x10, ts
    )
    raw = _wrong_column_lines(plan, offset, user, mv, rating_x10, ts)
    return _Block(keys.size, table, raw, out_of_range)


def _timestamps(
    rng: np.random.Generator, plan: _Plan, user: np.ndarray, mv: np.ndarray
) -> np.ndarray:
    """When each rating was given: in the user's active span, some time after release."""
    n = user.size
    ts = plan.users.start[user] + (rng.random(n) * plan.users.span[user]).astype(np.int64)
    after_release = plan.release_ts[mv] + (rng.exponential(120, n) * DAY).astype(np.int64)
    return np.clip(np.maximum(ts, after_release), START_TS, END_TS)


def _stars(
    rng: np.random.Generator, plan: _Plan, user: np.ndarray, mv: np.ndarray, ts: np.ndarray
) -> np.ndarray:
    """Ratings x10: the film's quality and the user's leniency, whole stars before 2003."""
    latent = 3.55 + plan.quality[mv] + plan.users.bias[user] + rng.normal(0.0, 0.8, user.size)
    halves = np.clip(np.rint(latent * 2), 1, 10)
    wholes = np.clip(np.rint(latent), 1, 5) * 2
    only_wholes = (ts < HALF_STARS_TS) | plan.users.whole_stars[user]
    return (np.where(only_wholes, wholes, halves) * 5).astype(np.int64)


def _plant_out_of_range(spots: _Spots, rating_x10: np.ndarray, offset: int) -> int:
    """Overwrite the block's out-of-range spots in place; how many there were."""
    at = spots.out_of_range
    local = at[(at >= offset) & (at < offset + rating_x10.size)] - offset
    rating_x10[local] = spots.out_of_range_values[np.searchsorted(at, local + offset)]
    return local.size


def _wrong_column_lines(
    plan: _Plan,
    offset: int,
    user: np.ndarray,
    mv: np.ndarray,
    rating_x10: np.ndarray,
    ts: np.ndarray,
) -> list[tuple[int, str]]:
    """(position in block, line) of the block's rows with a wrong column count."""
    at = plan.spots.wrong_columns
    raw = []
    for p in at[(at >= offset) & (at < offset + user.size)] - offset:
        r = f"{rating_x10[p] // 10}.{rating_x10[p] % 10}"
        fields = [str(user[p] + 1), str(plan.movie_ids[mv[p]]), r, str(ts[p])]
        # the first misses its timestamp, the second has one field too many
        missing = np.searchsorted(at, p + offset) % 2 == 0
        fields = fields[:3] if missing else [*fields, str(ts[p])]
        raw.append((int(p), ",".join(fields) + "\n"))
    return raw
