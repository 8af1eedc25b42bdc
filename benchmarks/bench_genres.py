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
    from netflix_pipeline.pipelines.genres.films import film_genres
    from netflix_pipeline.pipelines.genres.rules import GenreRules
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from netflix_pipeline.pipelines.genres.films import film_genres
    from netflix_pipeline.pipelines.genres.rules import GenreRules

# The row-wise reference is a test oracle, so it lives beside the genre tests, not in the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pipelines" / "genres"))
from genres_rowwise import film_genres_rowwise

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


def make_sources(n: int, seed: int = 0, pool: int | None = None) -> pd.DataFrame:
    """``n`` source rows: about 75% TMDB values (one per film) and 25% MovieLens values.

    Every value is generated on its own (mostly distinct: up to four of 41 spellings in random
    order and encoding), or, with ``pool``, drawn from ``pool`` such values, as in real data
    where a few thousand distinct genre lists cover every film.
    """
    rng = np.random.default_rng(seed)
    n_tmdb = int(n * 0.75)
    n_ml = n - n_tmdb
    film_ids = rng.permutation(np.arange(1, 3 * n_tmdb + 2))[:n_tmdb]
    ml_films = film_ids[rng.integers(0, max(n_tmdb, 1), size=n_ml)]
    name_ids = rng.integers(10, 10_000, size=len(_NAMES))  # TMDB: one id per genre name

    def values(count: int, encodings: list[tuple[Any, float]]) -> list[Any]:
        weights = np.array([w for _, w in encodings])
        choice = rng.choice(len(encodings), size=count, p=weights / weights.sum())
        counts = rng.integers(1, 5, size=count)
        picks = rng.integers(0, len(_NAMES), size=(count, 4))
        out: list[Any] = []
        for k in range(count):
            enc = encodings[choice[k]][0]
            if enc is None or isinstance(enc, str):
                out.append(enc)
                continue
            chosen = picks[k, : counts[k]]
            out.append(enc([_NAMES[j] for j in chosen], name_ids[chosen].tolist()))
        return out

    def column(count: int, encodings: list[tuple[Any, float]]) -> list[Any]:
        if pool is None:
            return values(count, encodings)
        distinct = values(max(1, min(count, pool * count // max(n, 1))), encodings)
        return [distinct[i] for i in rng.integers(0, len(distinct), size=count)]

    return pd.DataFrame(
        {
            "film_id": np.r_[film_ids, ml_films].astype(np.int64),
            "source": np.array(["tmdb"] * n_tmdb + ["movielens"] * n_ml, dtype=object),
            "item_order": np.r_[np.zeros(n_tmdb, dtype=np.int64), rng.integers(1, 200_000, n_ml)],
            "genres_raw": pd.Series(
                column(n_tmdb, _TMDB_ENCODINGS) + column(n_ml, _ML_ENCODINGS), dtype=object
            ),
        }
    )


def _load_rules() -> GenreRules:
    import yaml

    with PARAMS_FILE.open(encoding="utf-8") as fh:
        return GenreRules.from_params(yaml.safe_load(fh))


def _fresh(sources: pd.DataFrame) -> pd.DataFrame:
    """A copy whose raw strings are new objects, as read_csv makes them (no cached hashes)."""
    copy = sources.copy()
    copy["genres_raw"] = sources["genres_raw"].astype("string[pyarrow]").astype(object)
    return copy


def _best_of(repeats: int, fn: Any, sources: pd.DataFrame) -> tuple[float, float, Any]:
    """Best wall-clock and CPU seconds (all threads) of ``fn`` over fresh copies of the input."""
    best_wall, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeats):
        frame = _fresh(sources)
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn(frame)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def _same(a: Any, b: Any) -> bool:
    return all(
        getattr(a, f).reset_index(drop=True).equals(getattr(b, f).reset_index(drop=True))
        for f in ("movie_genres", "movie_primary_genre", "rejected")
    ) and a.unknown_counts.equals(b.unknown_counts)


def run(
    n: int = 1_000_000, rowwise_n: int | None = None, repeats: int = 3, pool: int = 20_000
) -> dict[str, Any]:
    """Benchmark on ``n`` generated values; the row-wise reference runs on ``rowwise_n``.

    Scenarios: ``messy`` (every value generated on its own: ~40% distinct) and ``pooled``
    (values drawn from ``pool`` distinct ones). ``lists_per_s`` is wall-clock; ``cpu_seconds``
    sums all threads, so it shows the work when the machine is shared.
    """
    rules = _load_rules()
    logging.getLogger("netflix_pipeline.pipelines.genres.films").setLevel(logging.ERROR)
    load_before = os.getloadavg()[0]
    figures: dict[str, Any] = {"lists": n, "cpus": os.cpu_count()}
    messy = make_sources(n)
    for name, sources in (("messy", messy), ("pooled", make_sources(n, seed=1, pool=pool))):
        wall, cpu, result = _best_of(repeats, lambda s: film_genres(s, rules), sources)
        figures[name] = {
            "distinct_values": int(sources["genres_raw"].nunique()),
            "films": len(result.movie_primary_genre),
            "genre_rows": len(result.movie_genres),
            "rejected": len(result.rejected),
            "seconds": round(wall, 4),
            "cpu_seconds": round(cpu, 4),
            "lists_per_s": round(n / wall),
        }
    arrow_messy = messy.astype({"genres_raw": "string[pyarrow]"})
    wall, _, _ = _best_of(repeats, lambda s: film_genres(arrow_messy, rules), messy)
    figures["messy"]["arrow_backed_input_lists_per_s"] = round(n / wall)

    rowwise_n = min(n, rowwise_n or max(1, n // 10))
    subset = messy.iloc[:rowwise_n]
    row_wall, row_cpu, reference = _best_of(1, lambda s: film_genres_rowwise(s, rules), subset)
    sub_wall, _, vectorized = _best_of(repeats, lambda s: film_genres(s, rules), subset)
    figures["rowwise"] = {
        "lists": rowwise_n,
        "seconds": round(row_wall, 4),
        "cpu_seconds": round(row_cpu, 4),
        "lists_per_s": round(rowwise_n / row_wall),
        "vectorized_same_lists_per_s": round(rowwise_n / sub_wall),
        "identical_results": _same(vectorized, reference),
    }
    figures["ratio"] = round(figures["messy"]["lists_per_s"] / figures["rowwise"]["lists_per_s"], 1)
    figures["ratio_pooled"] = round(
        figures["pooled"]["lists_per_s"] / figures["rowwise"]["lists_per_s"], 1
    )
    figures["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 1_000_000
    f = run(n)
    for name in ("messy", "pooled"):
        s = f[name]
        print(
            f"vectorized film_genres, {name}: {n:,} lists ({s['distinct_values']:,} distinct) in "
            f"{s['seconds']} s (cpu {s['cpu_seconds']} s) = {s['lists_per_s']:,} lists/s"
        )
    arrow_rate = f["messy"]["arrow_backed_input_lists_per_s"]
    print(f"  messy, genres_raw Arrow-backed: {arrow_rate:,} lists/s")
    r = f["rowwise"]
    print(
        f"row-wise reference: {r['lists']:,} messy lists in {r['seconds']} s = "
        f"{r['lists_per_s']:,} lists/s (vectorized on the same: "
        f"{r['vectorized_same_lists_per_s']:,} lists/s; identical: {r['identical_results']})"
    )
    print(
        f"ratio vectorized / row-wise: {f['ratio']}x (messy), {f['ratio_pooled']}x (pooled); "
        f"{f['cpus']} CPUs, load average {f['load_average'][0]} -> {f['load_average'][1]}"
    )
    print(json.dumps(f))
    return f


if __name__ == "__main__":
    main()
