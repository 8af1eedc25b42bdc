"""The pandas baseline: the plain script an analyst would write for the core of the marts.

    python benchmarks/baseline_pandas.py RAW_DIR [--out result.json] [--read lean|fast]

Same core as ``floor_duckdb.py`` (financial universe, primary genre, rating per film through
links, genre x decade revenue / profit / ROI / shares, projection, recent market share, average
profit), written the obvious way: ``read_csv`` of every file, ``merge``, ``explode``,
``groupby``. Two ways to read the big file (``--read``):

- ``lean`` (the default, the reference of issue 19): pandas' own C parser, every column declared
  numeric, bad lines skipped: the script an analyst writes first, whose peak memory is about
  the ratings as numbers (``timestamp`` is a float: one ratings line misses it).
- ``fast``: the pyarrow CSV engine (multi-threaded) and only the two columns the marts need
  (``usecols``): quicker on two cores, but pyarrow's buffers cost more memory.

Prints one JSON object: ``seconds`` (from the first read_csv to the result, imports excluded),
``import_seconds``, ``films``, ``rows``; the bench script times the whole process as well.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

T_START = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core_rules import TMDB_NAME_PATTERN, Rules, load_rules, raw_paths  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T_START


def primary_genres(films: pd.DataFrame, links: pd.DataFrame, movies: pd.DataFrame, rules: Rules):
    """film_id -> primary genre: TMDB names first, then linked MovieLens genres by movieId."""
    tmdb = films[["film_id"]].assign(name=films["genres"].str.findall(TMDB_NAME_PATTERN))
    tmdb = tmdb.explode("name").dropna(subset=["name"])
    tmdb["src"], tmdb["movie"] = 0, 0
    tmdb["pos"] = tmdb.groupby(level=0).cumcount()

    ml = links.dropna(subset=["tmdbId"]).merge(movies, on="movieId")
    ml = ml[ml["tmdbId"].isin(films["film_id"])]
    ml = pd.DataFrame(
        {
            "film_id": ml["tmdbId"].astype("int64"),
            "name": ml["genres"].astype(str).str.split("|"),
            "src": 1,
            "movie": ml["movieId"],
        }
    ).explode("name")
    ml["pos"] = ml.groupby(level=0).cumcount()

    names = pd.concat([tmdb, ml], ignore_index=True)
    key = names["name"].str.strip().str.lower()
    names["genre"] = key.map(rules.canonical).fillna(names["name"].str.strip().str.title())
    names = names[~key.isin(rules.drop)]
    rank = {g: i for i, g in enumerate(rules.hierarchy)}
    names["rank"] = names["genre"].map(rank).fillna(len(rank))
    names = names.sort_values(["film_id", "rank", "src", "movie", "pos"], kind="stable")
    return names.drop_duplicates("film_id").set_index("film_id")["genre"]


READS = {
    "lean": "ratings: C parser, all columns numeric",
    "fast": "ratings: pyarrow engine, two columns",
}
RATINGS_DTYPES = {
    "userId": "int64",
    "movieId": "int64",
    "rating": "float64",
    "timestamp": "float64",
}


def read_ratings(path: Path, read: str) -> pd.DataFrame:
    """The ratings, read the ``lean`` way or the ``fast`` way (see the module's docstring)."""
    if read == "lean":
        return pd.read_csv(path, engine="c", dtype=RATINGS_DTYPES, on_bad_lines="skip")
    return pd.read_csv(path, engine="pyarrow", on_bad_lines="skip", usecols=["movieId", "rating"])


def run(raw_dir: Path, read: str = "lean") -> dict:
    p = raw_paths(raw_dir)
    rules = load_rules()
    start = time.perf_counter()

    meta = pd.read_csv(p["metadata"], dtype=str, keep_default_na=False, on_bad_lines="skip")
    meta["film_id"] = pd.to_numeric(meta["id"], errors="coerce")
    meta = meta.dropna(subset=["film_id"]).drop_duplicates("film_id", keep="first")
    meta["film_id"] = meta["film_id"].astype("int64")
    meta["budget"] = pd.to_numeric(meta["budget"], errors="coerce")
    meta["revenue"] = pd.to_numeric(meta["revenue"], errors="coerce")
    meta["release_date"] = pd.to_datetime(meta["release_date"], errors="coerce", format="%Y-%m-%d")
    films = meta[(meta["budget"] > 0) & (meta["revenue"] > 0) & meta["release_date"].notna()]
    films = films[["film_id", "budget", "revenue", "release_date", "genres"]].copy()
    films["profit"] = films["revenue"] - films["budget"]
    films["decade"] = films["release_date"].dt.year // 10 * 10

    movies = pd.read_csv(p["movies"], on_bad_lines="skip")
    movies = movies.drop_duplicates("movieId", keep="first")
    links = pd.read_csv(p["links"], on_bad_lines="skip")
    tags_rows = len(pd.read_csv(p["tags"], on_bad_lines="skip")) if p["tags"].exists() else 0

    ratings = read_ratings(p["ratings"], read)
    ratings = ratings[ratings["rating"].between(0.5, 5)]
    per_movie = ratings.groupby("movieId")["rating"].agg(["sum", "count"])
    del ratings
    per_film = (
        per_movie.join(links.dropna(subset=["tmdbId"]).set_index("movieId")["tmdbId"], how="inner")
        .groupby("tmdbId")[["sum", "count"]]
        .sum()
    )
    per_film.index = per_film.index.astype("int64")

    primary = primary_genres(films, links, movies, rules)
    fct = films.join(primary.rename("primary_genre"), on="film_id")
    fct["primary_genre"] = fct["primary_genre"].fillna(rules.unknown)
    fct = fct.join(per_film, on="film_id")

    gd = (
        fct.groupby(["primary_genre", "decade"])
        .agg(
            films=("film_id", "size"),
            revenue=("revenue", "sum"),
            budget=("budget", "sum"),
            profit=("profit", "sum"),
            rating_sum=("sum", "sum"),
            rating_count=("count", "sum"),
        )
        .reset_index()
    )
    gd["roi"] = gd["profit"] / gd["budget"].replace(0, np.nan)
    gd["rating_avg"] = gd["rating_sum"] / gd["rating_count"].replace(0, np.nan)
    decade_rev = gd.groupby("decade")["revenue"].sum()
    gd["market_share"] = gd["revenue"] / gd["decade"].map(decade_rev)
    prev = gd.set_index(["primary_genre", "decade"])["revenue"]
    prev_keys = pd.MultiIndex.from_arrays([gd["primary_genre"], gd["decade"] - 10])
    prev_rev = prev.reindex(prev_keys).to_numpy()
    prev_all = (gd["decade"] - 10).map(decade_rev).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        projected = prev_rev * gd["decade"].map(decade_rev).to_numpy() / prev_all
    gd["projected_revenue"] = np.nan_to_num(projected, nan=0.0, posinf=0.0)
    gd["outperformance"] = gd["revenue"] - gd["projected_revenue"]
    recent = sorted(decade_rev.index)[-2:]
    gd["is_recent"] = gd["decade"].isin(recent)
    recent_rev = gd["revenue"].where(gd["is_recent"], 0)
    gd["market_share_recent"] = (
        recent_rev.groupby(gd["primary_genre"]).transform("sum") / recent_rev.sum()
    )
    by_genre = gd.groupby("primary_genre")
    gd["avg_profit"] = by_genre["profit"].transform("sum") / by_genre["films"].transform("sum")
    gd = gd.sort_values(["primary_genre", "decade"]).reset_index(drop=True)
    seconds = time.perf_counter() - start
    return {
        "engine": f"pandas {pd.__version__} ({READS[read]})",
        "seconds": round(seconds, 3),
        "import_seconds": round(IMPORT_SECONDS, 3),
        "films": int(gd["films"].sum()),
        "genres": int(gd["primary_genre"].nunique()),
        "recent_decades": [int(d) for d in recent],
        "rows": len(gd),
        "tags_rows": int(tags_rows),
        "result": json.loads(
            gd.drop(columns=["rating_sum", "rating_count"]).to_json(orient="records")
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("--out", type=Path, help="write the JSON result here too")
    parser.add_argument(
        "--read", choices=sorted(READS), default="lean", help="how ratings are read"
    )
    args = parser.parse_args(argv)
    result = run(args.raw_dir, args.read)
    result["process_seconds"] = round(time.perf_counter() - T_START, 3)
    if args.out:
        args.out.write_text(json.dumps(result))
    print(json.dumps({k: v for k, v in result.items() if k != "result"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
