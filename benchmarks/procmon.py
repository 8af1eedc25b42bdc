"""Run a command as a child process and sample the summed RSS of its whole process tree.

Used by ``bench_pipeline.py`` for the pipeline (Kedro, the Snowflake emulator it spawns, the dbt
processes) and for the comparison scripts, so every figure is measured the same way: wall time
from spawn to exit, CPU time of the tree (less sensitive than wall time to other work on a
shared machine), and the peak over time of the sum of the resident set sizes of the root
process and all of its descendants, sampled every ``interval`` seconds (default 0.05 s).

RSS sums count pages shared between processes (shared libraries) once per process, so the sum
slightly overstates the memory the tree needs; it is the figure the issue asks for, and it is
what a container memory limit would roughly see.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil


def kind_of(cmdline: Sequence[str]) -> str:
    """A short label for a process of the tree: emulator, dbt, kedro or other."""
    text = " ".join(cmdline)
    if "fakesnow" in text or "netflix_pipeline.warehouse.emulator_server" in text:
        return "emulator"
    if (
        any(Path(part).name == "dbt" for part in cmdline[:2])
        or " -m dbt" in text
        or "netflix_pipeline.dbt_bridge.worker" in text  # the project's dbt worker
    ):
        return "dbt"
    if "kedro" in text:
        return "kedro"
    return "other"


@dataclass
class Measured:
    """What ``run_measured`` saw."""

    returncode: int
    seconds: float
    cpu_seconds: float  # user + system CPU of the whole tree (every descendant that was reaped)
    started_at: float  # wall clock (time.time()) when the child was spawned
    peak_rss_bytes: int
    peak_at_seconds: float  # offset of the peak from the spawn
    peak_by_kind: dict[str, int] = field(default_factory=dict)  # each kind's own peak
    peak_breakdown: dict[str, int] = field(default_factory=dict)  # per kind, at the total peak
    samples: int = 0
    max_gap_seconds: float = 0.0  # longest time between two samples
    processes_seen: int = 0
    timeline: list[tuple[float, int]] = field(default_factory=list)  # (offset s, total RSS)
    cpu_by_kind: dict[str, float] = field(default_factory=dict)  # CPU seconds per kind
    cpu_timeline: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    killed_for_rss: bool = False  # stopped because the tree went over max_rss_bytes

    def as_dict(self) -> dict[str, Any]:
        return {
            "returncode": self.returncode,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "peak_rss_bytes": self.peak_rss_bytes,
            "peak_at_seconds": round(self.peak_at_seconds, 2),
            "peak_by_kind": self.peak_by_kind,
            "peak_breakdown": self.peak_breakdown,
            "cpu_by_kind": self.cpu_by_kind,
            "samples": self.samples,
            "max_sample_gap_seconds": round(self.max_gap_seconds, 3),
            "processes_seen": self.processes_seen,
            "killed_for_rss": self.killed_for_rss,
        }


class TreeSampler(threading.Thread):
    """Samples the summed RSS of ``pid`` and its descendants until ``stop()``."""

    def __init__(
        self,
        pid: int,
        interval: float = 0.05,
        keep_timeline_every: float = 0.25,
        max_rss_bytes: int | None = None,
    ):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.max_rss = max_rss_bytes
        self.killed_for_rss = False
        self.interval = interval
        self.keep_every = keep_timeline_every
        self._stop_event = threading.Event()
        self._known: dict[int, tuple[psutil.Process, str]] = {}
        self.t0 = time.monotonic()
        self.peak = 0
        self.peak_at = 0.0
        self.peak_by_kind: dict[str, int] = {}
        self.peak_breakdown: dict[str, int] = {}
        self.samples = 0
        self.max_gap = 0.0
        self.timeline: list[tuple[float, int]] = []
        self._cpu: dict[int, tuple[str, float]] = {}  # pid: (kind, CPU seconds when last seen)
        self.cpu_timeline: list[tuple[float, dict[str, float]]] = []  # cumulative, per kind

    def _kind(self, proc: psutil.Process) -> str:
        entry = self._known.get(proc.pid)
        # A child seen between fork and exec still shows its parent's command line (or none):
        # only a label that names what the process runs is final.
        if entry is None or entry[0] != proc or entry[1] not in ("emulator", "dbt"):
            try:
                label = kind_of(proc.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                label = "other"
            self._known[proc.pid] = (proc, label)
            return label
        return entry[1]

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return
        total = 0
        by_kind: dict[str, int] = {}
        for proc in procs:
            try:
                rss = proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            kind = self._kind(proc)
            try:
                times = proc.cpu_times()
                # a process that has exited (a zombie) reads as "other": keep its first label
                known = self._cpu.get(proc.pid, (kind, 0.0))[0]
                label = known if kind == "other" else kind
                self._cpu[proc.pid] = (label, times.user + times.system)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                pass
            total += rss
            by_kind[kind] = by_kind.get(kind, 0) + rss
        now = time.monotonic() - self.t0
        self.samples += 1
        if self.timeline:
            self.max_gap = max(self.max_gap, now - self._last)
        self._last = now
        if not self.timeline or now - self.timeline[-1][0] >= self.keep_every:
            self.timeline.append((round(now, 2), total))
            self.cpu_timeline.append((round(now, 2), self.cpu_by_kind))
        for kind, rss in by_kind.items():
            self.peak_by_kind[kind] = max(self.peak_by_kind.get(kind, 0), rss)
        if total > self.peak:
            self.peak, self.peak_at, self.peak_breakdown = total, now, by_kind
        if self.max_rss and total > self.max_rss and not self.killed_for_rss:
            # a shared machine: never let a benchmark push other people's work into the OOM killer
            self.killed_for_rss = True
            _kill_tree(self.root.pid)

    @property
    def cpu_by_kind(self) -> dict[str, float]:
        """CPU seconds of each kind of process, as last sampled (a lower bound)."""
        by_kind: dict[str, float] = {}
        for kind, seconds in self._cpu.values():
            by_kind[kind] = round(by_kind.get(kind, 0.0) + seconds, 2)
        return by_kind

    def run(self) -> None:
        self._last = 0.0
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_measured(
    command: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    stdout_path: str | Path | None = None,
    interval: float = 0.05,
    timeout: float | None = None,
    max_rss_bytes: int | None = None,
) -> Measured:
    """Run ``command`` to completion, sampling its process tree; stdout+stderr to a file."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started_at = time.time()
        t0 = time.monotonic()
        proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        sampler = TreeSampler(proc.pid, interval=interval, max_rss_bytes=max_rss_bytes)
        sampler.t0 = t0
        sampler.start()
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc.pid)
            returncode = proc.wait()
        seconds = time.monotonic() - t0
        sampler.stop()
        # Children's rusage counts every reaped descendant: Kedro waits for the emulator and
        # for dbt, so their CPU time reaches us through Kedro's.
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    finally:
        if stdout_path:
            out.close()
    return Measured(
        returncode=returncode,
        seconds=seconds,
        cpu_seconds=cpu,
        started_at=started_at,
        peak_rss_bytes=sampler.peak,
        peak_at_seconds=sampler.peak_at,
        peak_by_kind=sampler.peak_by_kind,
        peak_breakdown=sampler.peak_breakdown,
        samples=sampler.samples,
        max_gap_seconds=sampler.max_gap,
        processes_seen=len(sampler._known),
        timeline=sampler.timeline,
        cpu_by_kind=sampler.cpu_by_kind,
        cpu_timeline=sampler.cpu_timeline,
        killed_for_rss=sampler.killed_for_rss,
    )


def _kill_tree(pid: int) -> None:
    """Kill the process we started and its descendants (by pid, nothing else)."""
    try:
        root = psutil.Process(pid)
        victims = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for proc in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(victims, timeout=10)


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None
