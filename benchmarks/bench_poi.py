"""Benchmark of SNM-UC1 POI identification (seed Annex A, Table 4 "Requirements (1)").

For each method (HCA, DBSCAN, OPTICS) and size (the seed's 800 and 3,200 records, then
100,000 and 1,000,000), on synthetic traces with known POIs, it prints:

* ``ours``: wall time of the whole pipeline (selection, cleaning, projection, clustering,
  hulls, silhouette), median of 5 runs (``--repeats``) up to 3,200 records, beside the
  seed's figure and the goal of issue 19 (seed / 10), and the adjusted Rand index of the
  clustering against the true POIs on dwell records. Parameters are the defaults, except
  that the minimum cluster sizes follow the data volume as a user would set them (DBSCAN
  ``min_samples`` and HCA ``min_cluster_size`` = max(default, records / 1000); OPTICS
  scales by itself): with a fixed minimum, the transit fixes of 1M records form hundreds
  of "POIs" along the roads;
* ``clust s``: our projection + clustering alone (median, as above);
* ``sk s``: scikit-learn's estimator with the *same* parameters on the *same* metric points
  (``AgglomerativeClustering(distance_threshold=...)``, ``DBSCAN(eps, min_samples)``,
  ``OPTICS(min_samples, max_eps, xi, min_cluster_size)``), the baseline measured in the
  same run, ``sk/ours`` the ratio of clustering times and ``=ARI`` the adjusted Rand index
  between its labels and ours on all points (1.00: the same clustering; HCA's
  small-cluster-to-noise step is applied to both);
* ``naive``: the same data clustered by scikit-learn with its defaults on raw
  latitude/longitude (``AgglomerativeClustering()``, ``DBSCAN()``, ``OPTICS()``), in the
  same process, and the ratio naive/ours of clustering times (``clust s``); its ARI shows
  what the defaults find (degrees are not metres: DBSCAN's eps=0.5 is ~50 km);
* peak memory of each run, measured by ``tracemalloc`` in a second run (Python and numpy
  allocations; buffers a C/C++ library allocates outside numpy are not seen), and the
  process's peak RSS at the end;
* the seed's numbers (i7-8550U laptop) beside ours.

The naive baseline is skipped where it is hopeless (O(n^2) memory: Agglomerative and
DBSCAN-with-eps-0.5-degrees put every point in every neighbourhood; OPTICS takes hours)
and says so. Run ``python benchmarks/bench_poi.py [--quick] [--sizes 800,3200]``;
``--quick`` stops at 100k, ``--sizes`` picks the record counts. ``--baseline DIR`` also
times the whole pipeline of another checkout (``DIR``, e.g. the main branch) on the same
records, in a worker process driven from this run right after each of our measurements,
and prints ``base s``, ``base/ours`` and ``same`` (equal POI features and silhouette).
``--fastest`` reports the fastest run instead of the median (on a loaded machine the
fastest is the closer estimate of the work done). Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import DBSCAN, OPTICS, AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score

from locus_iac.functions.poi import (
    NOISE,
    PoiQuery,
    PoiResult,
    Projector,
    SyntheticSpec,
    SyntheticTrace,
    generate,
    parse_query,
    run_poi,
)
from locus_iac.functions.poi.cluster import (
    DbscanParams,
    HcaParams,
    OpticsParams,
    cluster,
    feature_matrix,
)

SEED_SECONDS = {
    ("hca", 800): 0.041,
    ("hca", 3200): 0.394,
    ("dbscan", 800): 0.081,
    ("dbscan", 3200): 0.277,
    ("optics", 800): 2.952,
    ("optics", 3200): 7.098,
}
GOAL_FACTOR = 10  # issue 19: the full pipeline >= 10x faster than the seed's figures
SEED_MIB = {"hca": 295.680, "dbscan": 294.082, "optics": 296.059}
NAIVE_LIMIT = {"hca": 20_000, "dbscan": 20_000, "optics": 5_000}
REPEATS = [5]  # runs per median up to 3,200 records (``--repeats``; the worker gets it too)
FASTEST = [False]  # ``--fastest``: the fastest run instead of the median (a loaded machine)
REFERENCE_LIMIT = {"hca": 5_000, "dbscan": 20_000, "optics": 3_200}  # sklearn, same params
NAIVE = {"hca": AgglomerativeClustering, "dbscan": DBSCAN, "optics": OPTICS}


@dataclass
class Row:
    method: str
    size: int
    ours_s: float
    cluster_s: float
    ours_mib: float | None
    ari: float
    pois: int
    naive_s: float | None = None
    naive_mib: float | None = None
    naive_ari: float | None = None
    reference_s: float | None = None
    reference_ari: float | None = None
    baseline_s: float | None = None
    baseline_same: bool | None = None


def _trace(size: int) -> SyntheticTrace:
    """Traces whose density per POI grows with size (as a city's busy day would)."""
    return generate(SyntheticSpec(n_records=size, n_ues=max(8, size // 400), n_pois=8, seed=1))


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def _median_timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    runs = [_timed(fn) for _ in range(repeats)]
    seconds = [elapsed for elapsed, _ in runs]
    return float(np.min(seconds) if FASTEST[0] else np.median(seconds)), runs[-1][1]


def _peak_mib(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def _ari(trace: SyntheticTrace, labels: np.ndarray) -> float:
    dwell = trace.truth != NOISE
    return float(adjusted_rand_score(trace.truth[dwell], labels[dwell]))


def _query(method: str, size: int) -> PoiQuery:
    minimum = max(10, size // 1000)
    params = {
        "hca": {"min_cluster_size": max(10, size // 1000)},
        "dbscan": {"min_samples": minimum},
        "optics": {},
    }[method]
    return parse_query({"method": method, "params": params})


def _features(trace: SyntheticTrace) -> np.ndarray:
    """The metric points the pipeline clusters (no synthetic record is cleaned away)."""
    records = trace.records
    x, y = Projector.centred_on(records).forward(records.lon, records.lat)
    return feature_matrix(x, y, records.t, None)


def _our_labels(trace: SyntheticTrace, query: PoiQuery) -> np.ndarray:
    """Labels the pipeline's clustering gives every record."""
    return cluster(_features(trace), query.clustering)


def _small_to_noise(labels: np.ndarray, minimum: int) -> np.ndarray:
    counts = np.bincount(labels[labels != NOISE], minlength=int(labels.max()) + 1)
    return np.where((labels != NOISE) & (counts[labels] < minimum), NOISE, labels)


def _reference_labels(features: np.ndarray, query: PoiQuery) -> np.ndarray:
    """scikit-learn's estimator with the pipeline's parameters on the same points."""
    params = query.clustering
    if isinstance(params, HcaParams):
        model = AgglomerativeClustering(
            n_clusters=None, distance_threshold=params.distance_threshold_m, linkage=params.linkage
        )
        return _small_to_noise(model.fit_predict(features), params.min_cluster_size)
    if isinstance(params, DbscanParams):
        dbscan = DBSCAN(eps=params.eps_m, min_samples=params.min_samples)
        return np.asarray(dbscan.fit_predict(features))
    assert isinstance(params, OpticsParams)
    n = features.shape[0]
    optics = OPTICS(
        min_samples=params.min_samples,
        max_eps=params.max_eps_m,
        xi=params.xi,
        min_cluster_size=min(n, params.cluster_size_for(n)),
    )
    return np.asarray(optics.fit_predict(features))


def _measure(
    method: str, size: int, trace: SyntheticTrace, memory: bool, baseline: Baseline | None
) -> Row:
    query = _query(method, size)
    repeats = REPEATS[0] if size <= 3200 else 1
    ours_s, result = _median_timed(lambda: run_poi(trace.records, query), repeats)
    assert isinstance(result, PoiResult)
    mib = _peak_mib(lambda: run_poi(trace.records, query)) if memory else None
    base = None if baseline is None else baseline.run(method, size)
    cluster_s, labels = _median_timed(lambda: _our_labels(trace, query), repeats)
    row = Row(
        method,
        size,
        ours_s,
        cluster_s,
        mib,
        _ari(trace, np.asarray(labels)),
        len(result.features),
    )
    if base is not None:
        row.baseline_s = float(str(base["seconds"]))
        row.baseline_same = _same_pois(result, base)
    if size <= REFERENCE_LIMIT[method]:
        features = _features(trace)
        reference_s, reference = _timed(lambda: _reference_labels(features, query))
        row.reference_s = reference_s
        row.reference_ari = float(adjusted_rand_score(np.asarray(reference), labels))
    if size <= NAIVE_LIMIT[method]:
        raw = np.column_stack((trace.records.lat, trace.records.lon))
        naive_s, labels = _timed(lambda: NAIVE[method]().fit_predict(raw))
        row.naive_s = naive_s
        row.naive_mib = _peak_mib(lambda: NAIVE[method]().fit_predict(raw)) if memory else None
        row.naive_ari = _ari(trace, np.asarray(labels))
    return row


class Baseline:
    """The pipeline of another checkout, timed in a worker process on the same records.

    The worker runs this file with ``--worker`` and the other checkout first on
    ``PYTHONPATH``; it reads ``method size`` lines and answers with the median seconds of
    ``run_poi`` (``--repeats`` runs, as ours) on the same synthetic records.
    """

    def __init__(self, checkout: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.path.abspath(checkout)}
        self._proc = subprocess.Popen(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--worker",
                f"--repeats={REPEATS[0]}",
                *(["--fastest"] if FASTEST[0] else []),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        self.package = str(self._ask("where")["package"])

    def _ask(self, line: str) -> dict[str, object]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()
        answer: dict[str, object] = json.loads(self._proc.stdout.readline())
        return answer

    def run(self, method: str, size: int) -> dict[str, object]:
        """Median seconds, POI features and silhouette of the checkout's ``run_poi``."""
        return self._ask(f"{method} {size}")

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=60)


def _worker() -> None:
    """The ``--worker`` loop of :class:`Baseline` (this file, another checkout's package)."""
    import locus_iac

    traces: dict[int, SyntheticTrace] = {}
    for line in sys.stdin:
        words = line.split()
        if words == ["where"]:
            print(json.dumps({"package": os.path.dirname(locus_iac.__file__)}), flush=True)
            continue
        method, size = words[0], int(words[1])
        trace = traces.setdefault(size, _trace(size))
        query = _query(method, size)
        repeats = REPEATS[0] if size <= 3200 else 1
        seconds, result = _median_timed(functools.partial(run_poi, trace.records, query), repeats)
        assert isinstance(result, PoiResult)
        answer = {"seconds": seconds, "features": [f.model_dump() for f in result.features]}
        print(json.dumps({**answer, "silhouette": result.silhouette}), flush=True)


def _same_pois(ours: PoiResult, base: dict[str, object]) -> bool:
    """Same POI features (hulls, counts, times) and silhouette (to 1e-12) as the baseline."""
    features = json.loads(json.dumps([f.model_dump() for f in ours.features]))
    theirs = base["silhouette"]
    if (ours.silhouette is None) != (theirs is None):
        return False
    close = ours.silhouette is None or abs(ours.silhouette - float(str(theirs))) <= 1e-12
    return bool(close and features == base["features"])


def _fmt(value: float | None, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def _print(rows: list[Row]) -> None:
    _print_goals(rows)
    print()
    _print_scaling(rows)


def _print_goals(rows: list[Row]) -> None:
    """Issue 19: the full pipeline against seed / 10, and sklearn's same clustering."""
    head = (
        f"{'method':7} {'records':>9} {'seed s':>7} {'goal s':>7} {'ours s':>8} "
        f"{'ours/goal':>9} {'ARI':>5} | {'clust s':>8} {'sk s':>8} {'sk/ours':>8} {'=ARI':>5}"
        f" | {'base s':>8} {'base/ours':>9} {'same':>4}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        seed = SEED_SECONDS.get((r.method, r.size))
        goal = None if seed is None else seed / GOAL_FACTOR
        ratio = None if r.reference_s is None else r.reference_s / r.cluster_s
        print(
            f"{r.method:7} {r.size:>9,} {_fmt(seed, '7.3f'):>7} {_fmt(goal, '7.4f'):>7} "
            f"{r.ours_s:8.4f} {_fmt(None if goal is None else r.ours_s / goal, '9.2f'):>9} "
            f"{r.ari:5.2f} | {r.cluster_s:8.4f} {_fmt(r.reference_s, '8.3f', 'skipped'):>8} "
            f"{_fmt(ratio, '8.1f'):>8} {_fmt(r.reference_ari, '5.2f'):>5}"
            f" | {_fmt(r.baseline_s, '8.4f'):>8} "
            f"{_fmt(None if r.baseline_s is None else r.baseline_s / r.ours_s, '9.2f'):>9} "
            f"{'-' if r.baseline_same is None else 'yes' if r.baseline_same else 'NO':>4}"
        )


def _print_scaling(rows: list[Row]) -> None:
    """Memory and the naive baseline (sklearn defaults on raw lat/lon)."""
    head = (
        f"{'method':7} {'records':>9} {'ours s':>8} {'clust s':>8} {'ours MiB':>9} {'ARI':>5} "
        f"{'POIs':>4} | {'naive s':>8} {'naive MiB':>9} {'nARI':>5} {'naive/ours':>10}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = None if r.naive_s is None else r.naive_s / r.cluster_s
        naive_s = _fmt(r.naive_s, "8.3f", "skipped")
        print(
            f"{r.method:7} {r.size:>9,} {r.ours_s:8.3f} {r.cluster_s:8.3f} "
            f"{_fmt(r.ours_mib, '9.1f'):>9} "
            f"{r.ari:5.2f} {r.pois:>4} | {naive_s:>8} {_fmt(r.naive_mib, '9.1f'):>9} "
            f"{_fmt(r.naive_ari, '5.2f'):>5} {_fmt(ratio, '10.2f'):>10}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="stop at 100,000 records")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument(
        "--sizes", help="comma-separated record counts (default 800,3200,100000,1000000)"
    )
    parser.add_argument(
        "--baseline", metavar="DIR", help="also time the pipeline of the checkout in DIR"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="runs per median up to 3,200 records (default 5)"
    )
    parser.add_argument(
        "--fastest", action="store_true", help="the fastest of the runs instead of the median"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    REPEATS[0] = args.repeats
    FASTEST[0] = args.fastest
    if args.worker:
        _worker()
        return
    sizes = [800, 3200, 100_000] + ([] if args.quick else [1_000_000])
    if args.sizes:
        sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"POI identification benchmark - {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    print(
        "seed (i7-8550U): HCA 0.041/0.394 s, DBSCAN 0.081/0.277 s, OPTICS 2.952/7.098 s "
        f"at 800/3,200 records; ~{SEED_MIB['hca']:.0f} MiB process memory"
    )
    baseline = None if args.baseline is None else Baseline(args.baseline)
    if baseline is not None:
        print(f"baseline: the package at {baseline.package}")
    rows: list[Row] = []
    for size in sizes:
        started = time.perf_counter()
        trace = _trace(size)
        print(f"# {size:,} records generated in {time.perf_counter() - started:.1f} s")
        for method in ("hca", "dbscan", "optics"):
            rows.append(_measure(method, size, trace, not args.no_memory, baseline))
            print(f"#   {method} done")
    if baseline is not None:
        baseline.close()
    statistic = "fastest" if FASTEST[0] else "median"
    print(f"\ntimes: {statistic} of {REPEATS[0]} runs up to 3,200 records, 1 run above")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min)")
    _print(rows)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        "\ngoal = seed / 10 (issue 19); sk = scikit-learn, same parameters and points, "
        "skipped above "
        + ", ".join(f"{m} {n:,}" for m, n in REFERENCE_LIMIT.items())
        + f" records.\nprocess peak RSS {rss:.0f} MiB (whole run). "
        "naive = scikit-learn defaults on raw lat/lon; skipped above "
        + ", ".join(f"{m} {n:,}" for m, n in NAIVE_LIMIT.items())
        + " records (O(n^2) memory or hours)."
    )


if __name__ == "__main__":
    main()
