"""Summarize a py-spy profile in collapsed-stack form (``py-spy record --format raw``).

    python benchmarks/fold_summary.py data/bench/medium/profile-0.folded.txt [--rate 100]
        [--top 25] [--process kedro|emulator|dbt] [--match TEXT]

``bench_pipeline.py --profile PY_SPY`` writes such a file (``--subprocesses``: every line starts
with the process). Prints, per process kind, the sampled CPU seconds (samples / rate; py-spy
skips idle threads by default), the time spent importing modules, and the functions with the
most inclusive and self time. ``--match`` keeps only the stacks that contain TEXT.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procmon import kind_of  # noqa: E402

_PROCESS = re.compile(r'^process \d+:"([^"]*)"$')


def parse(path: Path) -> dict[str, list[tuple[list[str], int]]]:
    by_kind: dict[str, list[tuple[list[str], int]]] = defaultdict(list)
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            frames = stack.split(";")
            # With --subprocesses a child's stack starts with its ancestors' process frames:
            # the last one is the process that was sampled.
            kind, start = "other", 0
            for i, frame in enumerate(frames):
                m = _PROCESS.match(frame)
                if not m:
                    break
                kind, start = kind_of(m.group(1).split()), i + 1
            frames = frames[start:]
            if kind == "other" and any("fakesnow/" in f for f in frames):
                kind = "emulator"  # py-spy sometimes sees an empty command line for it
            by_kind[kind].append((frames, int(count)))
    return by_kind


def _short(frame: str) -> str:
    # "func (pkg/module.py:123)" -> "func (pkg/module.py)"
    return re.sub(r":\d+\)$", ")", frame)


def summarize(stacks: list[tuple[list[str], int]], rate: float, top: int) -> None:
    total = sum(c for _, c in stacks)
    imports = sum(c for f, c in stacks if any("_find_and_load" in x for x in f))
    print(f"  CPU seconds sampled: {total / rate:.1f} (imports: {imports / rate:.1f})")
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    for frames, count in stacks:
        seen = set()
        for frame in frames:
            short = _short(frame)
            if short not in seen:
                inclusive[short] += count
                seen.add(short)
        if frames:
            self_time[_short(frames[-1])] += count
    print(f"  top {top} inclusive:")
    for name, count in inclusive.most_common(top):
        print(f"    {count / rate:7.2f} s  {name[:150]}")
    print(f"  top {top} self:")
    for name, count in self_time.most_common(top):
        print(f"    {count / rate:7.2f} s  {name[:150]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folded", type=Path)
    parser.add_argument("--rate", type=float, default=100.0, help="py-spy --rate (samples/s)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--process", help="only this kind: kedro, emulator, dbt, other")
    parser.add_argument("--match", help="only stacks with a frame containing this text")
    args = parser.parse_args(argv)
    for kind, stacks in sorted(parse(args.folded).items()):
        if args.process and kind != args.process:
            continue
        if args.match:
            stacks = [(f, c) for f, c in stacks if any(args.match in x for x in f)]
        print(f"{kind}:")
        summarize(stacks, args.rate, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
