"""The closed loop of issue 17 on the local testbed, for real: metrics -> Prometheus ->
Alertmanager -> ``locus smart serve`` -> SOL005 scale/heal -> Kubernetes.

``locus serve --monitoring`` (a process started here) instantiates ``autoscale_ns``, whose
KNF ``autoscale_knf`` declares an automatic scaling policy on ``locus_edge_load`` (scale out
above 50 for 5 s, in below 10, cooldown 30 s, 1..3 replicas) and whose metrics endpoint is
a real exporter process run by this test. The test pushes the metric to the Pushgateway with
the contract's labels: the Config Manager's ``LocusScaleOut`` fires, Alertmanager delivers
to the smart functions' webhook, the autoscaler's scale occurrence (naming the alert)
completes and the Deployment has 2 replicas; the metric falls and ``LocusScaleIn`` scales
back to 1 after the cooldown. Then the exporter is stopped: ``LocusTargetDown`` leads to a
heal occurrence naming that alert.

Skips unless the testbed (Kubernetes + Pulumi tools) and the monitoring platform
(``<testbed dir>/monitoring.yaml`` with Prometheus, Alertmanager and the Pushgateway ready)
are up.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from support.servers import LOCUS, free_port, locus_serve

from locus_iac.packages import archive_bytes, read_package
from testbed.helpers import REPO, TESTBED_DIR, wait_for

pytestmark = [pytest.mark.testbed, pytest.mark.timeout(1800)]

MONITORING = TESTBED_DIR / "monitoring.yaml"
FIXTURES = REPO / "tests" / "fixtures" / "packages"
PASSWORD = "loop-admin"
BASE = "/nslcm/v1"
EXPORTER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"locus_edge_exporter_up 1\\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


@pytest.fixture(scope="module")
def monitoring() -> dict[str, Any]:
    """The monitoring settings of a running platform (skips when it is not up)."""
    if not MONITORING.exists():
        pytest.skip(f"the monitoring platform is not up ({MONITORING} missing)")
    settings: dict[str, Any] = yaml.safe_load(MONITORING.read_text())
    for key in ("prometheus_url", "alertmanager_url", "pushgateway_url"):
        url = str(settings.get(key, "")).rstrip("/")
        path = "/-/ready"
        try:
            ready = httpx.get(url + path, timeout=5).is_success
        except httpx.HTTPError:
            ready = False
        if not ready:
            pytest.skip(f"the monitoring platform's {key} ({url}) is not ready")
    return settings


@pytest.fixture
def exporter() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", EXPORTER, str(port)])
    wait_for("the exporter", lambda: _answers(f"http://127.0.0.1:{port}/metrics"), timeout=30)
    yield proc, port
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).is_success
    except httpx.HTTPError:
        return False


class Api:
    def __init__(self, url: str) -> None:
        token = httpx.post(
            f"{url}/admin/v1/tokens", json={"username": "admin", "password": PASSWORD}
        ).json()["id"]
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def ops(self, ns: str, alert: str, operation: str) -> list[dict[str, Any]]:
        """The occurrences of ``ns`` a smart function caused on ``alert``."""
        found = self.http.get(f"{BASE}/ns_lcm_op_occs", params={"nsInstanceId": ns}).json()
        return [o for o in found if o["lcmOperationType"] == operation and alert in str(o)]

    def completed(self, ns: str, alert: str, operation: str) -> dict[str, Any] | None:
        done = [o for o in self.ops(ns, alert, operation) if o["operationState"] == "COMPLETED"]
        return done[0] if done else None


def _push(pushgateway: str, ns: str, value: float) -> None:
    path = f"/metrics/job/locus-loop-test/ns_id/{ns}/vnf_member_index/1/vdu_id/edge-cache"
    answer = httpx.put(pushgateway.rstrip("/") + path, content=f"locus_edge_load {value}\n")
    assert answer.is_success, answer.text


def _replicas(kube: httpx.Client, ns: str) -> list[int]:
    found = kube.get(
        "/api/v1/namespaces", params={"labelSelector": f"locus/ns-instance={ns}"}
    ).json()["items"]
    replicas: list[int] = []
    for item in found:
        name = item["metadata"]["name"]
        deployments = kube.get(f"/apis/apps/v1/namespaces/{name}/deployments").json()["items"]
        replicas += [int(d["spec"]["replicas"]) for d in deployments]
    return replicas


def _autoscale_knf(tmp_path: Path) -> Path:
    """The exemplary edge KNF's chart and Day1/2 playbooks under the autoscaling descriptor: the
    fixture holds only ``autoscale_knfd.yaml``, so the KNF code exists once (in ``examples``)."""
    folder = tmp_path / "autoscale_knf"
    shutil.copytree(
        REPO / "examples" / "packages" / "edge_knf",
        folder,
        ignore=shutil.ignore_patterns("edge_knfd.yaml"),
    )
    shutil.copy(FIXTURES / "autoscale_knf" / "autoscale_knfd.yaml", folder)
    return folder


@pytest.fixture
def mano(
    site: dict[str, Any], pulumi_env: dict[str, str], monitoring: dict[str, Any], tmp_path: Path
) -> Iterator[tuple[Api, str]]:
    """``locus serve --monitoring`` and ``locus smart serve`` on the platform's webhook."""
    env = {**pulumi_env, "LOCUS_ADMIN_PASSWORD": PASSWORD}
    command = (LOCUS, "serve", "--monitoring", str(MONITORING))
    with locus_serve(tmp_path / "data", env, command=command, timeout=120) as (url, _):
        api = Api(url)
        cluster = {
            "name": "local",
            "credentials": Path(site["kubeconfig"]).read_text(),
            "namespace": "default",
        }
        assert api.http.post("/admin/v1/k8sclusters", json=cluster).status_code == 201
        for folder in (_autoscale_knf(tmp_path), FIXTURES / "autoscale_ns"):
            package = read_package(folder)
            kind = "vnf_packages" if folder.name.endswith("knf") else "ns_descriptors"
            root = "/vnfpkgm/v1" if kind == "vnf_packages" else "/nsd/v1"
            answer = api.http.post(
                f"{root}/{kind}_content",
                content=archive_bytes(package),
                headers={"Content-Type": "application/gzip"},
            )
            assert answer.status_code == 201, answer.text
        log = tmp_path / "smart.log"
        smart_env = {**os.environ, "LOCUS_NBI_PASSWORD": PASSWORD}
        with log.open("wb") as sink:
            smart = subprocess.Popen(
                [LOCUS, "smart", "serve", "--monitoring", str(MONITORING), "--nbi-url", url,
                 "--decision-log", str(tmp_path / "decisions.jsonl")],
                env=smart_env, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip
        hook = str(monitoring["smart_webhook_url"]).rsplit("/", 1)[0]
        wait_for(
            "locus smart serve", lambda: smart.poll() is None and _answers(f"{hook}/health"), 60
        )
        try:
            yield api, monitoring["pushgateway_url"]
        finally:
            smart.terminate()
            smart.wait(timeout=30)
            print(log.read_text(errors="replace")[-3000:])


def test_metric_above_threshold_scales_out_then_in_and_a_down_target_heals(
    mano: tuple[Api, str],
    monitoring: dict[str, Any],
    kube: httpx.Client,
    exporter: tuple[subprocess.Popen[bytes], int],
) -> None:
    api, pushgateway = mano
    proc, port = exporter
    body = {
        "nsdId": "autoscale_ns",
        "nsName": "loop",
        "vimAccountId": "local",
        "additionalParamsForVnf": [
            {"member-vnf-index": "1", "additionalParams": {"metrics_endpoint": f"127.0.0.1:{port}"}}
        ],
    }
    created = api.http.post(f"{BASE}/ns_instances_content", json=body)
    assert created.status_code == 202, created.text
    ns = created.json()["id"]
    try:
        first = created.json()["nsLcmOpOccId"]
        wait_for(
            "instantiate",
            lambda: (
                api.http.get(f"{BASE}/ns_lcm_op_occs/{first}").json()["operationState"]
                in ("COMPLETED", "FAILED_TEMP", "FAILED")
            ),
            timeout=600,
        )
        state = api.http.get(f"{BASE}/ns_lcm_op_occs/{first}").json()
        assert state["operationState"] == "COMPLETED", state.get("error")
        assert _replicas(kube, ns) == [1]

        _push(pushgateway, ns, 90)  # above 50
        out = wait_for(
            "the autoscaler's scale-out", lambda: api.completed(ns, "LocusScaleOut", "SCALE"), 300
        )
        extra = out["operationParams"]["scaleVnfData"][0]["additionalParams"]
        assert extra["locusAlert"] == "LocusScaleOut"
        assert extra["scalingAspect"] == "edge_autoscale"
        _push(pushgateway, ns, 5)  # below 10
        wait_for("2 replicas", lambda: _replicas(kube, ns) == [2], 60)
        wait_for(
            "the autoscaler's scale-in", lambda: api.completed(ns, "LocusScaleIn", "SCALE"), 400
        )
        wait_for("1 replica", lambda: _replicas(kube, ns) == [1], 60)

        proc.kill()  # the VNF's metrics target goes down
        healed = wait_for(
            "a completed heal caused by LocusTargetDown",
            lambda: api.completed(ns, "LocusTargetDown", "HEAL"),
            300,
        )
        extra = healed["operationParams"]["additionalParamsforNs"]
        assert extra["locusAlert"] == "LocusTargetDown"
        assert extra["vduId"] == "edge-cache"

        gone = api.http.post(f"{BASE}/ns_instances/{ns}/terminate", json={})
        assert gone.status_code == 202, gone.text
        op = gone.json()["nsLcmOpOccId"]
        wait_for(
            "terminate",
            lambda: (
                api.http.get(f"{BASE}/ns_lcm_op_occs/{op}").json()["operationState"] == "COMPLETED"
            ),
            timeout=300,
        )
        config = Path(monitoring["config_dir"])
        wait_for(  # the Config Manager removes them after terminate (its outbox, retried)
            "no target, rule or route of the NS left",
            lambda: (
                not [
                    *config.glob(f"prometheus/*/{ns}.*"),
                    *config.glob(f"alertmanager/routes/{ns}.*"),
                ]
            ),
            timeout=120,
        )
    finally:  # whatever failed, leave nothing on the testbed
        try:
            wait_for(  # an operation still open (a heal, a scale) answers 409 until it ends
                "terminate to be accepted",
                lambda: (
                    api.http.post(f"{BASE}/ns_instances/{ns}/terminate", json={}).status_code
                    in (202, 409)
                    and not _replicas(kube, ns)
                ),
                timeout=300,
                interval=5,
            )
        finally:
            for item in kube.get(
                "/api/v1/namespaces", params={"labelSelector": f"locus/ns-instance={ns}"}
            ).json()["items"]:
                kube.delete(f"/api/v1/namespaces/{item['metadata']['name']}")
