"""Mutation fuzzing of the raw CSV ingestion: a damaged file is refused with a sentence, or loaded
with every reject accounted for and every line away from the damage landed as before.

The loop (``fuzz_support.py``) damages generated sample files and the real files in
``../shared/data`` (line ends, lone CRs, quotes, control bytes, truncation, byte flips, long fields
and lines, extra columns, runs of malformed rows, header faults, BOMs, empty lines, odd file
endings, rows copied or deleted, bad genre values) and checks every outcome against what the
structural pass makes of the unmutated file. It runs in a child process: its memory is measured,
a mutation that hangs makes it exit with tracebacks instead of stalling the suite, and the child
has a timeout of its own. Each mutation is reproducible alone from the seed and its index::

    FUZZ_SEED=<seed> FUZZ_ONLY=<index> .venv/bin/pytest \
        tests/pipelines/ingestion/test_ingest_fuzz.py -k <sample|real>

``make test`` runs 2 x 160 mutations from a fixed seed; ``make fuzz`` soaks for ``FUZZ_SECONDS``
per input set from a seed of the clock (``FUZZ_SEED``, ``FUZZ_MUTATIONS`` and ``FUZZ_LARGE=1``,
a 12 MB source, set the rest). A few mutations also go through both ingestion nodes against the
emulator (``test_mutated_raw_folder_end_to_end``).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from fuzz_support import HANG_SECONDS, SMALL, Source, mutate
from ingest_support import ensure_loaded, ingest, query, snapshot

from netflix_pipeline.pipelines.ingestion.contracts import CONTRACTS_BY_NAME
from netflix_pipeline.pipelines.ingestion.load import RejectRateError
from netflix_pipeline.pipelines.ingestion.source import RawFileError
from netflix_pipeline.pipelines.sample_data.generator import generate_scale

REPO = Path(__file__).resolve().parents[3]
SHARED_DATA = REPO.parent / "shared" / "data"
LOOP = Path(__file__).with_name("fuzz_support.py")

SEED = os.environ.get("FUZZ_SEED", "20240601")
SECONDS = float(os.environ.get("FUZZ_SECONDS", "0"))  # per input set; 0: a count instead
# 2 x 160 mutations: about 35 s each on two cores (0.2 s a mutation); the whole module, with the
# emulator's start and the end-to-end runs, about 90 s
MUTATIONS = int(os.environ.get("FUZZ_MUTATIONS", "0" if SECONDS else "160"))
ONLY = os.environ.get("FUZZ_ONLY")
LARGE = os.environ.get("FUZZ_LARGE") == "1"  # a 12 MB source: longer than a CSV reader buffer

# Memory ceiling of the child (its own RUSAGE_SELF peak; RUSAGE_CHILDREN here would also count
# the emulator and the session's other children) and of each scan alone (VmHWM). Measured over
# some 5,000 mutations: scans peak at 250-1,000 MB resident (the Python runtime with DuckDB, Arrow
# and pandas about 200 MB, DuckDB's memory_limit of 512 MB as in ingest_support, the line walk's
# batches; the highest with whole real files and the 12 MB soak source, which the test itself
# holds in memory too). 1.5 GB is half as much again: a scan over it has made memory follow the
# size of the input instead of ingest.limits.
MAX_RSS_MB = 1536
# A hard cap on the child's address space, so that a runaway mutation fails with an allocation
# error (and the ceiling above names it) instead of exhausting a shared machine.
ADDRESS_SPACE_MB = 6144
# Generous: a mutation over 30 s breaks an invariant, and one over 120 s (a hang) ends the child
# (fuzz_support.MUTATION_SECONDS, HANG_SECONDS).
TIMEOUT = HANG_SECONDS + 60 if ONLY else SECONDS + 600 if SECONDS else 600

pytestmark = pytest.mark.timeout(max(900, TIMEOUT + 300))


def run_loop(inputs: str, out: Path) -> dict:
    """The loop in a child process; its report (fuzz_support.Loop.report)."""
    command = [
        sys.executable,
        str(LOOP),
        "--inputs",
        inputs,
        "--shared",
        str(SHARED_DATA),
        "--out",
        str(out),
        "--seed",
        SEED,
        "--max-rss-mb",
        str(MAX_RSS_MB),
        "--address-space-mb",
        str(ADDRESS_SPACE_MB),
    ]
    if ONLY is not None:
        command += ["--only", ONLY]
    else:
        command += ["--mutations", str(MUTATIONS), "--seconds", str(SECONDS)]
    if LARGE and inputs == "real":
        command.append("--large")
    try:
        child = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "true"},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the fuzz loop did not finish in {TIMEOUT} s; running: {running(out)}")
    if child.returncode != 0:
        pytest.fail(
            f"the fuzz loop died (exit {child.returncode}; a hang of more than "
            f"{HANG_SECONDS} s ends it with tracebacks) while running: {running(out)}\n"
            f"{child.stderr[-6000:]}"
        )
    return json.loads((out / "report.json").read_text())


def running(out: Path) -> str:
    """The mutation that was running (the child writes it before each), with its input file."""
    progress = out / "progress.json"
    return progress.read_text() if progress.exists() else "(none yet)"


def summary(inputs: str, report: dict) -> str:
    outcomes = report["outcomes"]
    lines = [
        f"fuzz ({inputs} files, seed {report['seed']}): {report['mutations']} mutations in "
        f"{report['seconds']} s: {outcomes.get('loaded', 0)} loaded, "
        f"{outcomes.get('refused', 0)} refused, {len(report['failures'])} broke an invariant",
        "  by class (loaded/refused): "
        + ", ".join(
            f"{name} {c.get('loaded', 0)}/{c.get('refused', 0)}"
            for name, c in report["by_class"].items()
        ),
        "  by source: " + ", ".join(f"{k} {n}" for k, n in report["by_source"].items()),
        "  refusals: " + "; ".join(f"{k} ({n})" for k, n in report["refusals"].items()),
        f"  peak memory: child {report['peak_rss_mb']:.0f} MB, highest scan "
        f"{report['scan_peaks_mb'][0][0] if report['scan_peaks_mb'] else 0} MB "
        f"(ceiling {MAX_RSS_MB} MB); slowest mutation {report['slowest'][0]} s "
        f"({report['slowest'][1]})",
        f"  genre values parsed: {report['genre_values_checked']:,}",
    ]
    return "\n".join(lines)


def describe(failure: dict, inputs: str) -> str:
    broken = "\n".join(f"    - {name}: {detail}" for name, detail in failure["broken"])
    return (
        f"  #{failure['index']} {failure['source']} ({failure['contract']}, "
        f"{failure['limits']} limits), classes {failure['classes']}:\n"
        f"    mutation: {'; '.join(failure['ops'])}\n"
        f"    outcome: {failure['outcome'][:400]}\n{broken}\n"
        f"    bytes: {failure['saved']}  {failure['bytes'][:600]}\n"
        f"    again: FUZZ_SEED={failure['seed']} FUZZ_ONLY={failure['index']} .venv/bin/pytest "
        f"tests/pipelines/ingestion/test_ingest_fuzz.py -k {inputs}"
    )


def check_report(inputs: str, report: dict, capsys) -> None:
    with capsys.disabled():
        print("\n" + summary(inputs, report))
    failures = [describe(f, inputs) for f in report["failures"]]
    crafted = report.get("crafted_genre_failures") or []
    failures += [f"  crafted genre value: {name}: {detail}" for name, detail in crafted]
    assert not failures, (
        f"{len(failures)} mutation(s) broke an invariant (seed {report['seed']}):\n"
        + "\n".join(failures[:25])
    )
    assert report["peak_rss_mb"] < MAX_RSS_MB, summary(inputs, report)
    if ONLY is None and not SECONDS:
        assert report["mutations"] == MUTATIONS


def test_mutations_of_sample_files(tmp_path, capsys):
    """The generator's tiny files (and its TMDB-flavoured metadata), damaged."""
    report = run_loop("sample", tmp_path / "fuzz")
    check_report("sample", report, capsys)


@pytest.mark.real_data
def test_mutations_of_real_files(tmp_path, capsys):
    """A prefix of each real file (header and 3,000 lines), and a few whole files, damaged."""
    if not (SHARED_DATA / "movielens-small" / "movies.csv").exists():
        pytest.skip("../shared/data is absent")
    report = run_loop("real", tmp_path / "fuzz")
    check_report("real", report, capsys)


# ---------------------------------------------------------------------------------------------
# end to end: both nodes against the emulator

E2E = {
    # (file, damage classes, ingest overrides)
    "ratings-cr-quotes-blank-lines": ("ratings", ["lone CR", "quote inserted", "empty lines"], {}),
    "metadata-genres-long-line": (
        "movies_metadata",
        ["genre values", "long line", "genre values"],
        {"max_reject_rate": 0.5, "limits": {"max_record_bytes": SMALL.max_record_bytes}},
    ),
    "movies-byte-flip-truncation": ("movies", ["byte flip", "truncation"], {}),
    "links-malformed-run": ("links", ["malformed run", "rows copied or deleted"], {}),
}


@pytest.mark.parametrize("case", list(E2E))
def test_mutated_raw_folder_end_to_end(case, warehouse, tmp_path, tmp_path_factory):
    """Either a node refuses (RawFileError, RejectRateError) and the RAW tables are as they were,
    or REJECTED_ROWS and the RAW tables hold what the load report says."""
    name, classes, overrides = E2E[case]
    contract = CONTRACTS_BY_NAME[name]
    before = ensure_loaded(warehouse, tmp_path_factory)
    raw = tmp_path / "raw"
    generate_scale(raw, "tiny")
    path = raw / contract.path
    source = Source(f"sample:{name}", name, path.read_bytes())
    mutant = mutate(source, classes, random.Random(f"{SEED}:e2e:{case}"), SMALL)
    path.write_bytes(mutant.data())
    context = f"{case}: {'; '.join(mutant.ops)}"
    try:
        report = ingest(raw, warehouse, tmp_path, **overrides)
    except (RawFileError, RejectRateError) as exc:
        assert str(exc).startswith(str(raw)), context
        assert snapshot(warehouse) == before, context
        return
    rejected = dict(
        query(warehouse, "select source_file, count(*) from RAW.REJECTED_ROWS group by 1")
    )
    for entry in report.values():
        assert rejected.get(entry["file"], 0) == entry["rows_rejected"], (context, entry)
        assert query(warehouse, f"select count(*) from {entry['table']}") == [
            (entry["rows_loaded"],)
        ], (context, entry)
