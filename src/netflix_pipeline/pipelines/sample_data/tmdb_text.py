"""Free text of the metadata: plot overviews and poster paths."""

from __future__ import annotations

import numpy as np

from .vocabulary import ADJECTIVES, EVENTS, FIRST_NAMES, JOBS, LAST_NAMES, NOUNS, VERBS


def poster_paths(rng: np.random.Generator, n: int) -> list[str]:
    """n TMDB-like image paths: "/" + 27 random letters or digits + ".jpg"."""
    alphabet = np.frombuffer(
        b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8
    )
    chars = alphabet[rng.integers(0, alphabet.size, (n, 27))]
    return ["/" + s.decode() + ".jpg" for s in chars.view("S27").ravel()]


def overviews(rng: np.random.Generator, titles: list[str], newline: np.ndarray) -> list[str]:
    """Plot summaries with commas, quotes and (where ``newline``) embedded line breaks."""
    n = len(titles)
    r = rng.integers(0, 2**31, (n, 12)).tolist()
    parts_order = np.argsort(rng.random((n, 4)), axis=1)
    n_parts = rng.integers(1, 4, n)
    chosen = [sorted(o[:k]) for o, k in zip(parts_order.tolist(), n_parts.tolist(), strict=True)]
    return [
        ("\n" if nl else " ").join(_sentence(part, title, x) for part in parts)
        for title, x, parts, nl in zip(titles, r, chosen, newline.tolist(), strict=True)
    ]


def _sentence(part: int, title: str, x: list[int]) -> str:
    """One of four sentence patterns, its words picked by the random ints ``x``."""
    if part == 0:
        return (
            f"{FIRST_NAMES[x[0] % len(FIRST_NAMES)]} {LAST_NAMES[x[1] % len(LAST_NAMES)]}, a "
            f"{JOBS[x[2] % len(JOBS)]} with a {ADJECTIVES[x[3] % len(ADJECTIVES)].lower()} past, "
            f"must {VERBS[x[4] % len(VERBS)]} the {NOUNS[x[5] % len(NOUNS)].lower()} "
            f"before {EVENTS[x[6] % len(EVENTS)]}."
        )
    if part == 1:
        return (
            f'Known to everyone as "the {NOUNS[x[7] % len(NOUNS)].lower()}", '
            f"{FIRST_NAMES[x[8] % len(FIRST_NAMES)]} has other plans, and little time."
        )
    if part == 2:
        return (
            f"When {FIRST_NAMES[x[9] % len(FIRST_NAMES)]} arrives in town, old debts, lies and "
            "loyalties resurface."
        )
    return (
        f"{title} is a story about the {NOUNS[x[10] % len(NOUNS)].lower()}, the "
        f"{NOUNS[x[11] % len(NOUNS)].lower()} and what we owe each other."
    )
