"""Deterministic generator of MovieLens + TMDB shaped raw files (DESIGN.md §3).

The files follow the raw input contract::

    <out>/movielens/movies.csv    movieId,title,genres
    <out>/movielens/ratings.csv   userId,movieId,rating,timestamp
    <out>/movielens/links.csv     movieId,imdbId,tmdbId
    <out>/movielens/tags.csv      userId,movieId,tag,timestamp
    <out>/tmdb/movies_metadata.csv   Kaggle "The Movies Dataset" or TMDB 5000 flavour

Everything is drawn from numpy generators seeded by ``seed`` (one independent stream per
component), so the same arguments give byte-identical files. Ratings are built per block of
users with vectorized numpy and written with pyarrow, so even ``large`` (32M ratings) takes
about a minute and little memory.

The data is shaped like the real thing: long-tailed popularity of movies and activity of users,
ratings skewed toward 3-4 stars (whole stars only before 2003, as on MovieLens), release years
1920-2020 with more films in later decades, genre mixes that drift by decade, log-normal budgets
that grow over the decades with revenues correlated to them (and some losses), zero budgets and
revenues for many metadata rows.

With ``faults=True`` a small number of bad rows is planted in every file (well under 2% of rows,
each kind counted in the returned dict): messy genre spellings, out-of-range ratings, ratings rows
with a wrong column count, a duplicate movieId, links with an empty tmdbId, a duplicate metadata id
(the later row differs and is the one to reject), a non-numeric budget, empty release dates and,
for the Kaggle flavour, rows shifted like Kaggle's real ones (``id`` holds a date).

Command line::

    python -m netflix_pipeline.pipelines.sample_data.generator --scale medium --out DIR \
        [--seed N] [--flavour tmdb]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

from .layout import FLAVOURS
from .raw_data import generate

__all__ = ["FLAVOURS", "SCALES", "generate", "generate_scale", "main"]

log = logging.getLogger(__name__)

SCALES: dict[str, dict] = {
    # for tests: generated in well under a second
    "tiny": {"movies": 300, "ratings": 5_000, "users": 100},
    # committed to data/01_raw: a few MB in total
    "sample": {"movies": 3_000, "ratings": 100_000, "users": 600},
    # about ml-latest-small
    "small": {"movies": 9_742, "ratings": 100_836, "users": 610},
    "medium": {"movies": 30_000, "ratings": 5_000_000, "users": 40_000},
    # about ml-32m joined with Kaggle's movies_metadata.csv
    "large": {"movies": 87_585, "ratings": 32_000_204, "users": 200_948, "metadata_rows": 45_466},
    # ten times large's ratings (about 9 GB of CSV), every other file as at large
    "xlarge": {
        "movies": 87_585,
        "ratings": 320_002_040,
        "users": 200_948,
        "metadata_rows": 45_466,
        "tags": 1_280_008,
    },
}


def generate_scale(out_dir: str | Path, scale: str, seed: int = 42, **overrides: Any) -> dict:
    """``generate`` with the arguments of a preset in ``SCALES``, updated by ``overrides``."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    return generate(out_dir, **{**SCALES[scale], **overrides}, seed=seed)


def main(argv: list[str] | None = None) -> int:
    """The command line: generate a preset, log what was written and planted."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    overrides = {
        k: v
        for k, v in {
            "movies": args.movies,
            "ratings": args.ratings,
            "users": args.users,
            "metadata_rows": args.metadata_rows,
        }.items()
        if v is not None
    }
    t0 = time.perf_counter()
    counts = generate_scale(
        args.out,
        args.scale,
        seed=args.seed,
        metadata_flavour=args.flavour,
        faults=not args.no_faults,
        **overrides,
    )
    log.info(
        "scale %s seed %d flavour %s into %s in %.1f s: %s",
        args.scale,
        args.seed,
        args.flavour,
        args.out,
        time.perf_counter() - t0,
        _summary(counts),
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    presets = "; ".join(
        f"{name}: {p['movies']:,} movies, {p['ratings']:,} ratings, {p['users']:,} users"
        for name, p in SCALES.items()
    )
    parser = argparse.ArgumentParser(
        prog="python -m netflix_pipeline.pipelines.sample_data.generator",
        description=(
            "Write deterministic, synthetic MovieLens + TMDB shaped raw files (movielens/*.csv "
            "and tmdb/movies_metadata.csv) under --out. Same arguments, same bytes. "
            f"Scales: {presets}."
        ),
    )
    parser.add_argument("--scale", choices=list(SCALES), default="sample", help="preset size")
    parser.add_argument("--out", required=True, type=Path, help="output folder (the raw_uri)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--flavour",
        choices=FLAVOURS,
        default="kaggle",
        help="movies_metadata.csv as Kaggle's 'The Movies Dataset' or the TMDB 5000 export",
    )
    parser.add_argument("--movies", type=int, help="override the preset's number of movies")
    parser.add_argument("--ratings", type=int, help="override the preset's number of ratings")
    parser.add_argument("--users", type=int, help="override the preset's number of users")
    parser.add_argument("--metadata-rows", type=int, help="override the metadata film count")
    parser.add_argument("--no-faults", action="store_true", help="plant no bad rows")
    return parser


def _summary(counts: dict) -> str:
    """Rows per file, with the planted faults of each kind."""
    return ", ".join(
        f"{name} {c['rows']:,} rows"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in c["faults"].items() if v) + ")"
            if any(c["faults"].values())
            else ""
        )
        for name, c in counts.items()
    )


if __name__ == "__main__":
    sys.exit(main())
