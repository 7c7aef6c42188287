"""A netslice on the local testbed, for real: the ``edge_nst`` template through ``/nsilcm/v1``.

Two nested NS instances of the edge NSD (``collector``, then ``analytics``), each its own
Pulumi stack run by the server's worker processes with the real engine and Kubernetes
provider. The collector creates the three netslice links as NADs in its namespace; the
analytics NS creates none and its KNF attaches to the collector's NADs across namespaces. A
Day2 action on one nested NS restarts its KNF (kubernetes.core against the API server), and
the netslice is terminated in reverse order. Every outcome is checked through the Kubernetes
API.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from locus_iac.infra import dns_label, ns_namespace
from testbed.helpers import Nbi, wait_for

pytestmark = pytest.mark.testbed

BASE = "/nsilcm/v1"
MULTUS = "k8s.v1.cni.cncf.io/networks"


def _wait(client: TestClient, auth: dict[str, str], op: str, timeout: float = 900) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"{BASE}/nsi_lcm_op_occs/{op}", headers=auth).json()
        if body["operationState"] != "PROCESSING":
            return body
        assert time.monotonic() < deadline, f"{op} still PROCESSING: {body}"
        time.sleep(2)


def _nads(kube: httpx.Client, namespace: str) -> list[str]:
    url = f"/apis/k8s.cni.cncf.io/v1/namespaces/{namespace}/network-attachment-definitions"
    return sorted(item["metadata"]["name"] for item in kube.get(url).json()["items"])


def _deployment(kube: httpx.Client, namespace: str) -> dict[str, Any]:
    (found,) = kube.get(f"/apis/apps/v1/namespaces/{namespace}/deployments").json()["items"]
    return dict(found)


def _gone(kube: httpx.Client, namespace: str) -> bool:
    return kube.get(f"/api/v1/namespaces/{namespace}").status_code == 404


def test_edge_netslice_whole_lifecycle(nbi: Nbi, kube: httpx.Client) -> None:
    client, auth = nbi.client, nbi.auth
    nbi.onboard("edge_knf", "edge_ns", "edge_nst")
    body = {"nstId": "edge_nst", "nsiName": "tb-slice", "vimAccountId": "local"}
    created = client.post(f"{BASE}/netslice_instances_content", json=body, headers=auth)
    assert created.status_code == 202, created.text
    nsi = created.json()["id"]
    nested: dict[str, str] = {}
    try:
        done = _wait(client, auth, created.json()["nsiLcmOpOccId"])
        assert done["operationState"] == "COMPLETED", done.get("error")
        view = client.get(f"{BASE}/netslice_instances/{nsi}", headers=auth).json()
        assert view["nsiState"] == "INSTANTIATED"
        nested = {n["netsliceSubnetId"]: n["nsInstanceId"] for n in view["nestedNsInstances"]}
        collector, analytics = ns_namespace(nested["collector"]), ns_namespace(nested["analytics"])

        # the collector created every netslice link; the analytics NS created none
        links = sorted(dns_label(nsi[:8], vld) for vld in ("cache_net", "mgmt_net", "user_net"))
        assert _nads(kube, collector) == links
        assert _nads(kube, analytics) == []
        # ... and its pods attach to the collector's NADs (Day1 labelled both Deployments)
        for namespace in (collector, analytics):
            deployment = _deployment(kube, namespace)
            assert deployment["metadata"]["labels"].get("locus/configured") == "true"
        template = _deployment(kube, analytics)["spec"]["template"]["metadata"]
        attached = json.loads(template["annotations"][MULTUS])
        assert {a["namespace"] for a in attached} == {collector}
        assert {a["name"] for a in attached} <= set(links)

        # Day2 on one nested NS: a rolling restart of the analytics KNF only
        action = client.post(
            f"{BASE}/netslice_instances/{nsi}/action",
            json={
                "netsliceSubnetId": "analytics",
                "member_vnf_index": "1",
                "primitive": "restart",
                "primitive_params": {"reason": "netslice day2"},
            },
            headers=auth,
        )
        assert action.status_code == 202, action.text
        acted = _wait(client, auth, action.json()["nsiLcmOpOccId"])
        assert acted["operationState"] == "COMPLETED", acted.get("error")
        restarted = _deployment(kube, analytics)["spec"]["template"]["metadata"]["annotations"]
        assert restarted.get("locus/restart-reason") == "netslice day2"
        untouched = _deployment(kube, collector)["spec"]["template"]["metadata"]
        assert "locus/restart-reason" not in (untouched.get("annotations") or {})

        # terminate: analytics first (it uses the collector's NADs), then the collector
        terminate = client.post(f"{BASE}/netslice_instances/{nsi}/terminate", json={}, headers=auth)
        assert terminate.status_code == 202, terminate.text
        ended = _wait(client, auth, terminate.json()["nsiLcmOpOccId"])
        assert ended["operationState"] == "COMPLETED", ended.get("error")
        order = [n["netsliceSubnetId"] for n in ended["progress"]["nested"]]
        assert order == ["analytics", "collector"]
        for namespace in (analytics, collector):
            wait_for(f"namespace {namespace} to be gone", lambda n=namespace: _gone(kube, n))
        assert client.delete(f"{BASE}/netslice_instances/{nsi}", headers=auth).status_code == 204
        assert client.get("/nslcm/v1/ns_instances", headers=auth).json() == []
    finally:  # whatever failed, leave nothing on the testbed
        for ns in nested.values():
            kube.delete(f"/api/v1/namespaces/{ns_namespace(ns)}")
