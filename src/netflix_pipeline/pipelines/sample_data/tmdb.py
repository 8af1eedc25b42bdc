"""tmdb/movies_metadata.csv in Kaggle's or TMDB 5000's flavour.

Every linked movie gets a row by default; fewer rows pick the more popular movies, more rows add
TMDB films that MovieLens does not know.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .films import Catalogue, Films, draw_films
from .genre_table import TMDB_GENRES
from .layout import KAGGLE_COLUMNS, TMDB_COLUMNS, write_csv
from .messy_genres import genre_id
from .sampling import unique_ints
from .streams import EXTRA_FILMS, FAULTS, METADATA, stream
from .tmdb_faults import (
    plant_duplicate_id,
    plant_empty_dates,
    plant_messy_genres,
    plant_non_numeric_budget,
    plant_shifted_rows,
)
from .tmdb_text import overviews
from .tmdb_values import MetadataValues, draw_values
from .vocabulary import COMPANIES, COUNTRIES, LANGUAGES, TAGLINES

Columns = dict[str, list[str]]


def write_metadata(
    path: Path,
    seed: int,
    cat: Catalogue,
    linked: np.ndarray,
    metadata_rows: int | None,
    flavour: str,
    faults: bool,
) -> dict:
    """movies_metadata.csv for ``metadata_rows`` films (default: the ``linked`` ones)."""
    films, tmdb_ids, imdb_ids = _metadata_films(seed, cat, linked, metadata_rows)
    rows, counts = metadata_rows_and_faults(seed, films, tmdb_ids, imdb_ids, flavour, faults)
    write_csv(path, KAGGLE_COLUMNS if flavour == "kaggle" else TMDB_COLUMNS, rows)
    return {"rows": len(rows), "faults": counts}


def _metadata_films(
    seed: int, cat: Catalogue, linked: np.ndarray, metadata_rows: int | None
) -> tuple[Films, np.ndarray, np.ndarray]:
    """The films of the metadata file, with their tmdbIds and imdbIds."""
    if metadata_rows is None:
        metadata_rows = linked.size
    if metadata_rows > linked.size:
        return _with_extra_films(seed, cat, linked, metadata_rows - linked.size)
    mrng = stream(seed, METADATA, 1)
    keys = np.log(cat.films["popularity"][linked]) + mrng.gumbel(size=linked.size)
    chosen = np.sort(linked[np.argsort(-keys, kind="stable")[:metadata_rows]])
    return {k: v[chosen] for k, v in cat.films.items()}, cat.tmdb_ids[chosen], cat.imdb_ids[chosen]


def _with_extra_films(
    seed: int, cat: Catalogue, linked: np.ndarray, extra: int
) -> tuple[Films, np.ndarray, np.ndarray]:
    """The linked films and ``extra`` TMDB-only ones, mixed in among them."""
    erng = stream(seed, EXTRA_FILMS)
    extras = draw_films(erng, extra)
    fresh = unique_ints(erng, extra, 1_200_000, 2_000_000)  # above every linked id
    imdb_fresh = unique_ints(erng, extra, 10_000_000, 20_000_000) % 10_000_000
    place = np.argsort(np.r_[linked, erng.uniform(0, len(cat.movie_ids), extra)], kind="stable")
    films = cat.films
    return (
        {k: np.concatenate([films[k][linked], extras[k]])[place] for k in films},
        np.r_[cat.tmdb_ids[linked], fresh][place],
        np.r_[cat.imdb_ids[linked], imdb_fresh][place],
    )


def metadata_rows_and_faults(
    seed: int,
    films: Films,
    tmdb_ids: np.ndarray,
    imdb_ids: np.ndarray,
    flavour: str,
    faults: bool,
) -> tuple[list[list[str]], dict[str, int]]:
    """Rows of movies_metadata.csv (header excluded) and the planted faults."""
    rng, frng = stream(seed, METADATA), stream(seed, FAULTS, 2)
    n = len(tmdb_ids)
    kaggle = flavour == "kaggle"
    v = draw_values(rng, films, kaggle)
    counts = {
        "duplicate_id": 0,
        "shifted_row": 0,
        "non_numeric_budget": 0,
        "empty_release_date": 0,
        "messy_genres": 0,
    }
    text = {"budget": [str(b) for b in v.budget.tolist()], "release_date": v.dates.tolist()}
    messy: dict[int, list[str]] = {}
    if faults and n:
        counts["empty_release_date"] = plant_empty_dates(frng, text["release_date"])
        counts["non_numeric_budget"] = plant_non_numeric_budget(frng, v.budget, text["budget"])
        messy = plant_messy_genres(frng, films["order"])
        counts["messy_genres"] = len(messy)
    titles = [str(t) for t in films["title"]]
    text |= _common_columns(rng, v, titles, tmdb_ids)
    genres = _genre_items(films["order"], messy)
    if kaggle:
        columns = _kaggle_columns(rng, text, v, genres, tmdb_ids, imdb_ids)
    else:
        columns = _tmdb_columns(text, v, genres)
    header = KAGGLE_COLUMNS if kaggle else TMDB_COLUMNS
    rows = [list(row) for row in zip(*(columns[c] for c in header), strict=True)]
    if faults and n >= 2:
        plant_duplicate_id(frng, rows, v, kaggle)
        counts["duplicate_id"] = 1
        if kaggle:
            counts["shifted_row"] = plant_shifted_rows(frng, rows, v, titles)
    return rows, counts


def _common_columns(
    rng: np.random.Generator, v: MetadataValues, titles: list[str], tmdb_ids: np.ndarray
) -> Columns:
    """The columns both flavours write alike."""
    runtime = v.runtime.tolist()
    return {
        "id": [str(i) for i in tmdb_ids.tolist()],
        "title": titles,
        "original_title": titles,
        "overview": overviews(rng, titles, v.newline),
        "popularity": [f"{p:.6f}" for p in v.popularity],
        "runtime": ["" if no else f"{rt}.0" for rt, no in zip(runtime, v.no_runtime, strict=True)],
        "original_language": [LANGUAGES[i][0] for i in v.lang],
        "tagline": [
            TAGLINES[t] if h else "" for t, h in zip(v.tagline.tolist(), v.has_tagline, strict=True)
        ],
        "status": v.status,
        "vote_average": [f"{a:.1f}" for a in v.vote_avg.tolist()],
    }


def _genre_items(order: np.ndarray, messy: dict[int, list[str]]) -> list[list[dict]]:
    """Each film's genres as TMDB items, or its planted messy names with their ids."""
    return [
        [{"id": genre_id(g), "name": g} for g in messy[i]]
        if i in messy
        else [{"id": gid, "name": g} for gid, g in _tmdb_genres(row)]
        for i, row in enumerate(order.tolist())
    ]


def _tmdb_genres(row: list[int]) -> list[tuple[int, str]]:
    """(id, name) of the film's genres that TMDB knows, in rank order."""
    return [genre for g in row if g >= 0 and (genre := TMDB_GENRES[g]) is not None]


def _kaggle_columns(
    rng: np.random.Generator,
    text: Columns,
    v: MetadataValues,
    genres: list[list[dict]],
    tmdb_ids: np.ndarray,
    imdb_ids: np.ndarray,
) -> Columns:
    """Kaggle's columns: Python literals for nested values, money and votes as floats."""
    n = len(v.posters)
    company_order = np.argsort(rng.random((n, len(COMPANIES))), axis=1)[:, :3].tolist()
    companies = [
        str([{"name": COMPANIES[j][1], "id": COMPANIES[j][0]} for j in order[:k]])
        for order, k in zip(company_order, v.n_companies, strict=True)
    ]
    homepages = [
        f"http://www.{''.join(ch for ch in t.lower() if ch.isalnum())}.com/" if h else ""
        for t, h in zip(text["title"], v.homepage, strict=True)
    ]
    return text | {
        "adult": ["False"] * n,
        "belongs_to_collection": _collections(v, text["title"], tmdb_ids.tolist()),
        "genres": [str(g) for g in genres],
        "homepage": homepages,
        "imdb_id": [f"tt{i:07d}" for i in imdb_ids.tolist()],
        "poster_path": v.posters,
        "production_companies": companies,
        "revenue": [f"{r}.0" for r in v.revenue.tolist()],
        "video": ["False"] * n,
        "vote_count": [f"{c}.0" for c in v.vote_count.tolist()],
    }


def _collections(v: MetadataValues, titles: list[str], ids: list[int]) -> list[str]:
    """belongs_to_collection: a Python dict literal for films in a collection, else empty."""
    n = len(titles)
    return [
        str(
            {
                "id": ids[i] + 7,
                "name": f"{titles[i].removeprefix('The ')} Collection",
                "poster_path": v.posters[i],
                "backdrop_path": v.posters[(i + 1) % n],
            }
        )
        if v.collection[i]
        else ""
        for i in range(n)
    ]


def _tmdb_columns(text: Columns, v: MetadataValues, genres: list[list[dict]]) -> Columns:
    """TMDB 5000's columns: JSON for nested values, money and votes as integers."""
    countries = [COUNTRIES[code] for code in text["original_language"]]
    return text | {
        "revenue": [str(r) for r in v.revenue.tolist()],
        "genres": [json.dumps(g, ensure_ascii=False) for g in genres],
        "vote_count": [str(c) for c in v.vote_count.tolist()],
        "production_countries": [
            json.dumps([{"iso_3166_1": iso, "name": name}]) for iso, name in countries
        ],
        "spoken_languages": [
            json.dumps(
                [{"iso_639_1": LANGUAGES[i][0], "name": LANGUAGES[i][1]}], ensure_ascii=False
            )
            for i in v.lang
        ],
    }
