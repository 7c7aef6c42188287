"""The closed loop's reaction time on the local testbed, beside a bare scale through the NBI.

Both measured in the same run, on the same NS instance (``autoscale_ns`` of
``tests/fixtures/packages``: a KNF that scales 1..3 replicas on ``locus_edge_load``, policy
threshold-time 5 s), numbers printed, never asserted:

* bare: ``POST .../scale`` (1 -> 2 replicas) to ``COMPLETED``, the lifecycle alone;
* loop: from pushing the metric above the threshold to the Pushgateway, to the autoscaler's
  scale occurrence ``COMPLETED``; split into the detection part (push -> the occurrence's
  ``startTime``: scrape, the rule's ``for``, Alertmanager's group_wait, the webhook, the
  autoscaler's reads) and the operation itself.

After each round the replicas go back to 1 (a bare scale-in, the metric pushed low first).
Needs ``locus testbed up`` with the monitoring platform (``<testbed dir>/monitoring.yaml``).
It starts ``locus serve --monitoring`` and ``locus smart serve`` itself.
Run: ``.venv/bin/python benchmarks/bench_monitoring_loop.py [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from locus_iac.packages import archive_bytes, read_package

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "packages"
TESTBED = Path(os.environ.get("LOCUS_TESTBED_DIR", Path.home() / ".cache/locus-iac/testbed"))
TOOLS = Path(os.environ.get("LOCUS_TOOLS_DIR", Path.home() / ".cache/locus-iac/tools"))
LOCUS = str(Path(sys.executable).parent / "locus")
NS = "/nslcm/v1"
PASSWORD = "bench-loop"
NEUTRAL = 30  # between the policy's scale-in (10) and scale-out (50) thresholds
COOLDOWN = 35  # the policy's cooldown-time (30 s) and a margin


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until(what: str, probe: Callable[[], Any], timeout: float = 600) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.25)
    raise SystemExit(f"timed out waiting for {what}")


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


class Mano:
    def __init__(self, url: str) -> None:
        token = httpx.post(
            f"{url}/admin/v1/tokens", json={"username": "admin", "password": PASSWORD}
        ).json()["id"]
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def op(self, op_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.http.get(f"{NS}/ns_lcm_op_occs/{op_id}").json()
        return body

    def done(self, op_id: str) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            body = self.op(op_id)
            if body["operationState"] in ("FAILED", "FAILED_TEMP", "ROLLED_BACK"):
                raise SystemExit(f"{op_id} ended {body['operationState']}: {body.get('error')}")
            return body if body["operationState"] == "COMPLETED" else None

        found: dict[str, Any] = _until(op_id, probe)
        return found

    def scale(self, ns: str, instances: int) -> tuple[float, dict[str, Any]]:
        body = {
            "scaleType": "SCALE_VNF",
            "scaleVnfData": [
                {"memberVnfIndex": "1", "vduId": "edge-cache", "instances": instances}
            ],
        }
        start = time.monotonic()
        answer = self.http.post(f"{NS}/ns_instances/{ns}/scale", json=body)
        if answer.status_code != 202:
            raise SystemExit(f"scale refused: {answer.text}")
        done = self.done(answer.json()["nsLcmOpOccId"])
        return time.monotonic() - start, done

    def automatic(self, ns: str, seen: set[str]) -> dict[str, Any] | None:
        found = self.http.get(f"{NS}/ns_lcm_op_occs", params={"nsInstanceId": ns}).json()
        for occ in found:
            if occ["id"] not in seen and "LocusScaleOut" in str(occ["operationParams"]):
                return dict(occ)
        return None


def _push(pushgateway: str, ns: str, value: float) -> None:
    path = f"/metrics/job/locus-bench/ns_id/{ns}/vnf_member_index/1/vdu_id/edge-cache"
    httpx.put(
        pushgateway.rstrip("/") + path, content=f"locus_edge_load {value}\n"
    ).raise_for_status()


def _round(mano: Mano, ns: str, pushgateway: str, seen: set[str]) -> tuple[float, float, float]:
    """One bare scale-out, then one through the loop; back to 1 replica after each."""
    _push(pushgateway, ns, NEUTRAL)
    bare, _ = mano.scale(ns, 2)
    mano.scale(ns, 1)
    time.sleep(COOLDOWN)  # the autoscaler keeps the policy's cooldown after any scale
    pushed_at = time.time()
    start = time.monotonic()
    _push(pushgateway, ns, 90)
    occ = _until("the autoscaler's scale-out", lambda: mano.automatic(ns, seen))
    seen.add(occ["id"])
    mano.done(occ["id"])
    loop = time.monotonic() - start
    _push(pushgateway, ns, NEUTRAL)
    detect = datetime.fromisoformat(occ["startTime"]).timestamp() - pushed_at
    time.sleep(COOLDOWN)
    mano.scale(ns, 1)
    return bare, loop, detect


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(args, stdout=sink, stderr=subprocess.STDOUT, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings_file = TESTBED / "monitoring.yaml"
    if not settings_file.exists():
        raise SystemExit(f"the monitoring platform is not up ({settings_file} missing)")
    monitoring = yaml.safe_load(settings_file.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        backend = Path(tmp, "backend")
        backend.mkdir()
        env = {
            **os.environ,
            "PATH": f"{TOOLS / 'bin'}:{os.environ.get('PATH', '')}",
            "PULUMI_BACKEND_URL": backend.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": "bench",
            "LOCUS_ADMIN_PASSWORD": PASSWORD,
            "LOCUS_NBI_PASSWORD": PASSWORD,
            "LOCUS_MONITORING": str(settings_file),
        }
        port = _port()
        url = f"http://127.0.0.1:{port}"
        serve = _start(
            [LOCUS, "serve", "--port", str(port), "--data-dir", str(Path(tmp, "data"))],
            Path(tmp, "serve.log"),
            env,
        )
        smart = _start(
            [
                LOCUS,
                "smart",
                "serve",
                "--nbi-url",
                url,
                "--decision-log",
                str(Path(tmp, "d.jsonl")),
            ],
            Path(tmp, "smart.log"),
            env,
        )
        try:
            _until("locus serve", lambda: _up(f"{url}/openapi.json"), 120)
            hook = str(monitoring["smart_webhook_url"]).rsplit("/", 1)[0]
            _until("locus smart serve", lambda: _up(f"{hook}/health"), 60)
            bare, loop, detect = _measure(Mano(url), monitoring, args.rounds)
        finally:
            for proc in (smart, serve):
                proc.terminate()
                proc.wait(timeout=60)
    b, lo, d = statistics.median(bare), statistics.median(loop), statistics.median(detect)
    print(
        f"bare scale through the NBI, POST -> COMPLETED:      {b:7.2f} s (median of {args.rounds})"
    )
    print(f"closed loop, metric pushed -> COMPLETED:            {lo:7.2f} s")
    print(f"  detection (push -> the occurrence's startTime):   {d:7.2f} s")
    print(f"  the operation and the rest:                       {lo - d:7.2f} s")
    print(f"ratio loop / bare:                                  {lo / b:7.2f}")


def _measure(
    mano: Mano, monitoring: dict[str, Any], rounds: int
) -> tuple[list[float], list[float], list[float]]:
    kubeconfig = TESTBED / "kubeconfig"
    mano.http.post(
        "/admin/v1/k8sclusters", json={"name": "local", "credentials": kubeconfig.read_text()}
    ).raise_for_status()
    for root, kind, folder in (
        ("/vnfpkgm/v1", "vnf_packages", "autoscale_knf"),
        ("/nsd/v1", "ns_descriptors", "autoscale_ns"),
    ):
        data = archive_bytes(read_package(FIXTURES / folder))
        answer = mano.http.post(
            f"{root}/{kind}_content", content=data, headers={"Content-Type": "application/gzip"}
        )
        answer.raise_for_status()
    body = {"nsdId": "autoscale_ns", "nsName": "bench-loop", "vimAccountId": "local"}
    created = mano.http.post(f"{NS}/ns_instances_content", json=body)
    created.raise_for_status()
    ns = created.json()["id"]
    mano.done(created.json()["nsLcmOpOccId"])
    bare: list[float] = []
    loop: list[float] = []
    detect: list[float] = []
    seen: set[str] = set()
    try:
        for _ in range(rounds):
            b, lo, d = _round(mano, ns, str(monitoring["pushgateway_url"]), seen)
            bare.append(b)
            loop.append(lo)
            detect.append(d)
    finally:
        _push(str(monitoring["pushgateway_url"]), ns, 0)
        terminated = mano.http.post(f"{NS}/ns_instances/{ns}/terminate", json={})
        if terminated.status_code == 202:
            mano.done(terminated.json()["nsLcmOpOccId"])
    return bare, loop, detect


if __name__ == "__main__":
    main()
