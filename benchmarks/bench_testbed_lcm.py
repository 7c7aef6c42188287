"""Real NS instantiations on the local testbed: one alone against N at once.

Measured side by side on this machine (numbers printed, never asserted), through the NBI
(in-process, SQLite) with the product's runner: worker processes run the real Pulumi engine
and Kubernetes provider and Ansible Day1 against the testbed's API server (``locus testbed
up`` first).

For every instantiate of the example ``edge_ns`` it prints the wall time from ``POST`` to
``COMPLETED`` and the part of it the engine reports for its preview and up (the summary
events' durations, whole seconds); the rest is Ansible's Day1 plus what the MANO adds
(``benchmarks/bench_lcm.py`` measures the MANO's part alone with a runner that does nothing).
``COMPLETED`` is the time the occurrence's record says it entered that state
(``stateEnteredTime``), not when this benchmark's poll saw it: the poll's delay is not
charged to the MANO. The worker's own phase timings (``phase_seconds``: engine runs with the
CLI and plugin start-up, Ansible) split the rest: what remains is the MANO's, itself split
by the worker's ``start`` (accepted -> the run starts: queue, claim, worker process, loading
the job) and ``mano`` phases (its steps outside engine and Ansible: resolving the spec,
placement, recording progress); what is left after those is accepting the request and
recording the result. The CPU seconds of one instantiate are split by process kind (the
worker, the pulumi CLI, the provider plugins, Ansible, the server; :class:`ProcessCpu` reads
``/proc`` from a sampler process of its own, whose CPU is shown apart and not counted); CPU
seconds x N / cores is the floor of N at once on this machine. Then N
instances are instantiated at once and the wall time is compared with one. Every instance is
terminated and deleted afterwards. Each figure is measured for each way of starting workers
(``--start``, default ``exec,forkserver``), side by side.

Run: ``.venv/bin/python benchmarks/bench_testbed_lcm.py [--runs N] [--parallel N]
[--start exec,forkserver]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from _proc_cpu import ProcessCpu
from _testbed_edge import prepare_edge
from fastapi.testclient import TestClient

from locus_iac.catalogue.instances import OpOccRow
from locus_iac.engine import find_pulumi
from locus_iac.nbi import Settings, create_app

TESTBED = Path(os.environ.get("LOCUS_TESTBED_DIR", Path.home() / ".cache/locus-iac/testbed"))
NS = "/nslcm/v1"


def _ended(occs: list[dict[str, Any]]) -> float:
    """When the last of ``occs`` entered its final state, by its record (epoch seconds)."""
    return max(datetime.fromisoformat(occ["stateEnteredTime"]).timestamp() for occ in occs)


def _wait(client: TestClient, auth: dict[str, str], ops: list[str]) -> list[dict[str, Any]]:
    done: dict[str, dict[str, Any]] = {}
    while len(done) < len(ops):
        for op in ops:
            if op in done:
                continue
            body = client.get(f"{NS}/ns_lcm_op_occs/{op}", headers=auth).json()
            if body["operationState"] == "COMPLETED":
                done[op] = body
            elif body["operationState"] != "PROCESSING":
                raise SystemExit(f"{op} ended {body['operationState']}: {body.get('error')}")
        time.sleep(0.2)
    return [done[op] for op in ops]


def _engine_seconds(occ: dict[str, Any]) -> float:
    """The engine's own durations of the runs shown on the occurrence (preview, up)."""
    return float(
        sum(e["durationSeconds"] for e in occ["progress"]["events"] if e["kind"] == "summary")
    )


def _phases(client: TestClient, occs: list[dict[str, Any]]) -> list[dict[str, float]]:
    """Per occurrence: wall seconds of its engine runs (preview + up, CLI and plugins
    included) and of Ansible, as the worker timed them (``phase_seconds``)."""
    with client.app.state.services.db.session(readonly=True) as session:  # type: ignore[attr-defined]
        rows = [session.get(OpOccRow, occ["id"]) for occ in occs]
        return [dict(row.phase_seconds or {}) if row else {} for row in rows]


class _Run(NamedTuple):
    wall: float  # POST -> every occurrence COMPLETED (by their records, not the poll)
    occs: list[dict[str, Any]]
    phases: list[dict[str, float]]
    cpu: dict[str, float]  # CPU seconds of the instantiates, by process kind
    terminate_cpu: dict[str, float]
    sampler: float  # CPU seconds of this benchmark's sampler process during the instantiates


def _instantiate(client: TestClient, auth: dict[str, str], count: int) -> _Run:
    with ProcessCpu() as cpu:
        start = time.time()  # the clock of the records' times (this host's)
        accepted = [
            client.post(
                f"{NS}/ns_instances_content",
                json={"nsdId": "edge_ns", "nsName": f"bench{i}", "vimAccountId": "local"},
                headers=auth,
            ).json()
            for i in range(count)
        ]
        occs = _wait(client, auth, [a["nsLcmOpOccId"] for a in accepted])
    wall = _ended(occs) - start
    phases = _phases(client, occs)
    with ProcessCpu() as terminate_cpu:
        terminations = [
            client.post(f"{NS}/ns_instances/{a['id']}/terminate", json={}, headers=auth).json()
            for a in accepted
        ]
        _wait(client, auth, [t["nsLcmOpOccId"] for t in terminations])
    for a in accepted:
        client.delete(f"{NS}/ns_instances/{a['id']}", headers=auth)
    return _Run(wall, occs, phases, cpu.by_kind(), terminate_cpu.by_kind(), cpu.sampler)


def _measure(args: argparse.Namespace, kubeconfig: Path, start_method: str) -> dict[str, float]:
    """The figures of one server whose workers start with ``start_method`` (fresh dirs)."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(
            PULUMI_BACKEND_URL=Path(tmp, "backend").as_uri(),
            PULUMI_CONFIG_PASSPHRASE="bench",
            LOCUS_LCM_WORKERS=str(max(args.parallel, 1)),
            LOCUS_LCM_START=start_method,
        )
        os.environ.pop("LOCUS_LCM_RUNNER", None)
        Path(tmp, "backend").mkdir()
        settings = Settings(data_dir=Path(tmp, "data"), admin_password="bench-pw")
        with TestClient(create_app(settings)) as client:
            auth = prepare_edge(client, "bench-pw", kubeconfig)
            # the first operation of a server waits for the fork server's imports (seconds):
            # one unmeasured instantiate first, as a server that has been up for a while
            _instantiate(client, auth, 1)
            singles = [_instantiate(client, auth, 1) for _ in range(args.runs)]
            many = [_instantiate(client, auth, args.parallel) for _ in range(args.runs)]
    one = statistics.median(run.wall for run in singles)
    occs = [occ for run in singles for occ in run.occs]
    phases = [p for run in singles for p in run.phases]
    engine_wall = statistics.median(p.get("engine", 0.0) for p in phases)
    ansible = statistics.median(p.get("ansible", 0.0) for p in phases)
    # per run, then the median: the MANO of one instantiate and its parts
    manos = [_mano(run.wall, run.phases[0]) for run in singles]
    mano = {part: statistics.median(m[part] for m in manos) for part in manos[0]}
    parallel = statistics.median(run.wall for run in many)
    cpu = _mean_kinds([run.cpu for run in singles], 1)
    cpu_many = sum(_mean_kinds([run.cpu for run in many], 1).values())
    cores = os.cpu_count() or 1
    figures = {
        "one instantiate, POST -> COMPLETED": one,
        "  engine runs, wall": engine_wall,
        "  of which the engine's own summaries": statistics.median(
            _engine_seconds(o) for o in occs
        ),
        "  Ansible Day1": ansible,
        "  the MANO (rest)": mano["total"],
        "    before the run (start)": mano["start"],
        "    in the worker (mano)": mano["mano"],
        "    accepting, recording the result": mano["other"],
        "  MANO share of engine + Ansible (%)": statistics.median(m["share"] for m in manos),
        "CPU s per instantiate, all processes": sum(cpu.values()),
        **{f"  {kind}": seconds for kind, seconds in sorted(cpu.items())},
        "CPU s per terminate, all processes": sum(
            _mean_kinds([run.terminate_cpu for run in singles], 1).values()
        ),
        "  not counted: this benchmark's /proc sampler": statistics.mean(
            run.sampler for run in singles
        ),
        f"{args.parallel} instantiates at once": parallel,
        f"  CPU s of the {args.parallel}": cpu_many,
        f"  CPU floor: their CPU s / {cores} cores": cpu_many / cores,
        f"ratio {args.parallel} at once / one": parallel / one,
    }
    return figures


def _mano(wall: float, phases: dict[str, float]) -> dict[str, float]:
    """The MANO's part of one instantiate (wall minus engine and Ansible) and its parts."""
    work = phases.get("engine", 0.0) + phases.get("ansible", 0.0)
    total = wall - work
    start, mano = phases.get("start", 0.0), phases.get("mano", 0.0)
    return {
        "total": total,
        "start": start,
        "mano": mano,
        "other": total - start - mano,
        "share": 100 * total / max(work, 1e-9),
    }


def _mean_kinds(runs: list[dict[str, float]], per: int) -> dict[str, float]:
    """Mean CPU seconds by kind over ``runs``, divided by ``per`` operations per run."""
    kinds = sorted({kind for run in runs for kind in run})
    return {k: sum(run.get(k, 0.0) for run in runs) / len(runs) / per for k in kinds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=3)
    parser.add_argument(
        "--start",
        default="exec,forkserver",
        help="LOCUS_LCM_START values to measure side by side (comma-separated)",
    )
    args = parser.parse_args()
    kubeconfig = TESTBED / "kubeconfig"
    if not kubeconfig.exists():
        raise SystemExit(f"the local testbed is not up ({kubeconfig} missing): locus testbed up")
    if find_pulumi() is None:
        raise SystemExit("no pulumi engine: run scripts/bootstrap-tools (locus testbed tools)")
    methods = args.start.split(",")
    results = {method: _measure(args, kubeconfig, method) for method in methods}
    print(f"seconds (medians of {args.runs}); goal: MANO <= 5 % of engine + Ansible, ratio <= 2")
    print(f"{'LOCUS_LCM_START':40}" + "".join(f"{m:>12}" for m in methods))
    names = list(dict.fromkeys(name for m in methods for name in results[m]))
    for name in names:
        row = (results[m].get(name) for m in methods)
        print(f"{name:40}" + "".join(f"{'-' if v is None else f'{v:.2f}':>12}" for v in row))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
