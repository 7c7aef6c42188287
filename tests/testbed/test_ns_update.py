"""SOL005 NS update of the exemplary edge NS on the local testbed, for real.

The exemplary ``edge_ns`` is onboarded with two NS instantiation levels added to its flavour
(``small``: one instance of VNF profile ``1``, ``large``: two; the profile allows 1..3),
instantiated on the testbed's k8scluster by the product's runner (real Pulumi engine,
Kubernetes provider, Helm), then updated through ``POST .../update``:

1. ``CHANGE_NS_DF`` to level ``large``: a second Helm release / Deployment appears;
2. ``REMOVE_VNF`` of that instance (``1-1``): its Deployment is gone, the first one stays;
3. ``ADD_VNF`` (``instantiateVnfData`` of profile ``1``): a new instance ``1-2`` appears;
4. an update type locus does not carry out and a removal below the minimum are refused (422,
   JSON pointers), nothing changes; terminate leaves nothing.

Every outcome is checked through the Kubernetes API (Deployments of the NS's namespace).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from locus_iac.packages import archive_bytes, read_package
from testbed.helpers import EXAMPLES, Nbi, wait_for
from testbed.test_ns_lifecycle import BASE, _namespace, _run, _wait

pytestmark = pytest.mark.testbed

NSD_ID = "edge_update_ns"


def _levelled_nsd(tmp_path: Path) -> bytes:
    """The exemplary edge NSD as ``edge_update_ns`` with two NS instantiation levels."""
    folder = tmp_path / NSD_ID
    shutil.copytree(EXAMPLES / "edge_ns", folder)
    path = folder / "edge_nsd.yaml"
    data = yaml.safe_load(path.read_text())
    nsd = data["nsd"]["nsd"][0]
    nsd["id"] = nsd["name"] = NSD_ID
    df = nsd["df"][0]
    df["vnf-profile"][0].update({"min-number-of-instances": 1, "max-number-of-instances": 3})
    df["ns-instantiation-level"] = [
        {"id": level, "vnf-to-level-mapping": [{"vnf-profile-id": "1", "number-of-instances": n}]}
        for level, n in (("small", 1), ("large", 2))
    ]
    df["default-instantiation-level"] = "small"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return archive_bytes(read_package(folder))


def _releases(kube: httpx.Client, namespace: str) -> list[str]:
    """The Deployments of the namespace, one per KNF instance (``<release>-<chart>``, the
    release ``<kdu>-<VNF instance>-<ns id prefix>``)."""
    url = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    return sorted(d["metadata"]["name"] for d in kube.get(url).json()["items"])


def _update(nbi: Nbi, ns: str, body: dict[str, Any]) -> dict[str, Any]:
    done = _run(nbi.client, nbi.auth, ns, "update", body)
    assert done["lcmOperationType"] == "UPDATE"
    assert done["operationState"] == "COMPLETED", done.get("error")
    return done


def _refused(nbi: Nbi, ns: str, body: dict[str, Any]) -> list[str]:
    answer = nbi.client.post(f"{BASE}/ns_instances/{ns}/update", json=body, headers=nbi.auth)
    assert answer.status_code == 422, answer.text
    return [e["path"] for e in answer.json()["errors"]]


def test_edge_ns_update_on_the_testbed(nbi: Nbi, kube: httpx.Client, tmp_path: Path) -> None:
    client, auth = nbi.client, nbi.auth
    nbi.onboard("edge_knf")
    uploaded = client.post(
        "/nsd/v1/ns_descriptors_content",
        content=_levelled_nsd(tmp_path),
        headers={**auth, "Content-Type": "application/gzip"},
    )
    assert uploaded.status_code == 201, uploaded.text
    created = client.post(
        f"{BASE}/ns_instances_content",
        json={"nsdId": NSD_ID, "nsName": "edge-update", "vimAccountId": "local"},
        headers=auth,
    )
    assert created.status_code == 202, created.text
    ns = created.json()["id"]
    try:
        done = _wait(client, auth, created.json()["nsLcmOpOccId"])
        assert done["operationState"] == "COMPLETED", done.get("error")
        namespace = _namespace(kube, ns)
        start = _releases(kube, namespace)
        assert len(start) == 1, start  # level "small"

        change = {
            "updateType": "CHANGE_NS_DF",
            "changeNsFlavourData": {
                "newNsFlavourId": "default-df",
                "instantiationLevelId": "large",
            },
        }
        _update(nbi, ns, change)
        wait_for("two KNF instances", lambda: len(_releases(kube, namespace)) == 2)
        large = _releases(kube, namespace)
        assert start[0] in large
        second = next(r for r in large if r != start[0])
        assert "-1-1-" in second, large

        _update(nbi, ns, {"updateType": "REMOVE_VNF", "removeVnfInstanceId": ["1-1"]})
        wait_for("instance 1-1 gone", lambda: _releases(kube, namespace) == start)

        add = {"updateType": "ADD_VNF", "instantiateVnfData": [{"vnfProfileId": "1"}]}
        _update(nbi, ns, add)
        wait_for("instance 1-2", lambda: len(_releases(kube, namespace)) == 2)
        assert any("-1-2-" in r for r in _releases(kube, namespace))

        assert _refused(nbi, ns, {"updateType": "MOVE_VNF"}) == ["/updateType"]
        below = {"updateType": "REMOVE_VNF", "removeVnfInstanceId": ["1", "1-2"]}
        assert _refused(nbi, ns, below) == ["/removeVnfInstanceId/1"]
        assert len(_releases(kube, namespace)) == 2

        terminated = _run(client, auth, ns, "terminate", {})
        assert terminated["operationState"] == "COMPLETED", terminated.get("error")
        wait_for(
            "the namespace to be gone",
            lambda: kube.get(f"/api/v1/namespaces/{namespace}").status_code == 404,
            timeout=180,
        )
    finally:  # whatever failed, leave nothing on the testbed
        for item in kube.get(
            "/api/v1/namespaces", params={"labelSelector": f"locus/ns-instance={ns}"}
        ).json()["items"]:
            kube.delete(f"/api/v1/namespaces/{item['metadata']['name']}")
