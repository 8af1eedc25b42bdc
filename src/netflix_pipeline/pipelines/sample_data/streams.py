"""Independent seeded random streams, one per purpose.

Each part of the data draws from its own stream, so that, for example, the number of ratings
does not change the movies. ``FAULTS`` is split by file (0: movies and links, 1: ratings,
2: metadata), ``RATINGS`` by block of users, and ``METADATA`` 1 picks the films that get a
metadata row.
"""

from __future__ import annotations

import numpy as np

FILMS, EXTRA_FILMS, IDS, USERS, RATINGS, TAGS, METADATA, FAULTS = range(8)


def stream(seed: int, *key: int) -> np.random.Generator:
    """The random stream of ``seed`` for the purpose ``key``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
