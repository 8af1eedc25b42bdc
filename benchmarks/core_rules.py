"""What the comparison scripts share: the raw file paths and the genre rules (DESIGN §3, §4).

The floor (``floor_duckdb.py``) and the pandas baseline (``baseline_pandas.py``) compute the core
of the marts the way a one-off script would; they read the genre hierarchy, synonyms and drops
from the project's parameters (``conf/base/parameters_genres.yml``) so that they classify films
the same way the pipeline does, without importing the pipeline's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GENRE_PARAMS = REPO / "conf" / "base" / "parameters_genres.yml"

RAW_FILES = {
    "movies": "movielens/movies.csv",
    "ratings": "movielens/ratings.csv",
    "links": "movielens/links.csv",
    "tags": "movielens/tags.csv",
    "metadata": "tmdb/movies_metadata.csv",
}

# The genre names in TMDB's JSON objects and in Kaggle's Python-literal dicts:
# [{"id": 28, "name": "Action"}] and [{'id': 28, 'name': 'Action'}].
TMDB_NAME_PATTERN = r"""['"]name['"]\s*:\s*['"]([^'"]*)['"]"""


@dataclass(frozen=True)
class Rules:
    hierarchy: tuple[str, ...]
    canonical: dict[str, str]  # lower-cased spelling -> canonical name (hierarchy and synonyms)
    drop: frozenset[str]  # lower-cased non-genres (the empty string included)
    unknown: str


def load_rules(path: Path = GENRE_PARAMS) -> Rules:
    import yaml

    with Path(path).open(encoding="utf-8") as fh:
        params = yaml.safe_load(fh)["genres"]
    hierarchy = tuple(params["hierarchy"])
    canonical = {name.lower(): name for name in hierarchy}
    canonical.update({k.lower(): v for k, v in (params.get("synonyms") or {}).items()})
    drop = frozenset(d.lower() for d in params.get("drop") or []) | {""}
    return Rules(hierarchy, canonical, drop, str(params.get("unknown_genre", "Unknown")))


def raw_paths(raw_dir: Path) -> dict[str, Path]:
    return {name: Path(raw_dir) / rel for name, rel in RAW_FILES.items()}
