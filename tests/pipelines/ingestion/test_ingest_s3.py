"""The S3 path: raw_uri=s3://bucket/prefix, through s3fs, against real S3 peers on loopback.

A moto server holds the bucket; the endpoint and the credentials come from the standard AWS
environment variables, as in the pod. Storage faults stop the run before the warehouse is
touched, with a message naming the URI and what was expected.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ingest_support import ingest, rejected_rows, scan, snapshot
from kedro.io import DatasetError

from netflix_pipeline.pipelines.ingestion import nodes
from netflix_pipeline.pipelines.ingestion.source import RawFileError
from netflix_pipeline.pipelines.sample_data.generator import generate
from netflix_pipeline.warehouse.emulator import free_port

BUCKET = "netflix-raw"
PREFIX = "nightly/raw"


# Planted by the generator but no fault of the file: messy genre spellings (the genre
# normalization's business) and empty release dates or tmdbIds (nulls).
NOT_INGESTION_FAULTS = {"messy_genres", "empty_release_date", "empty_tmdb_id"}


def expected_rejects(planted: dict) -> dict[str, int]:
    """Rows the ingestion must reject per file, from the generator's account of its faults."""
    counts = {
        path: sum(n for kind, n in info["faults"].items() if kind not in NOT_INGESTION_FAULTS)
        for path, info in planted.items()
    }
    return {path: n for path, n in counts.items() if n}


@pytest.fixture(scope="module")
def s3(moto_s3, tmp_path_factory):
    """The moto S3 server with generated raw files (Kaggle flavour, planted faults)."""
    endpoint, client = moto_s3
    raw = tmp_path_factory.mktemp("s3raw")
    planted = generate(raw, movies=60, ratings=400, users=20, metadata_flavour="kaggle", seed=3)
    client.create_bucket(Bucket=BUCKET)
    for path in raw.rglob("*.csv"):
        client.upload_file(str(path), BUCKET, f"{PREFIX}/{path.relative_to(raw).as_posix()}")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL_S3", endpoint)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        yield {"endpoint": endpoint, "client": client, "planted": planted}


def test_loads_from_s3_and_quarantines_the_planted_faults(s3, warehouse, tmp_path, monkeypatch):
    uri = f"s3://{BUCKET}/{PREFIX}"
    written = []  # every file the scan writes on local disk: its own outputs, never the input
    scanned = nodes._scan_file

    def scan_file(raw, *args):
        item = scanned(raw, *args)
        written.extend(p.name for p in (tmp_path / "ingest").rglob("*") if p.is_file())
        return item

    monkeypatch.setattr(nodes, "_scan_file", scan_file)
    report = ingest(uri, warehouse, tmp_path, max_reject_rate=0.2)
    planted = s3["planted"]
    for name, path in [("movies", "movielens/movies.csv"), ("ratings", "movielens/ratings.csv")]:
        assert report[name]["uri"] == f"{uri}/{path}"
        assert report[name]["rows_loaded"] + report[name]["rows_rejected"] == planted[path]["rows"]
    # read where it lies: the scratch folder held landed Parquet files, no copy of a CSV file
    assert written and all(name.endswith(".parquet") for name in written)
    rejected: dict[str, int] = {}
    for source_file, *_ in rejected_rows(warehouse):
        rejected[source_file] = rejected.get(source_file, 0) + 1
    assert rejected == expected_rejects(planted)
    # the landed files are gone after the load
    assert not (tmp_path / "ingest").exists()


def test_missing_key(s3, warehouse, tmp_path):
    s3["client"].copy_object(
        Bucket=BUCKET,
        Key="partial/movielens/movies.csv",
        CopySource={"Bucket": BUCKET, "Key": f"{PREFIX}/movielens/movies.csv"},
    )
    before = snapshot(warehouse)
    with pytest.raises(RawFileError) as err:
        scan(f"s3://{BUCKET}/partial", tmp_path)
    message = str(err.value)
    assert message.startswith("3 raw files are unusable, so nothing was loaded")
    assert f"  - s3://{BUCKET}/partial/movielens/ratings.csv: required file not found." in message
    assert f"Expected movielens/ratings.csv under raw_uri = s3://{BUCKET}/partial" in message
    assert snapshot(warehouse) == before


def test_missing_bucket(s3, tmp_path):
    with pytest.raises(RawFileError) as err:
        scan("s3://no-such-bucket/raw", tmp_path)
    assert str(err.value).startswith(
        f"s3://no-such-bucket/raw/movielens/movies.csv: the bucket 'no-such-bucket' does not "
        f"exist at {s3['endpoint']}. Expected raw_uri=s3://<existing bucket>/<prefix>."
    )


def test_unreachable_endpoint(s3, tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(RawFileError) as err:
        scan(
            f"s3://{BUCKET}/{PREFIX}", tmp_path, fs_args={"client_kwargs": {"endpoint_url": closed}}
        )
    message = str(err.value)
    assert message.startswith(
        f"s3://{BUCKET}/{PREFIX}/movielens/movies.csv: the storage is unreachable: cannot "
        f"connect to {closed} while looking for the file (EndpointConnectionError"
    )
    assert "Check raw_uri, AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL and the network." in message
    assert "Nothing was loaded; the RAW tables are as they were." in message
    assert time.monotonic() - started < 30  # bounded retries, not botocore's default minutes


class _Forbidden(BaseHTTPRequestHandler):
    """An S3 endpoint that refuses every request, as S3 does without the right policy."""

    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
        b"<Message>Access Denied</Message></Error>"
    )

    def _deny(self) -> None:
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(self.body)

    do_GET = do_HEAD = do_PUT = _deny

    def log_message(self, *args) -> None:
        pass


def test_access_denied(s3, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forbidden)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(RawFileError) as err:
            scan(
                f"s3://{BUCKET}/{PREFIX}",
                tmp_path,
                fs_args={"client_kwargs": {"endpoint_url": endpoint}},
            )
    finally:
        server.shutdown()
    message = str(err.value)
    assert message.startswith(
        f"s3://{BUCKET}/{PREFIX}/movielens/movies.csv: access denied by {endpoint} while "
        "looking for the file"
    )
    assert "(s3:GetObject and s3:ListBucket on the raw prefix)" in message


def test_s3_defaults_bound_timeouts_and_retries():
    from netflix_pipeline.pipelines.ingestion.raw_files import RawFileDataset

    raw = RawFileDataset(
        "s3://b/p/",
        "movies",
        fs_args={
            "config_kwargs": {"retries": {"max_attempts": 5}},
            "client_kwargs": {"region_name": "eu-west-1"},
        },
    ).load()
    assert raw.uri == "s3://b/p/movielens/movies.csv"
    assert raw.storage_options == {
        "config_kwargs": {
            "connect_timeout": 10,
            "read_timeout": 60,
            "retries": {"max_attempts": 5},
        },
        "client_kwargs": {"region_name": "eu-west-1"},
    }
    local = RawFileDataset("data/01_raw", "tags").load()
    assert (local.uri, local.optional, local.storage_options) == (
        "data/01_raw/movielens/tags.csv",
        True,
        None,
    )
    with pytest.raises(DatasetError, match="expected one of movies, ratings"):
        RawFileDataset("data/01_raw", "credits")
