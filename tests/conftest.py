"""Shared fixtures: paths, the real data in ../shared/data, the emulator and pipeline runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: the real files are never copied into the repository."""
    if not (SHARED_DATA / "movielens-small" / "movies.csv").exists():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


def lay_out_real_data(shared: Path, target: Path) -> Path:
    """The real MovieLens + TMDB files in the raw layout (DESIGN §3), as symlinks."""
    (target / "movielens").mkdir(parents=True, exist_ok=True)
    (target / "tmdb").mkdir(parents=True, exist_ok=True)
    for name in ("movies", "ratings", "links", "tags"):
        (target / "movielens" / f"{name}.csv").symlink_to(
            shared / "movielens-small" / f"{name}.csv"
        )
    (target / "tmdb" / "movies_metadata.csv").symlink_to(
        shared / "tmdb-5000" / "tmdb_5000_movies.csv"
    )
    return target


@pytest.fixture(scope="session")
def real_raw(shared_data: Path, tmp_path_factory) -> Path:
    return lay_out_real_data(shared_data, tmp_path_factory.mktemp("real_raw"))


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> tuple[Path, dict]:
    """The generator's ``tiny`` scale (Kaggle metadata) and its counts, made once; read only."""
    from netflix_pipeline.pipelines.sample_data.generator import generate_scale

    out = tmp_path_factory.mktemp("tiny")
    return out, generate_scale(out, "tiny")


@pytest.fixture(scope="session")
def tiny_tmdb(tmp_path_factory) -> tuple[Path, dict]:
    """The ``tiny`` scale with TMDB 5000 metadata, made once; read only."""
    from netflix_pipeline.pipelines.sample_data.generator import generate_scale

    out = tmp_path_factory.mktemp("tiny_tmdb")
    return out, generate_scale(out, "tiny", metadata_flavour="tmdb")


@pytest.fixture(scope="session")
def warehouse():
    """A Warehouse on its own emulator for the whole test session."""
    from netflix_pipeline.warehouse import Warehouse, WarehouseSettings

    wh = Warehouse(WarehouseSettings(emulator=True, database="NETFLIX"))
    wh.ensure_started()
    yield wh
    wh.close()


def project_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the project (conf, dbt, data layout) to run Kedro in.

    Runs write data/ and dbt/target; a copy keeps tests independent of each other and of the
    developer's own outputs.
    """
    dest = tmp_path / "project"
    dest.mkdir()
    for name in ("conf", "dbt", "pyproject.toml", ".telemetry"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("target", "logs"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    # Kedro checks that a source folder exists; the package itself is installed (editable).
    (dest / "src").mkdir()
    (dest / "data").mkdir()
    shutil.copytree(REPO / "data" / "01_raw", dest / "data" / "01_raw")
    for layer in ("02_intermediate", "08_reporting"):
        (dest / "data" / layer).mkdir()
    return dest


def run_kedro(
    project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """``kedro run`` in a child process, exactly as a user runs it."""
    kedro = Path(sys.executable).with_name("kedro")
    full_env = {
        **os.environ,
        "KEDRO_DISABLE_TELEMETRY": "true",
        "KEDRO_LOGGING_CONFIG": str(project / "conf" / "logging.yml"),
        **(env or {}),
    }
    return subprocess.run(
        [str(kedro), "run", *args],
        cwd=project,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def prod_env(
    project: Path, tmp: Path, account: dict, stage: Path, s3_endpoint: str, reports_uri: str
) -> dict[str, str]:
    """The environment of the image's ``kedro run`` (KEDRO_ENV=prod, the ConfigMap's settings)
    with S3 on a moto server and the account an emulator reached as Snowflake is, by host and
    port. Its stage reads the checked files from the folder ``stage`` (the emulator cannot read
    s3:// stages); RAW_URI is each run's."""
    env = {
        "KEDRO_ENV": "prod",
        "KEDRO_LOGGING_CONFIG": str(project / "conf" / "prod" / "logging.yml"),
        "KEDRO_LOGGING_MODULE_ALLOWLIST": "netflix_pipeline.jsonlog",
        "REPORTS_URI": reports_uri,
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SNOWFLAKE_ACCOUNT": account["account"],
        "SNOWFLAKE_USER": account["user"],
        "SNOWFLAKE_PASSWORD": account["password"],
        "SNOWFLAKE_HOST": account["host"],
        "SNOWFLAKE_PORT": str(account["port"]),
        "SNOWFLAKE_PROTOCOL": account["protocol"],
        "STAGE_URI": str(stage),
        "STAGE_NAME": "RAW_LOAD.LANDING_STAGE",
        "INGEST_WORK_DIR": str(tmp / "ingest"),
        "DBT_TARGET_PATH": str(tmp / "dbt-target"),
        "DBT_LOG_PATH": str(tmp / "dbt-logs"),
    }
    for name in [k for k in os.environ if k.startswith("POWERBI_")]:
        env[name] = ""  # Power BI is skipped
    return env


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return project_copy(tmp_path)


# The genre figures that DESIGN §5 requires in insights.json.
DESIGN_GENRE_KEYS = frozenset(
    {
        "films",
        "revenue_recent",
        "projected_revenue_recent",
        "outperformance_recent",
        "market_share_recent",
        "avg_profit",
        "avg_budget_recent",
        "avg_revenue_recent",
        "roi_recent",
        "others_avg_budget_recent",
        "others_roi_recent",
    }
)

S3_TEST_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "region_name": "us-east-1",
}


@pytest.fixture(scope="session")
def moto_s3():
    """A moto S3 server on a free loopback port: ``(endpoint, boto3 client)``."""
    import boto3
    from moto.server import ThreadedMotoServer

    from netflix_pipeline.warehouse.emulator import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    yield endpoint, boto3.client("s3", endpoint_url=endpoint, **S3_TEST_CREDENTIALS)
    server.stop()
