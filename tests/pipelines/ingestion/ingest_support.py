"""Helpers of the ingestion tests: tiny raw folders, runs of the two nodes, table snapshots.

The tests call the ingestion nodes directly (``scan_raw_files`` then ``load_raw``) with the raw
files as the catalog hands them over (``RawFileDataset(...).load()``) and the session's emulator,
which is much faster than a ``kedro run`` each.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq

from netflix_pipeline.pipelines.ingestion.contracts import CONTRACTS
from netflix_pipeline.pipelines.ingestion.nodes import load_raw, scan_raw_files
from netflix_pipeline.pipelines.ingestion.raw_files import RawFileDataset
from netflix_pipeline.pipelines.ingestion.scan import FAULT_COLUMN


def landed_rows(path: Path) -> list[dict]:
    """The rows of a landed file in its order, the faults of a file without a key (one list
    column) spelled out as a file with a key has them: ``_REASON``, ``_REASON_KIND`` and
    ``_RAW_LINE``, all None in a row without a fault."""
    rows = pq.read_table(path).to_pylist()
    for row in rows:
        if FAULT_COLUMN in row:
            fault = row.pop(FAULT_COLUMN) or [None, None, None]
            row["_REASON"], row["_REASON_KIND"], row["_RAW_LINE"] = fault
    return rows


RAW_TABLES = ("MOVIES", "RATINGS", "LINKS", "TAGS", "MOVIES_METADATA", "REJECTED_ROWS")

# Ten data rows per file (three tags): one faulty row makes a rate of 10%, above the default 5%.
MOVIES = """movieId,title,genres
1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
2,Jumanji (1995),Adventure|Children|Fantasy
3,Grumpier Old Men (1995),Comedy|Romance
4,Waiting to Exhale (1995),Comedy|Drama|Romance
5,Father of the Bride Part II (1995),Comedy
6,Heat (1995),Action|Crime|Thriller
7,Sabrina (1995),Comedy|Romance
8,Tom and Huck (1995),Adventure|Children
9,Sudden Death (1995),Action
10,GoldenEye (1995),Action|Adventure|Thriller
"""

RATINGS = """userId,movieId,rating,timestamp
1,1,4.0,964982703
1,3,4.0,964981247
1,6,4.0,964982224
2,2,3.5,1445714835
2,10,0.5,1445714883
3,1,5.0,1306463718
3,4,2.5,1306463615
4,7,3.0,945078428
4,8,1.5,945078508
5,9,4.5,847434962
"""

LINKS = """movieId,imdbId,tmdbId
1,0114709,862
2,0113497,8844
3,0113228,15602
4,0114885,31357
5,0113041,11862
6,0113277,949
7,0114319,11860
8,0112302,45325
9,0114576,9091
10,0113189,710
"""

TAGS = """userId,movieId,tag,timestamp
2,1,pixar,1445714994
2,6,"heist, classic",1445714996
3,10,Bond,1306463800
"""

METADATA = """id,title,release_date,budget,revenue,genres,vote_average,vote_count
862,Toy Story,1995-10-30,30000000,373554033,"[{""id"": 16, ""name"": ""Animation""}]",7.7,5415
8844,Jumanji,1995-12-15,65000000,262797249,"[{""id"": 12, ""name"": ""Adventure""}]",6.9,2413
15602,Grumpier Old Men,1995-12-22,0,0,"[{""id"": 10749, ""name"": ""Romance""}]",6.5,92
31357,Waiting to Exhale,1995-12-22,16000000,81452156,"[{""id"": 35, ""name"": ""Comedy""}]",6.1,34
11862,Father of the Bride II,1995-02-10,0,76578911,"[{""id"": 35, ""name"": ""Comedy""}]",5.7,173
949,Heat,1995-12-15,60000000,187436818,"[{""id"": 28, ""name"": ""Action""}]",7.7,1886
11860,Sabrina,1995-12-15,58000000,0,"[{""id"": 35, ""name"": ""Comedy""}]",6.2,141
45325,Tom and Huck,1995-12-22,0,0,"[{""id"": 28, ""name"": ""Action""}]",5.4,45
9091,Sudden Death,1995-12-22,35000000,64350171,"[{""id"": 28, ""name"": ""Action""}]",5.5,174
710,GoldenEye,1995-11-16,58000000,352194034,"[{""id"": 12, ""name"": ""Adventure""}]",6.6,1194
"""

KAGGLE_HEADER = [
    "adult",
    "belongs_to_collection",
    "budget",
    "genres",
    "homepage",
    "id",
    "imdb_id",
    "original_language",
    "original_title",
    "overview",
    "popularity",
    "poster_path",
    "production_companies",
    "release_date",
    "revenue",
    "runtime",
    "status",
    "tagline",
    "title",
    "video",
    "vote_average",
    "vote_count",
]


def kaggle_metadata(extra: dict[int, str] | None = None) -> str:
    """The baseline metadata in Kaggle's flavour: numbers as strings, Python-literal genres.

    ``extra`` inserts raw lines at the given line numbers (header = line 1).
    """
    rows = list(csv.DictReader(io.StringIO(METADATA)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KAGGLE_HEADER)
    for row in rows:
        genres = str([{"id": g["id"], "name": g["name"]} for g in json.loads(row["genres"])])
        values = {
            "adult": "False",
            "budget": row["budget"],
            "genres": genres,
            "id": row["id"],
            "imdb_id": "tt0114709",
            "original_language": "en",
            "original_title": row["title"],
            "overview": "A story, told twice.",
            "popularity": "21.946943",
            "release_date": row["release_date"],
            "revenue": f"{row['revenue']}.0",
            "runtime": "81.0",
            "status": "Released",
            "title": row["title"],
            "video": "False",
            "vote_average": row["vote_average"],
            "vote_count": f"{row['vote_count']}.0",
        }
        writer.writerow([values.get(column, "") for column in KAGGLE_HEADER])
    lines = out.getvalue().splitlines()
    for line_number, line in sorted((extra or {}).items()):
        lines.insert(line_number - 1, line)
    return "\n".join(lines) + "\n"


BASELINE = {
    "movielens/movies.csv": MOVIES,
    "movielens/ratings.csv": RATINGS,
    "movielens/links.csv": LINKS,
    "movielens/tags.csv": TAGS,
    "tmdb/movies_metadata.csv": METADATA,
}


def write_raw(root: Path, files: dict[str, str | bytes | None]) -> Path:
    """A raw folder: the baseline files, replaced (or removed, with None) by ``files``."""
    for relative, content in {**BASELINE, **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.unlink(missing_ok=True)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def raw_refs(raw_uri: str, **fs_args) -> dict[str, object]:
    """The node inputs ``raw_<name>``, as the catalog's RawFileDatasets load them."""
    return {
        f"raw_{c.name}": RawFileDataset(raw_uri, c.name, fs_args=fs_args or None).load()
        for c in CONTRACTS
    }


def ingest_params(work: Path, **overrides) -> dict:
    params = {
        "max_reject_rate": 0.05,
        "work_dir": str(work / "ingest"),
        "stage": {"uri": str(work / "stage"), "name": "RAW_LOAD.LANDING_STAGE", "create": True},
        "duckdb": {"memory_limit": "512MB", "threads": 2},
    }
    params.update(overrides)
    return params


def scan(raw_uri: str | Path, work: Path, fs_args: dict | None = None, **overrides):
    return scan_raw_files(
        **raw_refs(str(raw_uri), **(fs_args or {})), ingest=ingest_params(work, **overrides)
    )


def ingest(raw_uri: str | Path, warehouse, work: Path, fs_args: dict | None = None, **overrides):
    """Both nodes, as the pipeline runs them; returns the load report."""
    scanned = scan(raw_uri, work, fs_args, **overrides)
    return load_raw(scanned, warehouse, ingest_params(work, **overrides))


def snapshot(warehouse) -> dict[str, list[tuple]]:
    """Every RAW table, row for row (sorted), or None for a table that does not exist."""
    tables = {}
    with warehouse.cursor() as cur:
        for table in RAW_TABLES:
            try:
                rows = cur.execute(f"select * from RAW.{table}").fetchall()
            except Exception:  # the table is absent before the first load
                tables[table] = None
                continue
            tables[table] = sorted(rows, key=repr)
    return tables


def rejected_rows(warehouse) -> list[tuple]:
    with warehouse.cursor() as cur:
        return cur.execute(
            "select source_file, line_number, reason, raw_line, stage from RAW.REJECTED_ROWS "
            "order by source_file, line_number"
        ).fetchall()


def query(warehouse, sql: str) -> list[tuple]:
    with warehouse.cursor() as cur:
        return cur.execute(sql).fetchall()


_BASELINE: dict[int, dict] = {}


def ensure_loaded(warehouse, tmp_path_factory) -> dict[str, list[tuple]]:
    """The RAW tables as a previous successful load left them.

    The baseline files are loaded once per session (per warehouse), when no earlier test did.
    """
    if id(warehouse) not in _BASELINE:
        work = tmp_path_factory.mktemp("baseline")
        ingest(write_raw(work / "raw", {}), warehouse, work)
        _BASELINE[id(warehouse)] = snapshot(warehouse)
    return snapshot(warehouse)
