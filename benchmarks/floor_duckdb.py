"""The floor: one DuckDB query that reads every raw file once and computes the core of the marts.

    python benchmarks/floor_duckdb.py RAW_DIR [--out result.json] [--threads N]

The core (DESIGN §4, simplified where a one-off query would simplify): the financial universe
(first metadata row per numeric id, budget > 0, revenue > 0, a release date), each film's primary
genre (TMDB genre names, then the MovieLens genres of every movie linked to the film, normalized
with the project's synonyms and drops; the first in the hierarchy, else the first genre, else
Unknown; unknown names are not title-cased), the rating per film through links, and per primary
genre and decade: films, revenue, budget, profit, ROI (ratio of sums), the average rating, the
share of the decade's revenue, the projection from the previous decade, and per genre the recent
window's market share and the average profit. ``tags.csv`` is read (counted) too, so that the
query reads every file the pipeline ingests.

Prints one JSON object: ``seconds`` (the query alone, from ``execute`` to the last row fetched),
``import_seconds``, ``films``, ``rows`` and the result rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

T_START = time.perf_counter()

import duckdb  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core_rules import TMDB_NAME_PATTERN, Rules, load_rules, raw_paths  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T_START


def _s(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def floor_sql(raw_dir: Path, rules: Rules) -> str:
    p = raw_paths(raw_dir)
    cases = " ".join(f"when {_s(k)} then {_s(v)}" for k, v in rules.canonical.items())
    norm = f"case lower(trim(x)) {cases} else trim(x) end"
    drops = ", ".join(_s(d) for d in sorted(rules.drop))
    hier = "[" + ", ".join(_s(h) for h in rules.hierarchy) + "]"
    csv_text = (
        "header = true, all_varchar = true, ignore_errors = true, delim = ',', "
        "quote = '\"', escape = '\"'"
    )
    tags = (
        f"(select count(*) from read_csv({_s(str(p['tags']))}, {csv_text}))"
        if p["tags"].exists()
        else "0"
    )
    return f"""
with
meta as (
    select film_id, budget, revenue, release_date, genres
    from (
        select
            try_cast(trim(id) as bigint) as film_id,
            try_cast(trim(budget) as double) as budget,
            try_cast(trim(revenue) as double) as revenue,
            try_cast(trim(release_date) as date) as release_date,
            genres,
            row_number() over () as rn
        from read_csv({_s(str(p["metadata"]))}, {csv_text}, max_line_size = 10000000)
    )
    where film_id is not null
    qualify row_number() over (partition by film_id order by rn) = 1
),
films as (
    select
        film_id, budget, revenue, revenue - budget as profit,
        floor(year(release_date) / 10) * 10 as decade,
        regexp_extract_all(genres, {_s(TMDB_NAME_PATTERN)}, 1) as tmdb_genres
    from meta
    where budget > 0 and revenue > 0 and release_date is not null
),
links as materialized (
    select
        try_cast(trim(movieId) as bigint) as movie_id,
        try_cast(trim(tmdbId) as bigint) as tmdb_id
    from read_csv({_s(str(p["links"]))}, {csv_text})
),
movies as (
    select movie_id, genres
    from (
        select try_cast(trim(movieId) as bigint) as movie_id, genres, row_number() over () as rn
        from read_csv({_s(str(p["movies"]))}, {csv_text})
    )
    where movie_id is not null
    qualify row_number() over (partition by movie_id order by rn) = 1
),
ml_genres as (
    select
        l.tmdb_id as film_id,
        flatten(list(string_split(m.genres, '|') order by m.movie_id)) as ml
    from links l
    join movies m on m.movie_id = l.movie_id
    where l.tmdb_id is not null
    group by l.tmdb_id
),
per_movie as (
    select movieId as movie_id, sum(rating) as rating_sum, count(*) as rating_count
    from read_csv({_s(str(p["ratings"]))}, header = true, ignore_errors = true,
        columns = {{'userId': 'BIGINT', 'movieId': 'BIGINT', 'rating': 'DOUBLE',
                    'timestamp': 'BIGINT'}})
    where rating between 0.5 and 5
    group by movieId
),
per_film as (
    select
        l.tmdb_id as film_id,
        sum(p.rating_sum) as rating_sum,
        sum(p.rating_count) as rating_count
    from per_movie p
    join links l on l.movie_id = p.movie_id
    where l.tmdb_id is not null
    group by l.tmdb_id
),
genre_lists as (
    select
        f.*,
        list_filter(
            list_transform(list_concat(f.tmdb_genres, coalesce(g.ml, [])), lambda x: {norm}),
            lambda x: lower(x) not in ({drops})
        ) as genre_list
    from films f
    left join ml_genres g on g.film_id = f.film_id
),
fct as (
    select
        gl.film_id, gl.decade, gl.budget, gl.revenue, gl.profit,
        coalesce(
            {hier}[list_min(list_transform(gl.genre_list,
                lambda x: coalesce(list_position({hier}, x), 1000)))],
            gl.genre_list[1],
            {_s(rules.unknown)}
        ) as primary_genre,
        r.rating_sum, r.rating_count
    from genre_lists gl
    left join per_film r on r.film_id = gl.film_id
),
gd as (
    select
        primary_genre, decade, count(*) as films, sum(revenue) as revenue, sum(budget) as budget,
        sum(profit) as profit, sum(rating_sum) / nullif(sum(rating_count), 0) as rating_avg
    from fct
    group by primary_genre, decade
),
decade_totals as (
    select decade, sum(revenue) as revenue_all from gd group by decade
),
recent as (
    select decade, dense_rank() over (order by decade desc) <= 2 as is_recent from decade_totals
),
joined as (
    select
        gd.*,
        gd.profit / nullif(gd.budget, 0) as roi,
        gd.revenue / dt.revenue_all as market_share,
        coalesce(prev.revenue * dt.revenue_all / nullif(pdt.revenue_all, 0), 0)
            as projected_revenue,
        r.is_recent
    from gd
    join decade_totals dt on dt.decade = gd.decade
    join recent r on r.decade = gd.decade
    left join gd prev on prev.primary_genre = gd.primary_genre and prev.decade = gd.decade - 10
    left join decade_totals pdt on pdt.decade = gd.decade - 10
)
select
    primary_genre, decade, films, revenue, budget, profit, roi, rating_avg, market_share,
    projected_revenue, revenue - projected_revenue as outperformance, is_recent,
    coalesce(sum(if(is_recent, revenue, 0)) over (partition by primary_genre)
        / nullif(sum(if(is_recent, revenue, 0)) over (), 0), 0) as market_share_recent,
    sum(profit) over (partition by primary_genre)
        / sum(films) over (partition by primary_genre) as avg_profit,
    {tags} as tags_rows
from joined
order by primary_genre, decade
"""


def run(raw_dir: Path, threads: int | None = None) -> dict:
    rules = load_rules()
    sql = floor_sql(raw_dir, rules)
    con = duckdb.connect()
    if threads:
        con.execute(f"set threads = {int(threads)}")
    start = time.perf_counter()
    cur = con.execute(sql)
    columns = [d[0] for d in cur.description]
    rows = cur.fetchall()
    seconds = time.perf_counter() - start
    con.close()
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    genres = sorted({r["primary_genre"] for r in records})
    return {
        "engine": f"duckdb {duckdb.__version__}",
        "seconds": round(seconds, 3),
        "import_seconds": round(IMPORT_SECONDS, 3),
        "films": int(sum(r["films"] for r in records)),
        "genres": len(genres),
        "recent_decades": sorted({int(r["decade"]) for r in records if r["is_recent"]}),
        "rows": len(records),
        "tags_rows": int(records[0]["tags_rows"]) if records else 0,
        "result": [
            {k: (float(v) if isinstance(v, float) else v) for k, v in r.items()} for r in records
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("--out", type=Path, help="write the JSON result here too")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    args = parser.parse_args(argv)
    result = run(args.raw_dir, args.threads)
    result["process_seconds"] = round(time.perf_counter() - T_START, 3)
    text = json.dumps(result, default=str)
    if args.out:
        args.out.write_text(text)
    print(json.dumps({k: v for k, v in result.items() if k != "result"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
