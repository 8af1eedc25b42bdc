"""Runs that are exclusive, interruptible and on the record, against real peers on loopback.

The production configuration (``kedro run --env prod``) with its raw files and reports in S3 (a
moto server) and a warehouse that outlives the runs (an emulator this module starts and sets
up as ``dbt/setup/snowflake_setup.sql`` sets up an account). Two raw exports: ``old`` (the
sample) and ``new`` (the sample without its last ratings and films), so that every table shows
which one it holds.

A run is interrupted while the warehouse holds one of its statements (the emulator's ``Stall``:
a slow statement, as Snowflake has them): SIGTERM during the load, dbt, the genre step and the
publish; SIGKILL inside the transactions that replace RAW and MARTS. Each time, every group of
tables (RAW, MARTS) is all old or all new, no process of the run is left, the ledger says what
happened, and the next run succeeds with the outputs of an uninterrupted one. Two runs at once:
the second is refused and names the first; once the first is killed, its lease expires and a
new run takes over.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import statement_audit
from conftest import REPO, prod_env, project_copy

from netflix_pipeline.warehouse.emulator import STATEMENT_LOG_ENV, Emulator
from netflix_pipeline.warehouse.emulator_server import STALL_ENV

BUCKET = "netflix-runs"
RAW_TABLES = ("MOVIES", "RATINGS", "LINKS", "TAGS", "MOVIES_METADATA", "REJECTED_ROWS")
MARTS = ("FCT_MOVIES", "GENRE_DECADE_PERFORMANCE", "GENRE_SCORECARD", "TOP_MOVIES_BY_DECADE")
LEASE_TTL = 6  # seconds: a killed run's lease expires this long after its last renewal
DROPPED = {"movielens/ratings.csv": 20000, "tmdb/movies_metadata.csv": 300}  # lines, for `new`

pytestmark = pytest.mark.timeout(900)


class Nightly:
    """The account, the bucket and the project; starts runs and reads what they left."""

    def __init__(self, project: Path, env: dict[str, str], account: dict, stall: Path, s3):
        self.project, self.env, self.account, self.stall, self.s3 = (
            project,
            env,
            account,
            stall,
            s3,
        )
        self.logs = project / "logs"
        self.logs.mkdir(exist_ok=True)
        self.count = 0

    def start(self, raw: str, stall: str = "") -> tuple[subprocess.Popen, Path]:
        """``kedro run --env prod`` on the ``raw`` export; statements matching ``stall`` are
        held by the warehouse."""
        self.stall.write_text(stall)
        Path(f"{self.stall}.hit").unlink(missing_ok=True)
        self.count += 1
        log = self.logs / f"run{self.count}.log"
        env = {**self.env, "RAW_URI": f"s3://{BUCKET}/{raw}/raw"}
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("kedro")),
                "run",
                "--env",
                "prod",
                f"--params=run.lease.ttl_seconds={LEASE_TTL}",
            ],
            cwd=self.project,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        return process, log

    def run(self, raw: str) -> tuple[int, str]:
        process, log = self.start(raw)
        return process.wait(600), log.read_text()

    def wait_for_hold(self, process: subprocess.Popen, log: Path, timeout: float = 240) -> str:
        hit = Path(f"{self.stall}.hit")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if hit.exists() and hit.read_text().strip():
                return json.loads(hit.read_text().splitlines()[0])["sql"]
            if process.poll() is not None:
                pytest.fail(
                    f"the run ended before the statement was held:\n{log.read_text()[-4000:]}"
                )
            time.sleep(0.1)
        process.kill()
        pytest.fail(f"no statement was held:\n{log.read_text()[-4000:]}")

    def query(self, sql: str) -> list[tuple]:
        import snowflake.connector

        with snowflake.connector.connect(**self.account, network_timeout=60) as conn:
            cur = conn.cursor()
            cur.execute("use database NETFLIX")
            return cur.execute(sql).fetchall()

    def state(self) -> dict[str, tuple]:
        """What RAW and MARTS hold: RAW's row counts, and a digest of each mart's rows."""
        raw = tuple(self.query(f"select count(*) from RAW.{t}")[0][0] for t in RAW_TABLES)
        marts = tuple(
            hashlib.sha256(
                repr(sorted(map(repr, self.query(f"select * from MARTS.{t}")))).encode()
            ).hexdigest()[:16]
            for t in MARTS
        )
        return {"RAW": raw, "MARTS": marts}

    def ledger(self, run_id: str) -> dict:
        rows = self.query(
            f"select STATUS, STEP, MESSAGE, RECORD from OPS.RUN_LEDGER where RUN_ID = '{run_id}'"
        )
        assert len(rows) == 1, (run_id, rows)
        status, step, message, record = rows[0]
        return {"status": status, "step": step, "message": message, "record": json.loads(record)}

    def latest_insights(self) -> dict:
        body = self.s3.get_object(Bucket=BUCKET, Key="reports/latest/insights.json")["Body"]
        insights = json.loads(body.read())
        insights.pop("run_id")
        return insights

    def run_json(self, run_id: str) -> dict:
        key = f"reports/runs/{run_id}/run.json"
        return json.loads(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def run_id_of(log: str) -> str:
    for line in log.splitlines():
        if line.startswith("{") and (run_id := json.loads(line).get("run_id")):
            return run_id
    raise AssertionError(f"no run id in the log:\n{log[-3000:]}")


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def one_version(state: dict, old: dict, new: dict) -> None:
    for group in ("RAW", "MARTS"):
        assert state[group] in (old[group], new[group]), f"{group} is half old, half new"


@pytest.fixture(scope="module")
def nightly(moto_s3, tmp_path_factory):
    s3_endpoint, s3 = moto_s3
    tmp = tmp_path_factory.mktemp("nightly")
    stall, stage = tmp / "stall", tmp / "stage"
    stage.mkdir()
    server = Emulator()
    with pytest.MonkeyPatch.context() as env:
        env.setenv(STALL_ENV, str(stall))
        env.setenv(STATEMENT_LOG_ENV, str(tmp / "statements.jsonl"))
        server.start()
    account = server.connect_args()
    statement_audit.set_up_account(account, stage)
    project = project_copy(tmp)
    s3.create_bucket(Bucket=BUCKET)
    raw = REPO / "data" / "01_raw"
    for path in raw.rglob("*.csv"):
        name = path.relative_to(raw).as_posix()
        s3.upload_file(str(path), BUCKET, f"old/raw/{name}")
        lines = path.read_bytes().splitlines(keepends=True)
        new = lines[: len(lines) - DROPPED.get(name, 0)]
        s3.put_object(Bucket=BUCKET, Key=f"new/raw/{name}", Body=b"".join(new))
    env = {
        **os.environ,
        "KEDRO_DISABLE_TELEMETRY": "true",
        **prod_env(project, tmp, account, stage, s3_endpoint, f"s3://{BUCKET}/reports"),
    }
    try:
        yield Nightly(project, env, account, stall, s3)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def versions(nightly):
    """Both exports loaded once, uninterrupted: what RAW, MARTS and the insights are after
    each. The warehouse is left holding the old one."""
    found = {}
    for raw in ("new", "old"):
        code, log = nightly.run(raw)
        assert code == 0, log[-6000:]
        found[raw] = {**nightly.state(), "insights": nightly.latest_insights()}
    assert found["new"]["RAW"] != found["old"]["RAW"]
    assert found["new"]["MARTS"] != found["old"]["MARTS"]
    return found


# SIGTERM at each stage, while the warehouse holds one of the run's statements.
STAGES = {
    "load": r"(?i)^\s*copy into RAW\.TAGS",
    "dbt": r"(?is)create or replace.*\bint_film_ratings\b",
    "genres": r"(?i)^\s*CREATE\s+OR\s+REPLACE\s+TABLE\s+GENRES\.MOVIE_GENRES",
    "publish": r"(?i)^\s*insert into MARTS\.GENRE_SCORECARD",
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_sigterm_stops_the_run_cleanly(nightly, versions, stage):
    process, log = nightly.start("new", STAGES[stage])
    nightly.wait_for_hold(process, log)
    below = descendants(process.pid)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(60)
    text = log.read_text()
    assert code == 143, text[-4000:]
    assert time.monotonic() - started < 40  # well within the pod's grace period (60 s)
    time.sleep(1)
    assert not alive(below), f"left behind: {alive(below)}"
    one_version(nightly.state(), versions["old"], versions["new"])
    run_id = run_id_of(text)
    row = nightly.ledger(run_id)
    assert row["status"] == "interrupted" and row["message"] == "interrupted by SIGTERM"
    assert row["step"] and row["record"]["exit_code"] == 143
    assert nightly.run_json(run_id)["status"] == "interrupted"
    assert "interrupted" in text and "exit code 143" in text
    assert nightly.query("select RUN_ID from OPS.RUN_LEASE") == [(None,)]  # released


def test_the_next_run_after_interruptions_equals_an_uninterrupted_one(nightly, versions):
    code, log = nightly.run("new")
    assert code == 0, log[-6000:]
    state = nightly.state()
    assert state["RAW"] == versions["new"]["RAW"] and state["MARTS"] == versions["new"]["MARTS"]
    assert nightly.latest_insights() == versions["new"]["insights"]
    row = nightly.ledger(run_id_of(log))
    assert row["status"] == "succeeded" and row["record"]["published"]["schema"] == "MARTS"


# SIGKILL inside the transactions that replace RAW and MARTS: nothing can clean up.
KILLED_IN = {  # the statement held, and the tables whose transaction it is in
    "load": (r"(?i)^\s*insert into RAW\.MOVIES_METADATA", "RAW"),
    "publish": (r"(?i)^\s*insert into MARTS\.GENRE_SCORECARD", "MARTS"),
}


@pytest.mark.parametrize("stage", list(KILLED_IN))
def test_sigkill_leaves_the_tables_whole_and_the_next_run_recovers(nightly, versions, stage):
    """Killed inside a transaction: nothing of it is committed, the dbt worker goes with it, the
    lease expires and the next run takes over, aborts the dead transaction and recovers. While
    the killed run still held the lease, a second run was refused."""
    held, group = KILLED_IN[stage]
    before = nightly.state()
    other = "old" if before[group] == versions["new"][group] else "new"
    process, log = nightly.start(other, held)
    nightly.wait_for_hold(process, log)
    killed = run_id_of(log.read_text())
    if stage == "publish":
        # Meanwhile a second run (a manual Job) is refused at once and names the holder.
        code, text = nightly.run("new")
        assert code == 2, text[-4000:]
        assert f"another run holds the warehouse lease 'nightly': run {killed}" in text
        assert "refused" in text
        assert nightly.ledger(run_id_of(text))["status"] == "failed"
        assert process.poll() is None  # the holder goes on, untouched
    below = descendants(process.pid)
    process.kill()
    process.wait(30)
    time.sleep(2)
    assert not alive(below), f"left behind: {alive(below)}"  # dbt stops with its parent
    one_version(nightly.state(), versions["old"], versions["new"])
    assert nightly.state()[group] == before[group]  # killed inside its transaction: unchanged
    assert nightly.ledger(killed)["status"] == "running"  # it could not say otherwise

    time.sleep(LEASE_TTL + 1)  # its lease expires
    code, text = nightly.run("new")
    assert code == 0, text[-6000:]
    assert f"Took over the warehouse lease of run {killed}" in text
    assert "Aborted 1 transaction(s) an earlier run left open" in text
    state = nightly.state()
    assert state["RAW"] == versions["new"]["RAW"] and state["MARTS"] == versions["new"]["MARTS"]
    assert nightly.latest_insights() == versions["new"]["insights"]
    dead = nightly.ledger(killed)
    assert dead["status"] == "interrupted" and run_id_of(text) in dead["message"]
