"""Benchmark of the whole pipeline against a DuckDB floor and a pandas script (issue 9).

    python benchmarks/bench_pipeline.py --scale small|medium|large|xlarge [--runs N] [--keep]
    python benchmarks/bench_pipeline.py --real ../shared/data        # the real files
    make bench SCALE=large

1. Raw data: the project's generator (``pipelines.sample_data.generator``) writes the files
   into ``data/bench/<scale>/raw`` (DESIGN §3 layout) once; a stamp file holds the generator's
   arguments and the files are made again only when they change (or with ``--regenerate``).
   ``--real DIR`` instead lays out ``DIR`` (``../shared/data``: ``movielens-small/`` and
   ``tmdb-5000/``, or a folder already in the raw layout) as symlinks in a temporary folder.
2. The pipeline: ``kedro run`` of the default pipeline as a child process, in a throwaway copy
   of the project under ``data/bench/<scale>/project`` (``conf/``, ``dbt/``, ``pyproject.toml``;
   the code is this checkout's ``src/``, through ``PYTHONPATH``), so that the run's relative
   paths — the ``stage.uri`` global (``data/02_intermediate/stage``, which ``--params`` cannot
   override: it is a global), the reports in ``data/08_reporting`` and ``dbt/target`` — all
   land under ``data/bench`` and the developer's own outputs are left alone. ``--in-place``
   runs in the repository itself instead, exactly as
   ``kedro run --params=raw_uri=data/bench/<scale>/raw,ingest.work_dir=...``.
   The copy's ``dbt/target`` is kept between benchmark runs, as a developer's is between runs
   (whether dbt could parse partially is in the JSON: ``dbt[].full_parse_because``).
   The child logs with millisecond timestamps (its own logging config through
   ``KEDRO_LOGGING_CONFIG``); ``stages`` come from Kedro's "Loading data from" / "Running node" /
   "Saving data to" / "Completed node" lines, the emulator's start line and dbt's own lines.
3. The comparison, over the same files in the same invocation: ``floor_duckdb.py`` (one DuckDB
   query) and ``baseline_pandas.py`` (the analyst's pandas script, ``--pandas-read lean`` by
   default), each in its own process. A pandas run stopped at ``--max-rss-gb`` (or failing) is
   recorded, with its peak, rather than stopping the benchmark: at ``xlarge`` it is expected.
4. Every process tree is sampled for RSS every 0.05 s (``procmon.py``); ``peak_rss_bytes`` is the
   peak of the summed RSS of the tree (Kedro, the emulator, dbt).

``data/bench/<scale>/benchmark.json`` gets the medians over ``--runs`` runs (every run's figures
are kept under ``pipeline_runs``, ``floor_runs`` and ``pandas_runs``), and a table is printed.
The machine is small (2 cores) and often shared: look at ``load_average`` in the JSON and prefer
medians of several runs. This is a benchmark, not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SRC = REPO / "src"
BENCH_ROOT = REPO / "data" / "bench"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(SRC))

from procmon import Measured, load_average, run_measured  # noqa: E402

SCALES = ("tiny", "sample", "small", "medium", "large", "xlarge")
GENERATOR = {"seed": 42, "metadata_flavour": "kaggle", "faults": True}
STAMP = ".bench-stamp.json"

# Targets of issue 9, reported (never asserted).
TARGET_FLOOR_RATIO = 10.0
TARGET_PANDAS_RATIO = 4.0
TARGET_REAL_SECONDS = 10.0

LOGGING_YAML = """\
# Written by benchmarks/bench_pipeline.py: conf/logging.yml's loggers, millisecond timestamps.
version: 1
disable_existing_loggers: false
formatters:
  ms:
    format: "%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s: %(message)s"
    datefmt: "%Y-%m-%d %H:%M:%S"
handlers:
  console:
    class: logging.StreamHandler
    level: INFO
    formatter: ms
    stream: ext://sys.stdout
loggers:
  kedro: {level: INFO}
  netflix_pipeline: {level: INFO}
  dbt: {level: INFO}
  snowflake.connector: {level: WARNING}
  botocore: {level: WARNING}
root:
  level: WARNING
  handlers: [console]
"""


# --------------------------------------------------------------------------------------------
# raw data


def _count_records(path: Path) -> int:
    """Data lines of a CSV file (physical lines minus the header; quoted newlines count)."""
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))
    return max(lines - 1, 0)


def _file_counts(raw: Path) -> dict[str, int]:
    names = {
        "movies": "movielens/movies.csv",
        "ratings": "movielens/ratings.csv",
        "links": "movielens/links.csv",
        "tags": "movielens/tags.csv",
        "metadata_rows": "tmdb/movies_metadata.csv",
    }
    return {key: _count_records(raw / rel) for key, rel in names.items()}


def _raw_bytes(raw: Path) -> int:
    return sum(p.stat().st_size for p in raw.rglob("*.csv"))


def ensure_raw(scale: str, regenerate: bool) -> tuple[Path, dict[str, Any]]:
    """The scale's raw files, generated unless a stamp with the same arguments is there."""
    from netflix_pipeline.pipelines.sample_data.generator import SCALES as PRESETS
    from netflix_pipeline.pipelines.sample_data.generator import generate_scale

    raw = BENCH_ROOT / scale / "raw"
    args = {"scale": scale, "preset": PRESETS[scale], **GENERATOR}
    stamp = raw / STAMP
    if not regenerate and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved.get("args") == args and all((raw / rel).exists() for rel in saved["files"]):
            return raw, saved
    tmp = raw.with_name("raw.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"generating the {scale} raw data into {raw} ...", flush=True)
    started = time.monotonic()
    counts = generate_scale(
        tmp,
        scale,
        seed=GENERATOR["seed"],
        metadata_flavour=GENERATOR["metadata_flavour"],
        faults=GENERATOR["faults"],
    )
    seconds = time.monotonic() - started
    saved = {
        "args": args,
        "files": sorted(counts),
        "rows": {name: c["rows"] for name, c in counts.items()},
        "generated_seconds": round(seconds, 1),
        "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    (tmp / STAMP).write_text(json.dumps(saved, indent=2))
    shutil.rmtree(raw, ignore_errors=True)
    tmp.rename(raw)
    print(f"  generated in {seconds:.1f} s", flush=True)
    return raw, saved


def lay_out_real(source: Path, target: Path) -> Path:
    """``source`` in the raw layout: as it is if it already is, else symlinks under ``target``."""
    source = source.resolve()
    if (source / "movielens" / "ratings.csv").exists():
        return source
    ml, tmdb = source / "movielens-small", source / "tmdb-5000"
    if not (ml / "ratings.csv").exists() or not (tmdb / "tmdb_5000_movies.csv").exists():
        raise SystemExit(
            f"{source}: expected movielens/ and tmdb/ (the raw layout) or movielens-small/ and "
            "tmdb-5000/ (../shared/data)"
        )
    (target / "movielens").mkdir(parents=True, exist_ok=True)
    (target / "tmdb").mkdir(parents=True, exist_ok=True)
    for name in ("movies", "ratings", "links", "tags"):
        if (ml / f"{name}.csv").exists():
            (target / "movielens" / f"{name}.csv").symlink_to(ml / f"{name}.csv")
    (target / "tmdb" / "movies_metadata.csv").symlink_to(tmdb / "tmdb_5000_movies.csv")
    return target


# --------------------------------------------------------------------------------------------
# the pipeline run


def prepare_project(root: Path) -> Path:
    """A copy of the project's configuration to run Kedro in (``dbt/target`` is kept)."""
    project = root / "project"
    project.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(project / "conf", ignore_errors=True)
    shutil.copytree(REPO / "conf", project / "conf")
    dbt = project / "dbt"
    dbt.mkdir(exist_ok=True)
    for child in dbt.iterdir():
        if child.name not in ("target", "logs"):
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for child in (REPO / "dbt").iterdir():
        if child.name in ("target", "logs", "dbt_packages"):
            continue
        if child.is_dir():
            shutil.copytree(child, dbt / child.name)
        else:
            shutil.copy2(child, dbt / child.name)
    shutil.copy2(REPO / "pyproject.toml", project / "pyproject.toml")
    if (REPO / ".telemetry").exists():
        shutil.copy2(REPO / ".telemetry", project / ".telemetry")
    # Kedro wants a source folder inside the project (a symlink resolves outside it): an empty
    # one, while the child's PYTHONPATH puts this checkout's src/ first.
    src = project / "src"
    if src.is_symlink():
        src.unlink()
    src.mkdir(exist_ok=True)
    shutil.rmtree(project / "data", ignore_errors=True)
    for layer in ("02_intermediate", "08_reporting"):
        (project / "data" / layer).mkdir(parents=True)
    return project


PYCACHE_PREFIX: str | None = None  # set by --pycache
MAX_RSS_BYTES: int | None = None  # set by --max-rss-gb


def bytecode_state() -> dict[str, Any]:
    """Whether the child processes can import from compiled bytecode (a big part of start-up)."""
    import kedro

    venv_pyc = (Path(kedro.__file__).parent / "__pycache__").is_dir()
    return {
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE"),
        "venv_has_pyc": venv_pyc,
        "pycache_prefix": PYCACHE_PREFIX,
        "children_compile_every_import": (
            not venv_pyc and not PYCACHE_PREFIX and bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
        ),
    }


def child_env(logging_config: Path) -> dict[str, str]:
    env = dict(os.environ)
    if PYCACHE_PREFIX:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = PYCACHE_PREFIX
    env.update(
        KEDRO_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        KEDRO_LOGGING_CONFIG=str(logging_config),
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p),
    )
    return env


_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) +(\w+) +([\w.]+): (.*)$")


def _events(log_text: str) -> list[tuple[float, str, str]]:
    out = []
    for line in log_text.splitlines():
        m = _LINE.match(line)
        if m:
            stamp = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
            out.append((stamp, m.group(3), m.group(4)))
    return out


_DBT_MARKS = (
    ("started", re.compile(r"Running with dbt=")),
    ("adapter", re.compile(r"Registered adapter: ")),
    ("parsed", re.compile(r"Found \d+ model")),
    ("connected", re.compile(r"Concurrency: ")),
    ("executed", re.compile(r"Finished running ")),
)
_DBT_PHASES = {
    "started": "process_and_dbt_imports",  # until dbt's first line
    "adapter": "adapter_imports",  # dbt-snowflake and the connector
    "parsed": "parse",  # full or partial parse of the project
    "connected": "plan",
    "executed": "execute",  # connection, models and tests
}
# dbt's own result lines: "3 of 30 OK created sql view model ... [SUCCESS 1 in 0.11s]",
# "6 of 30 PASS not_null_... [PASS in 0.26s]"
_DBT_NODE = re.compile(r"^\d+ of \d+ (OK created|PASS|FAIL|WARN|ERROR|SKIP)\b.*in ([\d.]+)s\]")
_DBT_START = re.compile(r"^Running (?:dbt )?(\w+ .*?) --project-dir")
_DBT_END = re.compile(r"finished in ([\d.]+) s")


def parse_log(log_text: str, spawned: float, exited: float) -> dict[str, Any]:
    """Stages, per-dataset load/save seconds, emulator start and dbt phases from the log."""
    events = _events(log_text)
    r = lambda x: round(x, 3)  # noqa: E731
    marks: dict[str, float] = {}
    nodes: dict[str, dict[str, float]] = {}
    order: list[str] = []
    datasets: dict[str, dict[str, float]] = {}
    dbt_runs: list[dict[str, Any]] = []
    emulator: dict[str, float] = {}
    open_io: tuple[str, str, float] | None = None  # (load|save, dataset, start)
    running: tuple[str, float] | None = None
    last_done = None

    def close_io(t: float) -> None:
        nonlocal open_io
        if open_io:
            kind, name, start = open_io
            datasets.setdefault(name, {}).setdefault(kind, 0.0)
            datasets[name][kind] += t - start
            open_io = None

    for t, logger, msg in events:
        marks.setdefault("first_log", t)
        if logger.startswith("kedro"):
            if msg.startswith("Kedro project"):
                marks.setdefault("session", t)
            elif m := re.match(r"Loading data from (\S+) ", msg):
                close_io(t)
                marks.setdefault("first_load", t)
                open_io = ("load", m.group(1), t)
            elif m := re.match(r"Saving data to (\S+) ", msg):
                close_io(t)
                if running and "run" not in nodes[running[0]]:
                    nodes[running[0]]["run"] = t - running[1]
                open_io = ("save", m.group(1), t)
            elif m := re.match(r"Running node: ([^:\s]+)", msg):
                close_io(t)
                name = m.group(1)
                start = last_done if last_done is not None else marks.get("first_load", t)
                nodes[name] = {"start": start, "running": t}
                order.append(name)
                running = (name, t)
            elif m := re.match(r"Completed node: (\S+)", msg):
                close_io(t)
                name = m.group(1)
                node = nodes.setdefault(name, {"start": t, "running": t})
                if "run" not in node:
                    node["run"] = t - node["running"]
                node["done"] = t
                last_done = t
                running = None
            elif msg.startswith("Pipeline execution completed"):
                close_io(t)
                marks["pipeline_done"] = t
        elif logger.startswith("netflix_pipeline"):
            if m := re.search(r"emulator .*\(started in ([\d.]+) s\)", msg):
                emulator["start_seconds"] = float(m.group(1))
                emulator["ready_at"] = r(t - spawned)
            elif re.search(r"emulator .* stopped", msg):
                emulator["stopped_at"] = r(t - spawned)
            elif m := _DBT_START.match(msg):
                dbt_runs.append({"command": m.group(1), "t0": t, "models": [], "tests": []})
            elif (m := _DBT_END.search(msg)) and dbt_runs and "seconds" not in dbt_runs[-1]:
                dbt_runs[-1]["seconds"] = float(m.group(1))
                dbt_runs[-1]["t_end"] = t
        elif logger == "dbt" and dbt_runs:
            for mark, pattern in _DBT_MARKS:
                if pattern.search(msg):
                    dbt_runs[-1].setdefault(mark, t)
            if m := _DBT_NODE.search(msg):
                kind = "models" if m.group(1) == "OK created" else "tests"
                dbt_runs[-1][kind].append(float(m.group(2)))
            elif m := re.search(r"Unable to do partial parsing because (.*)", msg):
                dbt_runs[-1]["full_parse_because"] = m.group(1).strip()

    stages: dict[str, float] = {}
    first_load = marks.get("first_load")
    if first_load:
        stages["kedro_startup"] = r(first_load - spawned)
    for name in order:
        node = nodes[name]
        if "done" in node:
            stages[name] = r(node["done"] - node["start"])
    if last_done is not None:
        stages["shutdown"] = r(exited - last_done)

    node_details = {
        name: {
            "load_inputs": r(n["running"] - n["start"]),
            "run": r(n.get("run", 0.0)),
            "save_outputs": r(n["done"] - n["running"] - n.get("run", 0.0)),
        }
        for name, n in nodes.items()
        if "done" in n
    }
    startup = {}
    if "first_log" in marks:
        startup["python_and_kedro_imports"] = r(marks["first_log"] - spawned)
    if "session" in marks and "first_log" in marks:
        startup["session"] = r(marks["session"] - marks["first_log"])
    if "session" in marks and first_load:
        startup["config_catalog_pipelines_hooks"] = r(first_load - marks["session"])
    for run in dbt_runs:
        t0 = run.pop("t0")
        t_end = run.pop("t_end", None)
        phases = {}
        prev = t0
        for mark, _ in _DBT_MARKS:
            if mark in run:
                phases[_DBT_PHASES[mark]] = r(run[mark] - prev)
                prev = run.pop(mark)
        if t_end:
            phases["exit_and_results"] = r(t_end - prev)
        run["phases"] = phases
        models, tests = run.pop("models"), run.pop("tests")
        run["models"], run["tests"] = len(models), len(tests)
        run["models_seconds"] = r(sum(models))
        run["tests_seconds"] = r(sum(tests))
        if "seconds" in run:
            run["outside_models_and_tests_seconds"] = r(run["seconds"] - sum(models) - sum(tests))
    if "pipeline_done" in marks:
        stages_shutdown = {"after_pipeline_hooks_and_exit": r(exited - marks["pipeline_done"])}
    else:
        stages_shutdown = {}
    return {
        "stages": stages,
        "startup": startup,
        "shutdown": stages_shutdown,
        "nodes": node_details,
        "datasets": {k: {kk: r(vv) for kk, vv in v.items()} for k, v in datasets.items()},
        "emulator": emulator,
        "dbt": dbt_runs,
    }


def stage_groups(stages: dict[str, float]) -> dict[str, float]:
    """Seconds per registered pipeline (ingestion, transform, genres, reporting, publishing)."""
    try:
        from netflix_pipeline.pipeline_registry import register_pipelines

        pipes = register_pipelines()
    except Exception:  # the registry is someone else's code: never fail the benchmark on it
        return {}
    owner = {}
    for group, pipe in pipes.items():
        if group.startswith("__") or group == "sample_data":
            continue
        for node in pipe.nodes:
            owner.setdefault(node.name, group)
    groups: dict[str, float] = {}
    for name, seconds in stages.items():
        group = owner.get(name, name)
        groups[group] = round(groups.get(group, 0.0) + seconds, 3)
    return groups


def run_pipeline(
    raw: Path, root: Path, in_place: bool, profile: str | None, index: int
) -> dict[str, Any]:
    logging_config = root / "logging.yml"
    logging_config.write_text(LOGGING_YAML)
    work = root / "work"
    shutil.rmtree(work, ignore_errors=True)
    project = REPO if in_place else prepare_project(root)
    raw_param = os.path.relpath(raw, REPO) if in_place and raw.is_relative_to(REPO) else raw
    work_param = os.path.relpath(work, REPO) if in_place else work
    kedro = str(Path(sys.executable).with_name("kedro"))
    command = [kedro, "run", f"--params=raw_uri={raw_param},ingest.work_dir={work_param}"]
    if profile:
        out = root / f"profile-{index}.folded.txt"  # collapsed stacks, one line per stack
        command = [
            profile,
            "record",
            "--subprocesses",
            "--rate",
            "100",
            "--format",
            "raw",
            "-o",
            str(out),
            "--",
            *command,
        ]
    log_path = root / (f"kedro-{index}.log")
    load = load_average()
    measured: Measured = run_measured(
        command,
        cwd=project,
        env=child_env(logging_config),
        stdout_path=log_path,
        max_rss_bytes=MAX_RSS_BYTES,
    )
    log_text = log_path.read_text(errors="replace")
    if measured.killed_for_rss:
        raise SystemExit(
            f"kedro run stopped: its process tree went over --max-rss-gb "
            f"({MAX_RSS_BYTES / 1e9:.1f} GB); log {log_path}"
        )
    if measured.returncode != 0:
        tail = "\n".join(log_text.splitlines()[-40:])
        raise SystemExit(f"kedro run failed (exit {measured.returncode}); log {log_path}:\n{tail}")
    parsed = parse_log(log_text, measured.started_at, measured.started_at + measured.seconds)
    reporting = project / "data" / "08_reporting"
    figures = {
        "total_seconds": round(measured.seconds, 3),
        "cpu_seconds": round(measured.cpu_seconds, 3),
        "peak_rss_bytes": measured.peak_rss_bytes,
        "load_average_before": load,
        "log": str(log_path.relative_to(REPO) if log_path.is_relative_to(REPO) else log_path),
        **{f"rss_{k}": v for k, v in measured.as_dict().items() if k != "seconds"},
        **parsed,
        "stage_groups": stage_groups(parsed["stages"]),
        "rss_timeline": measured.timeline,
        "cpu_timeline": measured.cpu_timeline,
    }
    insights = reporting / "insights.json"
    if insights.exists():
        figures["films"] = json.loads(insights.read_text()).get("films")
    load_report = reporting / "load_report.json"
    if load_report.exists():
        report = json.loads(load_report.read_text())
        figures["rows_loaded"] = {k: v.get("rows_loaded") for k, v in report.items()}
        figures["rows_rejected"] = {k: v.get("rows_rejected") for k, v in report.items()}
    return figures


# --------------------------------------------------------------------------------------------
# comparisons


def run_script(
    script: str, raw: Path, root: Path, extra: list[str], index: int, may_fail: bool = False
) -> dict[str, Any]:
    """One comparison script's figures. With ``may_fail`` (the pandas script, which is expected
    to run out of memory at ``xlarge``) a failure is recorded: ``failed`` says how, with the
    peak RSS and the seconds until then."""
    name = Path(script).stem
    out = root / f"{name}-{index}.json"
    log_path = root / f"{name}-{index}.log"
    load = load_average()
    measured = run_measured(
        [sys.executable, str(HERE / script), str(raw), "--out", str(out), *extra],
        cwd=REPO,
        env=child_env(root / "logging.yml"),
        stdout_path=log_path,
        max_rss_bytes=MAX_RSS_BYTES,
    )
    failed = None
    if measured.killed_for_rss:
        failed = (
            f"stopped when its memory went over --max-rss-gb ({MAX_RSS_BYTES / 1e9:.1f} GB)"
            f" after {measured.seconds:.0f} s"
        )
    elif measured.returncode != 0:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        failed = f"exit {measured.returncode} after {measured.seconds:.0f} s: {tail[0][:200]}"
    if failed:
        if not may_fail:
            raise SystemExit(f"{script} failed ({failed}); see {log_path}")
        return {
            "failed": failed,
            "process_seconds": round(measured.seconds, 3),
            "cpu_seconds": round(measured.cpu_seconds, 3),
            "peak_rss_bytes": measured.peak_rss_bytes,
            "load_average_before": load,
            "log": str(log_path.relative_to(REPO) if log_path.is_relative_to(REPO) else log_path),
        }
    result = json.loads(out.read_text())
    return {
        "seconds": result["seconds"],
        "process_seconds": round(measured.seconds, 3),
        "cpu_seconds": round(measured.cpu_seconds, 3),
        "import_seconds": result.get("import_seconds"),
        "peak_rss_bytes": measured.peak_rss_bytes,
        "load_average_before": load,
        "films": result["films"],
        "genres": result["genres"],
        "recent_decades": result["recent_decades"],
        "engine": result["engine"],
        "result_file": str(out.relative_to(REPO) if out.is_relative_to(REPO) else out),
    }


# --------------------------------------------------------------------------------------------
# summary


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _median_dict(dicts: list[dict[str, float]]) -> dict[str, float]:
    keys: list[str] = []
    for d in dicts:
        keys += [k for k in d if k not in keys]
    return {k: _median([d[k] for d in dicts if k in d]) for k in keys}


def summarize(
    scale: str,
    raw: Path,
    counts: dict[str, Any],
    pipeline: list[dict],
    floor: list[dict],
    pandas: list[dict],
    args: argparse.Namespace,
) -> dict[str, Any]:
    import psutil

    median_run = sorted(pipeline, key=lambda f: f["total_seconds"])[len(pipeline) // 2]
    total = _median([f["total_seconds"] for f in pipeline])
    peak = int(_median([f["peak_rss_bytes"] for f in pipeline]))
    floor_s = _median([f["seconds"] for f in floor])
    # a failed pandas run (out of memory at xlarge) has no time to compare with
    pandas_ok = [f for f in pandas if "failed" not in f]
    pandas_s = _median([f["process_seconds"] for f in pandas_ok]) if pandas_ok else None
    pandas_peak = int(_median([f["peak_rss_bytes"] for f in pandas_ok])) if pandas_ok else None
    summary: dict[str, Any] = {
        "scale": scale,
        "raw_dir": str(raw),
        "raw_bytes": _raw_bytes(raw),
        **counts,
        "runs": len(pipeline),
        "mode": "in-place" if args.in_place else "project copy under data/bench/<scale>/project",
        "total_seconds": total,
        "cpu_seconds": _median([f["cpu_seconds"] for f in pipeline]),
        "peak_rss_bytes": peak,
        "stages": _median_dict([f["stages"] for f in pipeline]),
        "stage_groups": _median_dict([f["stage_groups"] for f in pipeline]),
        "startup": _median_dict([f["startup"] for f in pipeline]),
        "emulator_start_seconds": _median(
            [f["emulator"].get("start_seconds", 0.0) for f in pipeline]
        ),
        "peak_rss_by_kind": median_run["rss_peak_by_kind"],
        "peak_rss_breakdown": median_run["rss_peak_breakdown"],
        "peak_rss_at_seconds": median_run["rss_peak_at_seconds"],
        "floor_seconds": floor_s,
        "floor_process_seconds": _median([f["process_seconds"] for f in floor]),
        "floor_peak_rss_bytes": int(_median([f["peak_rss_bytes"] for f in floor])),
        "floor_cpu_seconds": _median([f.get("cpu_seconds", 0.0) for f in floor]),
        "pandas_seconds": pandas_s,
        "pandas_compute_seconds": (
            _median([f["seconds"] for f in pandas_ok]) if pandas_ok else None
        ),
        "pandas_peak_rss_bytes": pandas_peak,
        "pandas_cpu_seconds": _median([f.get("cpu_seconds", 0.0) for f in pandas]),
        "pandas_failed": [f["failed"] for f in pandas if "failed" in f],
        "pandas_failed_peak_rss_bytes": max(
            (f["peak_rss_bytes"] for f in pandas if "failed" in f), default=None
        ),
        "ratios": {
            "total_to_floor": round(total / floor_s, 2) if floor_s else None,
            "total_to_pandas": round(total / pandas_s, 2) if pandas_s else None,
            "peak_rss_to_pandas": round(peak / pandas_peak, 2) if pandas_peak else None,
        },
        "check_films": {
            "pipeline": median_run.get("films"),
            "floor": floor[0]["films"] if floor else None,
            "pandas": pandas_ok[0].get("films") if pandas_ok else None,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "memory_bytes": psutil.virtual_memory().total,
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_end": load_average(),
            "note": "shared machine: timings are noisy; figures are medians over the runs",
        },
        "bytecode": bytecode_state(),
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "pipeline_runs": pipeline,
        "floor_runs": floor,
        "pandas_runs": pandas,
    }
    targets = {
        "total_le_10x_floor": total <= TARGET_FLOOR_RATIO * floor_s if floor_s else None,
        "total_le_4x_pandas": total <= TARGET_PANDAS_RATIO * pandas_s if pandas_s else None,
        "peak_rss_below_pandas": peak < pandas_peak if pandas_peak else None,
    }
    if scale == "real":
        targets["real_total_le_10s"] = total <= TARGET_REAL_SECONDS
    if scale == "large":
        targets["total_le_8x_floor"] = total <= 8 * floor_s if floor_s else None
        targets["peak_rss_le_0.8x_pandas"] = peak <= 0.8 * pandas_peak if pandas_peak else None
    if scale == "xlarge":
        targets["total_le_10x_floor"] = total <= 10 * floor_s if floor_s else None
        large_peak = _reference_peak("large")
        summary["large_peak_rss_bytes"] = large_peak
        targets["peak_rss_le_1.5x_large"] = peak <= 1.5 * large_peak if large_peak else None
    summary["targets"] = targets
    return summary


def _reference_peak(scale: str) -> int | None:
    """The pipeline's peak RSS in the last full benchmark of ``scale`` (None when there is none)."""
    path = BENCH_ROOT / scale / "benchmark.json"
    if not path.exists():
        return None
    return json.loads(path.read_text()).get("peak_rss_bytes")


def _gb(n: int | None) -> str:
    return "-" if n is None else f"{n / 1e9:.2f} GB"


def print_table(s: dict[str, Any]) -> None:
    floor_s, pandas_s, total = s["floor_seconds"], s["pandas_seconds"], s["total_seconds"]
    ratings = s.get("ratings")
    print()
    print(
        f"scale {s['scale']}: {s.get('movies', 0):,} movies, {ratings or 0:,} ratings, "
        f"{s.get('metadata_rows', 0):,} metadata rows, {s['raw_bytes'] / 1e6:.0f} MB raw; "
        f"{s['runs']} run(s), medians; {s['machine']['cpus']} CPUs, "
        f"{s['machine']['memory_bytes'] / 2**30:.0f} GiB (load at end "
        f"{s['machine']['load_average_end']})"
    )
    rows = [
        ("pipeline (kedro run)", total, s["peak_rss_bytes"], s["cpu_seconds"]),
        ("floor (1 DuckDB query)", floor_s, s["floor_peak_rss_bytes"], s["floor_cpu_seconds"]),
        ("pandas script", pandas_s, s["pandas_peak_rss_bytes"], s["pandas_cpu_seconds"]),
    ]
    print(
        f"  {'':24} {'seconds':>9} {'peak RSS':>10} {'s / floor':>10} {'s / pandas':>11}"
        f" {'CPU s':>8}"
    )
    for name, sec, rss, cpu in rows:
        if sec is None:
            print(
                f"  {name:24} failed: {'; '.join(s['pandas_failed'])}, peak RSS "
                f"{_gb(s['pandas_failed_peak_rss_bytes'])}"
            )
            continue
        against_pandas = f"{sec / pandas_s:10.1f}x" if pandas_s else f"{'-':>11}"
        print(
            f"  {name:24} {sec:9.2f} {_gb(rss):>10} {sec / floor_s:9.1f}x {against_pandas}"
            f" {cpu:8.1f}"
        )
    if pandas_s:
        print(
            f"  (floor: query only, {s['floor_process_seconds']:.2f} s as a process; pandas: the "
            f"whole process, {s['pandas_compute_seconds']:.2f} s after imports)"
        )
    to_pandas = s["ratios"]["peak_rss_to_pandas"]
    print(
        f"  pipeline peak RSS {_gb(s['peak_rss_bytes'])}"
        + (f" = pandas x{to_pandas}" if to_pandas is not None else "")
        + f"; at {s['peak_rss_at_seconds']} s: "
        + ", ".join(f"{k} {_gb(v)}" for k, v in s["peak_rss_breakdown"].items())
    )
    if s["bytecode"]["children_compile_every_import"]:
        print(
            "  note: PYTHONDONTWRITEBYTECODE is set and the venv holds no .pyc files, so every "
            "child process compiles what it imports (see --pycache)"
        )
    verdict = {True: "yes", False: "NO", None: "n/a"}
    print("  targets: " + ", ".join(f"{k} {verdict[v]}" for k, v in s["targets"].items()))
    print("  stages (s):")
    small = {k: v for k, v in s["stages"].items() if v < 0.1}
    for name, sec in s["stages"].items():
        if name not in small:
            print(f"    {name:36} {sec:8.2f}")
    if small:
        print(f"    {f'({len(small)} nodes under 0.1 s each)':36} {sum(small.values()):8.2f}")
    print(f"    {'(emulator start, overlapped)':36} {s['emulator_start_seconds']:8.2f}")
    for run in s["pipeline_runs"][len(s["pipeline_runs"]) // 2]["dbt"]:
        print(
            f"    dbt {run['command'][:40]:40} {run.get('seconds', 0):6.1f} s: "
            + ", ".join(f"{k} {v:.1f}" for k, v in run["phases"].items())
            + f"; {run['models']} models {run['models_seconds']:.1f} s, {run['tests']} tests "
            f"{run['tests_seconds']:.1f} s"
            + (f"; full parse: {run['full_parse_because']}" if "full_parse_because" in run else "")
        )
    if s["stage_groups"]:
        print("  by pipeline: " + ", ".join(f"{k} {v:.1f}" for k, v in s["stage_groups"].items()))
    print(
        f"  films: pipeline {s['check_films']['pipeline']}, floor {s['check_films']['floor']}, "
        f"pandas {s['check_films']['pandas']}"
    )


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description="Benchmark the whole pipeline against a DuckDB floor and a pandas script."
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scale", choices=SCALES, default="medium")
    where.add_argument(
        "--real",
        type=Path,
        metavar="DIR",
        help="run on these files instead (../shared/data, or a raw-layout folder)",
    )
    parser.add_argument(
        "--runs", type=int, help="repetitions (medians reported; default 3, 1 for large)"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the run's scratch files (work dir, stage, landed Parquet)",
    )
    parser.add_argument("--regenerate", action="store_true", help="make the raw files again")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="run kedro in the repository itself (writes data/08_reporting)",
    )
    parser.add_argument(
        "--pandas-read",
        choices=["lean", "fast"],
        default="lean",
        help="how the pandas script reads ratings (see baseline_pandas.py; default lean)",
    )
    parser.add_argument("--no-compare", action="store_true", help="skip the floor and pandas")
    parser.add_argument(
        "--pycache",
        type=Path,
        metavar="DIR",
        help="let the child processes cache bytecode in DIR (PYTHONPYCACHEPREFIX;"
        " PYTHONDONTWRITEBYTECODE unset): what a venv installed with "
        "--compile-bytecode gives",
    )
    parser.add_argument(
        "--max-rss-gb",
        type=float,
        help="stop a measured process tree whose summed RSS goes over this (default: 70%% of "
        "the machine's memory; the machine is shared)",
    )
    parser.add_argument(
        "--profile",
        metavar="PY_SPY",
        help="run kedro under this py-spy binary (record --subprocesses); "
        "timings then include the profiler's overhead",
    )
    args = parser.parse_args(argv)

    global PYCACHE_PREFIX, MAX_RSS_BYTES
    import psutil

    MAX_RSS_BYTES = int(
        args.max_rss_gb * 1e9 if args.max_rss_gb else 0.7 * psutil.virtual_memory().total
    )
    if args.pycache:
        PYCACHE_PREFIX = str(args.pycache.resolve())
    scale = "real" if args.real else args.scale
    root = BENCH_ROOT / scale
    root.mkdir(parents=True, exist_ok=True)
    runs = args.runs or (1 if scale in ("large", "xlarge") else 3)
    tmp_real = None
    if args.real:
        tmp_real = Path(tempfile.mkdtemp(prefix="bench-real-"))
        raw = lay_out_real(args.real, tmp_real)
        counts = _file_counts(raw)
        generated = {}
    else:
        raw, stamp = ensure_raw(args.scale, args.regenerate)
        counts = (
            _file_counts(raw)
            if "rows" not in stamp
            else {
                "movies": stamp["rows"].get("movielens/movies.csv", 0),
                "ratings": stamp["rows"].get("movielens/ratings.csv", 0),
                "links": stamp["rows"].get("movielens/links.csv", 0),
                "tags": stamp["rows"].get("movielens/tags.csv", 0),
                "metadata_rows": stamp["rows"].get("tmdb/movies_metadata.csv", 0),
            }
        )
        generated = {"generated_seconds": stamp.get("generated_seconds")}

    pipeline, floor, pandas = [], [], []
    try:
        for i in range(runs):
            print(f"[{scale}] run {i + 1}/{runs}: pipeline ...", end="", flush=True)
            pipeline.append(run_pipeline(raw, root, args.in_place, args.profile, i))
            print(f" {pipeline[-1]['total_seconds']:.1f} s", end="", flush=True)
            if not args.no_compare:
                floor.append(run_script("floor_duckdb.py", raw, root, [], i))
                print(f"; floor {floor[-1]['seconds']:.2f} s", end="", flush=True)
                extra = ["--read", args.pandas_read]
                pandas.append(run_script("baseline_pandas.py", raw, root, extra, i, may_fail=True))
                print(
                    f"; pandas {pandas[-1]['process_seconds']:.1f} s"
                    + (f" (failed: {pandas[-1]['failed']})" if "failed" in pandas[-1] else ""),
                    end="",
                    flush=True,
                )
            print(flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root / "work", ignore_errors=True)
            if not args.in_place:
                shutil.rmtree(root / "project" / "data" / "02_intermediate", ignore_errors=True)
        if tmp_real:
            shutil.rmtree(tmp_real, ignore_errors=True)

    if args.no_compare:
        dummy = {
            "seconds": 0.0,
            "process_seconds": 0.0,
            "peak_rss_bytes": 0,
            "films": None,
            "genres": None,
            "recent_decades": None,
            "engine": None,
        }
        floor, pandas = [dummy], [dummy]
    summary = summarize(scale, raw, {**counts, **generated}, pipeline, floor, pandas, args)
    name = "benchmark.json"
    if args.profile or args.no_compare or args.pycache:
        # not the reference figures: keep benchmark.json for full, plain runs
        name = (
            "benchmark-"
            + "-".join(
                k
                for k, on in (
                    ("profiled", args.profile),
                    ("pycache", args.pycache),
                    ("nocompare", args.no_compare),
                )
                if on
            )
            + ".json"
        )
        summary["profiled"] = bool(args.profile)
    out = root / name
    out.write_text(json.dumps(summary, indent=2, default=str))
    if not args.no_compare:
        print_table(summary)
    print(f"\nwrote {out.relative_to(REPO)}")
    return summary


if __name__ == "__main__":
    main()
