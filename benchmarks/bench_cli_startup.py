"""CLI start-up time: ``locus --help`` and ``locus pkg validate`` of a small package.

Each case is a fresh process, as a user runs it (the ``locus`` console script of the
interpreter running this file). The cases are measured round-robin (one run of each per
round) so machine noise hits them alike; each line prints the median of the rounds, the goal
(issue 19) and the ratio to ``python -c pass`` measured in the same run, the floor any
Python command pays; the CPU column (user + system of the child) is less disturbed by
other load on the machine than the wall time. Not a test: nothing is asserted.
Run: ``.venv/bin/python benchmarks/bench_cli_startup.py [--rounds 10]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL_PACKAGE = ROOT / "examples" / "packages" / "cloud_vnf"  # one VDU, 36 KB
LOCUS = str(Path(sys.executable).parent / "locus")

# (label, argv, goal in seconds or None for the baseline)
CASES: list[tuple[str, list[str], float | None]] = [
    ("python -c pass", [sys.executable, "-c", "pass"], None),
    ("locus --help", [LOCUS, "--help"], 0.25),
    ("locus pkg validate cloud_vnf", [LOCUS, "pkg", "validate", str(SMALL_PACKAGE)], 0.4),
    ("locus ns --help", [LOCUS, "ns", "--help"], None),  # no goal: informative
]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU time of one run; a failing command stops the benchmark."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()}")
    return elapsed, _children_cpu() - cpu


def measure(rounds: int) -> dict[str, list[tuple[float, float]]]:
    times: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in CASES}
    for _, argv, _ in CASES:  # warm-up: byte-code caches, page cache
        run_once(argv)
    for _ in range(rounds):
        for label, argv, _ in CASES:
            times[label].append(run_once(argv))
    return times


def report(times: dict[str, list[tuple[float, float]]]) -> None:
    floor = statistics.median(wall for wall, _ in times[CASES[0][0]])
    print(
        f"{'case':30} {'median s':>9} {'min s':>7} {'CPU s':>7} {'goal s':>7} {'x python':>9}  met"
    )
    for label, _, goal in CASES:
        median = statistics.median(wall for wall, _ in times[label])
        fastest = min(wall for wall, _ in times[label])
        cpu = statistics.median(cpu for _, cpu in times[label])
        goal_text = f"{goal:7.2f}" if goal is not None else f"{'-':>7}"
        met = "-" if goal is None else ("yes" if median <= goal else "NO")
        print(
            f"{label:30} {median:9.3f} {fastest:7.3f} {cpu:7.3f} {goal_text} "
            f"{median / floor:9.1f}  {met}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="runs per case (median)")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.rounds} rounds; small package: {SMALL_PACKAGE.relative_to(ROOT)}; load {load}")
    report(measure(args.rounds))


if __name__ == "__main__":
    main()
