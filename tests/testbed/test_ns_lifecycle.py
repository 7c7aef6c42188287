"""The exemplary service's edge NS through the NBI on the local testbed, for real.

``POST /nslcm/v1/ns_instances_content`` of the onboarded ``edge_ns`` (KNF ``edge_knf``) on the
registered k8scluster of the testbed; the server's worker processes run the real Pulumi
engine and Kubernetes provider, and real Ansible (kubernetes.core) for Day1/Day2. Instantiate
ends with the KNF's Day1 primitive (``mark-configured`` labels the KDU's Deployment). The KNF
is scaled 1 -> 3 -> 1, acted on with its Day2 primitive ``restart`` (a rollout restart: the
pod template gets a new ``restartedAt`` annotation) after bad actions are refused with JSON
pointers, healed after an out-of-band deletion of its NetworkAttachmentDefinition and
terminated. Every outcome is checked through the Kubernetes API.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from testbed.helpers import Nbi, wait_for

pytestmark = pytest.mark.testbed

BASE = "/nslcm/v1"


def _wait(
    client: TestClient, auth: dict[str, str], op: str, timeout: float = 600
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"{BASE}/ns_lcm_op_occs/{op}", headers=auth).json()
        if body["operationState"] not in ("PROCESSING", "ROLLING_BACK"):
            return body
        assert time.monotonic() < deadline, f"{op} still {body['operationState']}: {body}"
        time.sleep(1)


def _run(
    client: TestClient, auth: dict[str, str], ns: str, op: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = client.post(f"{BASE}/ns_instances/{ns}/{op}", json=body, headers=auth)
    assert response.status_code == 202, response.text
    return _wait(client, auth, response.json()["nsLcmOpOccId"])


def _namespace(kube: httpx.Client, ns: str) -> str:
    found = kube.get(
        "/api/v1/namespaces", params={"labelSelector": "app.kubernetes.io/managed-by=locus"}
    )
    names = [
        item["metadata"]["name"]
        for item in found.json()["items"]
        if ns[:8] in item["metadata"]["name"]
    ]
    assert len(names) == 1, names
    return str(names[0])


def _replicas(kube: httpx.Client, namespace: str) -> list[int]:
    deployments = kube.get(f"/apis/apps/v1/namespaces/{namespace}/deployments").json()["items"]
    return [int(d["spec"]["replicas"]) for d in deployments]


def _deployment(kube: httpx.Client, namespace: str) -> dict[str, Any]:
    deployments = kube.get(f"/apis/apps/v1/namespaces/{namespace}/deployments").json()["items"]
    assert len(deployments) == 1, [d["metadata"]["name"] for d in deployments]
    return dict(deployments[0])


def _action(
    client: TestClient, auth: dict[str, str], ns: str, primitive: str, params: dict[str, Any]
) -> httpx.Response:
    body = {"member_vnf_index": "1", "primitive": primitive, "primitive_params": params}
    return client.post(f"{BASE}/ns_instances/{ns}/action", json=body, headers=auth)


def _check_day2_restart(
    client: TestClient, auth: dict[str, str], ns: str, kube: httpx.Client, namespace: str
) -> None:
    """Bad actions are refused (422, nothing runs); ``restart`` rolls the KDU's pods."""
    for primitive, params, path in (
        ("reboot", {}, "/primitive"),  # the VNFD declares no such primitive
        ("restart", {"reason": 5}, "/primitive_params/reason"),  # data-type STRING
    ):
        refused = _action(client, auth, ns, primitive, params)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["path"] == path
    before = _deployment(kube, namespace)["spec"]["template"]["metadata"]
    assert "kubectl.kubernetes.io/restartedAt" not in (before.get("annotations") or {})
    accepted = _action(client, auth, ns, "restart", {"reason": "testbed day2"})
    assert accepted.status_code == 202, accepted.text
    done = _wait(client, auth, accepted.json()["nsLcmOpOccId"])
    assert done["operationState"] == "COMPLETED", done["error"]
    tasks = done["progress"]["taskResults"]
    assert {t["host"] for t in tasks} == {"edge-cache"}
    assert {t["status"] for t in tasks} <= {"ok", "changed"}
    assert any(t["status"] == "changed" and t["action"] == "kubernetes.core.k8s" for t in tasks), (
        tasks
    )
    after = _deployment(kube, namespace)["spec"]["template"]["metadata"]["annotations"]
    assert after["locus/restart-reason"] == "testbed day2"
    assert after["kubectl.kubernetes.io/restartedAt"]


def _nads(kube: httpx.Client, namespace: str) -> list[str]:
    url = f"/apis/k8s.cni.cncf.io/v1/namespaces/{namespace}/network-attachment-definitions"
    return sorted(item["metadata"]["name"] for item in kube.get(url).json()["items"])


def test_edge_ns_whole_lifecycle(nbi: Nbi, kube: httpx.Client) -> None:
    client, auth = nbi.client, nbi.auth
    nbi.onboard("edge_knf", "edge_ns")

    created = client.post(
        f"{BASE}/ns_instances_content",
        json={"nsdId": "edge_ns", "nsName": "edge", "vimAccountId": "local"},
        headers=auth,
    )
    assert created.status_code == 202, created.text
    ns = created.json()["id"]
    try:
        done = _wait(client, auth, created.json()["nsLcmOpOccId"])
        assert done["operationState"] == "COMPLETED", done["error"]
        assert done["progress"]["resources"]["created"] > 0
        # a new stack holds nothing to check: no preview before its up
        assert done["progress"].get("preview") is None
        assert done["progress"]["eventsTotal"] > 0
        namespace = _namespace(kube, ns)
        assert _replicas(kube, namespace) == [1]
        day1 = done["progress"]["taskResults"]  # Day1: mark-configured, by real Ansible
        assert day1 and {t["host"] for t in day1} == {"edge-cache"}, day1
        assert _deployment(kube, namespace)["metadata"]["labels"]["locus/configured"] == "true"
        nads = _nads(kube, namespace)
        assert nads

        for count in (3, 1):
            scale = {
                "scaleType": "SCALE_VNF",
                "scaleVnfData": [{"memberVnfIndex": "1", "instances": count}],
            }
            scaled = _run(client, auth, ns, "scale", scale)
            assert scaled["operationState"] == "COMPLETED", scaled["error"]
            # scale touches what exists: the preview before up said what up then did
            progress = scaled["progress"]
            assert progress["preview"]["updated"] == progress["resources"]["updated"] > 0
            wait_for(f"{count} replicas", lambda c=count: _replicas(kube, namespace) == [c])

        labels = _deployment(kube, namespace)["metadata"]["labels"]
        assert labels["locus/configured"] == "true"  # Day1's mark survives Helm upgrades
        _check_day2_restart(client, auth, ns, kube, namespace)

        url = f"/apis/k8s.cni.cncf.io/v1/namespaces/{namespace}/network-attachment-definitions"
        assert kube.delete(f"{url}/{nads[0]}").status_code == 200  # out of band
        wait_for("the NAD to be gone", lambda: nads[0] not in _nads(kube, namespace))
        healed = _run(client, auth, ns, "heal", {})
        assert healed["operationState"] == "COMPLETED", healed["error"]
        assert _nads(kube, namespace) == nads

        terminated = _run(client, auth, ns, "terminate", {})
        assert terminated["operationState"] == "COMPLETED", terminated["error"]
        wait_for(
            "the namespace to be gone",
            lambda: kube.get(f"/api/v1/namespaces/{namespace}").status_code == 404,
            timeout=180,
        )
        state = client.get(f"{BASE}/ns_instances/{ns}", headers=auth).json()["nsState"]
        assert state == "NOT_INSTANTIATED"
        assert client.delete(f"{BASE}/ns_instances/{ns}", headers=auth).status_code == 204
    finally:  # whatever failed, leave nothing on the testbed
        for item in kube.get(
            "/api/v1/namespaces", params={"labelSelector": f"locus/ns-instance={ns}"}
        ).json()["items"]:
            kube.delete(f"/api/v1/namespaces/{item['metadata']['name']}")
