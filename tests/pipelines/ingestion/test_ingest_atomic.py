"""All or nothing, and the same every time: re-runs and interrupted loads."""

from __future__ import annotations

import dataclasses

import pytest
from ingest_support import (
    RATINGS,
    ensure_loaded,
    ingest,
    ingest_params,
    rejected_rows,
    scan,
    snapshot,
    write_raw,
)

from netflix_pipeline.pipelines.ingestion.load import RawTableLoader
from netflix_pipeline.pipelines.sample_data.generator import generate
from netflix_pipeline.warehouse.stage import StageSettings


def test_the_same_input_twice_gives_the_same_tables(warehouse, tmp_path):
    planted = generate(
        tmp_path / "raw", movies=60, ratings=400, users=20, metadata_flavour="tmdb", seed=5
    )
    ingest(tmp_path / "raw", warehouse, tmp_path / "first", max_reject_rate=0.2)
    first = snapshot(warehouse)
    ingest(tmp_path / "raw", warehouse, tmp_path / "second", max_reject_rate=0.2)
    assert snapshot(warehouse) == first
    # and the planted duplicate id and non-numeric budget of the TMDB flavour are quarantined
    metadata = [row for row in rejected_rows(warehouse) if row[0] == "tmdb/movies_metadata.csv"]
    faults = planted["tmdb/movies_metadata.csv"]["faults"]
    assert len(metadata) == faults["duplicate_id"] + faults["non_numeric_budget"] == 2
    assert sorted(r[2].split(" ")[0] for r in metadata) == ["budget:", "duplicate"]


class InterruptedPublish(RawTableLoader):
    """Fails half-way through replacing the RAW tables, after the tables from scratch tables
    (RAW.MOVIES among them) and RAW.RATINGS, straight from its staged file, were rewritten."""

    def replacements(self, cur, contracts):
        done = super().replacements(cur, contracts)
        ratings = next(i for i, r in enumerate(done) if r.table.endswith(".RATINGS"))
        assert ratings >= 1 and not any(r.staged for r in done[:ratings])
        assert done[ratings].staged is not None
        broken = dataclasses.replace(done[0], source="RAW_LOAD.NO_SUCH_TABLE")
        return [*done[: ratings + 1], broken, *done[ratings + 1 :]]


class InterruptedLanding(RawTableLoader):
    """Fails while landing the second file, after the first one was copied and checked."""

    def load_file(self, cur, item):
        entry = super().load_file(cur, item)
        if item.contract.name == "ratings":
            cur.execute("copy into RAW_LOAD.RATINGS from @RAW_LOAD.NO_SUCH_STAGE/x.parquet")
        return entry


@pytest.mark.parametrize(
    ("loader", "rating"), [(InterruptedPublish, "3.0"), (InterruptedLanding, "2.0")]
)
def test_an_interrupted_load_leaves_the_old_tables(
    warehouse, tmp_path_factory, tmp_path, loader, rating
):
    before = ensure_loaded(warehouse, tmp_path_factory)
    raw = write_raw(tmp_path / "raw", {"movielens/ratings.csv": RATINGS.replace("4.0", rating)})
    scanned = scan(raw, tmp_path)
    params = ingest_params(tmp_path)
    with pytest.raises(Exception, match="NO_SUCH"):
        loader(warehouse, stage=StageSettings(**params["stage"]), max_reject_rate=0.05).load(
            scanned
        )
    assert snapshot(warehouse) == before
    # the next run loads as usual
    RawTableLoader(warehouse, stage=StageSettings(**params["stage"]), max_reject_rate=0.05).load(
        scanned
    )
    # RAW.RATINGS: USER_ID, MOVIE_ID, RATING, RATED_AT_EPOCH
    ratings = [str(r[2]) for r in snapshot(warehouse)["RATINGS"]]
    assert ratings.count(rating) > [str(r[2]) for r in before["RATINGS"]].count(rating)
    assert "4.0" not in ratings


def test_max_reject_rate_must_be_a_fraction(warehouse):
    with pytest.raises(ValueError, match="ingest.max_reject_rate must be a fraction from 0 to 1"):
        RawTableLoader(warehouse, stage=StageSettings(), max_reject_rate=5)
