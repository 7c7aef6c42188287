"""Benchmark of SNM-UC1 POI identification (seed Annex A, Table 4 "Requirements (1)").

For each method (HCA, DBSCAN, OPTICS) and size (the seed's 800 and 3,200 records, then
100,000 and 1,000,000), on synthetic traces with known POIs, it prints:

* ``ours``: wall time of the whole pipeline (selection, cleaning, projection, clustering,
  hulls, silhouette) and the adjusted Rand index of the clustering against the true POIs
  on dwell records. Parameters are the defaults, except that the minimum cluster sizes
  follow the data volume as a user would set them (DBSCAN ``min_samples`` and HCA
  ``min_cluster_size`` = max(default, records / 1000); OPTICS scales by itself): with a
  fixed minimum, the transit fixes of 1M records form hundreds of "POIs" along the roads;
* ``clust s``: our projection + clustering alone (what ``naive`` does), once;
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
``--quick`` stops at 100k, ``--sizes`` picks the record counts. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
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
from locus_iac.functions.poi.cluster import cluster, feature_matrix

SEED_SECONDS = {
    ("hca", 800): 0.041,
    ("hca", 3200): 0.394,
    ("dbscan", 800): 0.081,
    ("dbscan", 3200): 0.277,
    ("optics", 800): 2.952,
    ("optics", 3200): 7.098,
}
SEED_MIB = {"hca": 295.680, "dbscan": 294.082, "optics": 296.059}
NAIVE_LIMIT = {"hca": 20_000, "dbscan": 20_000, "optics": 5_000}
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


def _trace(size: int) -> SyntheticTrace:
    """Traces whose density per POI grows with size (as a city's busy day would)."""
    return generate(SyntheticSpec(n_records=size, n_ues=max(8, size // 400), n_pois=8, seed=1))


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


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


def _our_labels(trace: SyntheticTrace, query: PoiQuery) -> np.ndarray:
    """Labels the pipeline's clustering gives every record (no record is cleaned away)."""
    records = trace.records
    x, y = Projector.centred_on(records).forward(records.lon, records.lat)
    return cluster(feature_matrix(x, y, records.t, None), query.clustering)


def _measure(method: str, size: int, trace: SyntheticTrace, memory: bool) -> Row:
    query = _query(method, size)
    repeats = 3 if size <= 3200 else 1
    times = []
    result: object = None
    for _ in range(repeats):
        seconds, result = _timed(lambda: run_poi(trace.records, query))
        times.append(seconds)
    assert isinstance(result, PoiResult)
    mib = _peak_mib(lambda: run_poi(trace.records, query)) if memory else None
    cluster_s, labels = _timed(lambda: _our_labels(trace, query))
    row = Row(
        method,
        size,
        min(times),
        cluster_s,
        mib,
        _ari(trace, np.asarray(labels)),
        len(result.features),
    )
    if size <= NAIVE_LIMIT[method]:
        raw = np.column_stack((trace.records.lat, trace.records.lon))
        naive_s, labels = _timed(lambda: NAIVE[method]().fit_predict(raw))
        row.naive_s = naive_s
        row.naive_mib = _peak_mib(lambda: NAIVE[method]().fit_predict(raw)) if memory else None
        row.naive_ari = _ari(trace, np.asarray(labels))
    return row


def _fmt(value: float | None, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def _print(rows: list[Row]) -> None:
    head = (
        f"{'method':7} {'records':>9} {'ours s':>8} {'clust s':>8} {'ours MiB':>9} {'ARI':>5} "
        f"{'POIs':>4} | {'naive s':>8} {'naive MiB':>9} {'nARI':>5} {'naive/ours':>10} "
        f"| {'seed s':>6} {'ours/seed':>9}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        seed = SEED_SECONDS.get((r.method, r.size))
        ratio = None if r.naive_s is None else r.naive_s / r.cluster_s
        vs_seed = None if seed is None else r.ours_s / seed
        naive_s = _fmt(r.naive_s, "8.3f", "skipped")
        print(
            f"{r.method:7} {r.size:>9,} {r.ours_s:8.3f} {r.cluster_s:8.3f} "
            f"{_fmt(r.ours_mib, '9.1f'):>9} "
            f"{r.ari:5.2f} {r.pois:>4} | {naive_s:>8} {_fmt(r.naive_mib, '9.1f'):>9} "
            f"{_fmt(r.naive_ari, '5.2f'):>5} {_fmt(ratio, '10.2f'):>10} | "
            f"{_fmt(seed, '6.3f'):>6} {_fmt(vs_seed, '9.2f'):>9}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="stop at 100,000 records")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument(
        "--sizes", help="comma-separated record counts (default 800,3200,100000,1000000)"
    )
    args = parser.parse_args()
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
    rows: list[Row] = []
    for size in sizes:
        started = time.perf_counter()
        trace = _trace(size)
        print(f"# {size:,} records generated in {time.perf_counter() - started:.1f} s")
        for method in ("hca", "dbscan", "optics"):
            rows.append(_measure(method, size, trace, memory=not args.no_memory))
            print(f"#   {method} done")
    print()
    _print(rows)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nprocess peak RSS {rss:.0f} MiB (whole run). naive = scikit-learn defaults on raw "
        "lat/lon; skipped above "
        + ", ".join(f"{m} {n:,}" for m, n in NAIVE_LIMIT.items())
        + " records (O(n^2) memory or hours)."
    )


if __name__ == "__main__":
    main()
