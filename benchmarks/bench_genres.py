"""Throughput of genre normalization: vectorized ``film_genres`` against the row-wise reference.

Generates ``n`` messy raw genre values in the encodings the pipeline meets (TMDB JSON objects,
Kaggle Python-literal dicts, JSON/single-quoted string arrays, MovieLens pipe strings with odd
case, spacing, empty items, synonyms, dropped names, unknown names, escapes, empty lists, NaN and
malformed values), attached to films the way the pipeline builds its source frame (one TMDB row
per film, some films with one or more linked MovieLens rows). Measures genre lists normalized per
second by ``film_genres`` on all of them and by ``film_genres_rowwise`` on a subset, checks both
agree on that subset, and prints the ratio.

    python benchmarks/bench_genres.py [n]

``run(n)`` returns the figures as a dict for a larger benchmark script.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    from netflix_pipeline.genres import GenreRules, film_genres, film_genres_rowwise
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from netflix_pipeline.genres import GenreRules, film_genres, film_genres_rowwise

PARAMS_FILE = Path(__file__).resolve().parents[1] / "conf" / "base" / "parameters_genres.yml"

_NAMES = [
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "History", "Horror", "Music", "Musical", "Mystery", "Romance", "Science Fiction", "Thriller",
    "War", "Western", "Film-Noir", "Sport", "Children",
    # synonyms, odd spellings, dropped and unknown names
    "Sci-Fi", "sci-fi", "SciFi", "science fiction", "Family", "Children's", "Film Noir",
    "Sports", "ACTION", "drama", " Comedy ", "Romance  ", "IMAX", "TV Movie", "Foreign",
    "(no genres listed)", "Biography", "Superhero", "post-apocalyptic", "Martial  Arts",
]  # fmt: skip


def _json_objects(names: list[str], ids: list[int]) -> str:
    return json.dumps([{"id": i, "name": n} for i, n in zip(ids, names, strict=True)])


def _py_literal(names: list[str], ids: list[int]) -> str:
    return repr([{"id": i, "name": n} for i, n in zip(ids, names, strict=True)])


def _json_strings(names: list[str], ids: list[int]) -> str:
    return json.dumps(names)


def _py_strings(names: list[str], ids: list[int]) -> str:
    return repr(names)


def _pipe(names: list[str], ids: list[int]) -> str:
    return "|".join(names)


def _pipe_messy(names: list[str], ids: list[int]) -> str:
    return " | ".join(names) + "||"


def _escaped(names: list[str], ids: list[int]) -> str:
    return json.dumps([{"id": i, "name": n + "é"} for i, n in zip(ids, names, strict=True)])


def _malformed(names: list[str], ids: list[int]) -> str:
    text = _py_literal(names, ids)
    return text[: max(2, len(text) // 2)]


# (encoding, weight) for TMDB-like rows and for MovieLens rows
_TMDB_ENCODINGS = [
    (_json_objects, 0.60),
    (_py_literal, 0.265),
    (_json_strings, 0.04),
    (_py_strings, 0.03),
    (_escaped, 0.002),
    (_malformed, 0.003),
    ("[]", 0.03),
    (None, 0.02),
]
_ML_ENCODINGS = [(_pipe, 0.85), (_pipe_messy, 0.13), ("(no genres listed)", 0.02)]


def make_sources(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` source rows: about 75% TMDB values (one per film) and 25% MovieLens values."""
    rng = np.random.default_rng(seed)
    n_tmdb = int(n * 0.75)
    n_ml = n - n_tmdb
    film_ids = rng.permutation(np.arange(1, 3 * n_tmdb + 2))[:n_tmdb]
    ml_films = film_ids[rng.integers(0, max(n_tmdb, 1), size=n_ml)]
    counts = rng.integers(1, 5, size=n)
    picks = rng.integers(0, len(_NAMES), size=(n, 4))
    name_ids = rng.integers(10, 10_000, size=len(_NAMES))  # TMDB: one id per genre name
    ids = name_ids[picks]

    def values(start: int, count: int, encodings: list[tuple[Any, float]]) -> list[Any]:
        weights = np.array([w for _, w in encodings])
        choice = rng.choice(len(encodings), size=count, p=weights / weights.sum())
        out: list[Any] = []
        for k in range(count):
            enc = encodings[choice[k]][0]
            if enc is None or isinstance(enc, str):
                out.append(enc)
                continue
            r = start + k
            c = int(counts[r])
            out.append(enc([_NAMES[j] for j in picks[r, :c]], ids[r, :c].tolist()))
        return out

    frame = pd.DataFrame(
        {
            "film_id": np.r_[film_ids, ml_films].astype(np.int64),
            "source": np.array(["tmdb"] * n_tmdb + ["movielens"] * n_ml, dtype=object),
            "item_order": np.r_[np.zeros(n_tmdb, dtype=np.int64), rng.integers(1, 200_000, n_ml)],
            "genres_raw": pd.Series(
                values(0, n_tmdb, _TMDB_ENCODINGS) + values(n_tmdb, n_ml, _ML_ENCODINGS),
                dtype=object,
            ),
        }
    )
    return frame


def _load_rules() -> GenreRules:
    import yaml

    with PARAMS_FILE.open(encoding="utf-8") as fh:
        return GenreRules.from_params(yaml.safe_load(fh))


def _fresh(sources: pd.DataFrame) -> pd.DataFrame:
    """A copy whose raw strings are new objects, as read_csv makes them (no cached hashes)."""
    copy = sources.copy()
    copy["genres_raw"] = sources["genres_raw"].astype("string[pyarrow]").astype(object)
    return copy


def _best_of(repeats: int, fn: Any, sources: pd.DataFrame) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        frame = _fresh(sources)
        start = time.perf_counter()
        result = fn(frame)
        best = min(best, time.perf_counter() - start)
    return best, result


def _same(a: Any, b: Any) -> bool:
    return all(
        getattr(a, f).reset_index(drop=True).equals(getattr(b, f).reset_index(drop=True))
        for f in ("movie_genres", "movie_primary_genre", "rejected")
    ) and a.unknown_counts.equals(b.unknown_counts)


def run(n: int = 1_000_000, rowwise_n: int | None = None, repeats: int = 3) -> dict[str, Any]:
    """Benchmark on ``n`` generated values (row-wise reference on ``rowwise_n`` of them)."""
    rules = _load_rules()
    logging.getLogger("netflix_pipeline.genres").setLevel(logging.ERROR)
    sources = make_sources(n)
    rowwise_n = min(n, rowwise_n or max(1, n // 10))
    subset = sources.iloc[:rowwise_n]

    vec_s, result = _best_of(repeats, lambda s: film_genres(s, rules), sources)
    row_s, reference = _best_of(1, lambda s: film_genres_rowwise(s, rules), subset)
    vec_subset_s, vec_subset = _best_of(repeats, lambda s: film_genres(s, rules), subset)
    arrow_sources = sources.astype({"genres_raw": "string[pyarrow]"})
    arrow_s, _ = _best_of(repeats, lambda s: film_genres(arrow_sources, rules), sources)
    figures = {
        "lists": n,
        "distinct_values": int(sources["genres_raw"].nunique()),
        "films": len(result.movie_primary_genre),
        "genre_rows": len(result.movie_genres),
        "rejected": len(result.rejected),
        "vectorized_seconds": round(vec_s, 4),
        "vectorized_lists_per_s": round(n / vec_s),
        "rowwise_lists": rowwise_n,
        "rowwise_seconds": round(row_s, 4),
        "rowwise_lists_per_s": round(rowwise_n / row_s),
        "vectorized_subset_lists_per_s": round(rowwise_n / vec_subset_s),
        "vectorized_arrow_input_seconds": round(arrow_s, 4),
        "vectorized_arrow_input_lists_per_s": round(n / arrow_s),
        "speedup": round((n / vec_s) / (rowwise_n / row_s), 1),
        "agree_on_subset": _same(vec_subset, reference),
        "cpus": os.cpu_count(),
    }
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 1_000_000
    figures = run(n)
    print(
        f"vectorized film_genres: {figures['lists']:,} lists in {figures['vectorized_seconds']} s"
        f" = {figures['vectorized_lists_per_s']:,} lists/s"
        f" ({figures['distinct_values']:,} distinct values, {figures['films']:,} films)"
    )
    print(
        f"  same, genres_raw Arrow-backed (string[pyarrow]): "
        f"{figures['vectorized_arrow_input_lists_per_s']:,} lists/s"
    )
    print(
        f"row-wise reference:     {figures['rowwise_lists']:,} lists in "
        f"{figures['rowwise_seconds']} s = {figures['rowwise_lists_per_s']:,} lists/s"
    )
    print(
        f"ratio vectorized / row-wise: {figures['speedup']}x;"
        f" identical results on the subset: {figures['agree_on_subset']}"
    )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
