"""Real NS instantiations on the local testbed: one alone against N at once.

Measured side by side on this machine (numbers printed, never asserted), through the NBI
(in-process, SQLite) with the product's runner: worker processes run the real Pulumi engine
and Kubernetes provider and Ansible Day1 against the testbed's API server (``locus testbed
up`` first).

For every instantiate of the example ``edge_ns`` it prints the wall time from ``POST`` to
``COMPLETED`` and the part of it the engine reports for its preview and up (the summary
events' durations, whole seconds); the rest is Ansible's Day1 plus what the MANO adds
(``benchmarks/bench_lcm.py`` measures the MANO's part alone with a runner that does nothing).
The worker's own phase timings (``phase_seconds``: engine runs with the CLI and plugin
start-up, Ansible) split the rest: what remains is the MANO's (queue, worker start, resolving
the spec, recording). Then N instances are instantiated at once and the wall time is compared
with one. Every instance is terminated and deleted afterwards. Each figure is measured for
each way of starting workers (``--start``, default ``exec,forkserver``), side by side.

Run: ``.venv/bin/python benchmarks/bench_testbed_lcm.py [--runs N] [--parallel N]
[--start exec,forkserver]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from locus_iac.catalogue.instances import OpOccRow
from locus_iac.engine import find_pulumi
from locus_iac.nbi import Settings, create_app
from locus_iac.packages import archive_bytes, read_package

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "packages"
TESTBED = Path(os.environ.get("LOCUS_TESTBED_DIR", Path.home() / ".cache/locus-iac/testbed"))
NS = "/nslcm/v1"


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


def _children_cpu() -> float:
    """CPU seconds of the finished child processes so far: started (``exec``) workers with the
    engines and Ansible they ran; forked workers are the pre-started process's children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _instantiate(
    client: TestClient, auth: dict[str, str], count: int
) -> tuple[float, list[Any], list[dict[str, float]]]:
    start = time.perf_counter()
    accepted = [
        client.post(
            f"{NS}/ns_instances_content",
            json={"nsdId": "edge_ns", "nsName": f"bench{i}", "vimAccountId": "local"},
            headers=auth,
        ).json()
        for i in range(count)
    ]
    occs = _wait(client, auth, [a["nsLcmOpOccId"] for a in accepted])
    wall = time.perf_counter() - start
    phases = _phases(client, occs)
    terminations = [
        client.post(f"{NS}/ns_instances/{a['id']}/terminate", json={}, headers=auth).json()
        for a in accepted
    ]
    _wait(client, auth, [t["nsLcmOpOccId"] for t in terminations])
    for a in accepted:
        client.delete(f"{NS}/ns_instances/{a['id']}", headers=auth)
    return wall, occs, phases


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
            token = client.post(
                "/admin/v1/tokens", json={"username": "admin", "password": "bench-pw"}
            ).json()["id"]
            auth = {"Authorization": f"Bearer {token}"}
            for url, folder in (
                ("/vnfpkgm/v1/vnf_packages_content", "edge_knf"),
                ("/nsd/v1/ns_descriptors_content", "edge_ns"),
            ):
                data = archive_bytes(read_package(EXAMPLES / folder))
                client.post(url, content=data, headers={**auth, "Content-Type": "application/gzip"})
            cluster = {"name": "local", "credentials": kubeconfig.read_text()}
            client.post("/admin/v1/k8sclusters", json=cluster, headers=auth)
            cpu = _children_cpu()
            singles = [_instantiate(client, auth, 1) for _ in range(args.runs)]
            cpu = (_children_cpu() - cpu) / args.runs
            many = [_instantiate(client, auth, args.parallel)[0] for _ in range(args.runs)]
    one = statistics.median(wall for wall, _, _ in singles)
    occs = [occ for _, found, _ in singles for occ in found]
    phases = [p for _, _, found in singles for p in found]
    engine_wall = statistics.median(p.get("engine", 0.0) for p in phases)
    ansible = statistics.median(p.get("ansible", 0.0) for p in phases)
    parallel = statistics.median(many)
    return {
        "one instantiate, POST -> COMPLETED": one,
        "  engine runs (preview + up), wall": engine_wall,
        "  of which the engine's own summaries": statistics.median(
            _engine_seconds(o) for o in occs
        ),
        "  Ansible Day1": ansible,
        "  the MANO (rest)": one - engine_wall - ansible,
        "  MANO share of engine + Ansible (%)": 100
        * (one - engine_wall - ansible)
        / max(engine_wall + ansible, 1e-9),
        "CPU s per instantiate + terminate (exec)": cpu,
        f"{args.parallel} instantiates at once": parallel,
        f"ratio {args.parallel} at once / one": parallel / one,
    }


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
    for name in results[methods[0]]:
        print(f"{name:40}" + "".join(f"{results[m][name]:12.2f}" for m in methods))


if __name__ == "__main__":
    main()
