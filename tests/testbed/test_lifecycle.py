"""The IaC lifecycle on the real engine and the real API server (no mocks).

An inline Pulumi program (Automation API, local file backend in tmp_path) creates a namespace,
a Multus NetworkAttachmentDefinition and a Deployment whose pods KWOK runs; it is scaled
1 -> 3 -> 1, healed after an out-of-band deletion (refresh sees it, up restores it) and
destroyed. Every outcome is checked through the Kubernetes API, not through Pulumi's word.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pulumi_kubernetes as k8s
import pytest
from pulumi import automation as auto

from testbed.helpers import TOOLS_DIR, wait_for

pytestmark = pytest.mark.testbed

NAD_TYPE = "kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition"


def make_program(namespace: str, kubeconfig: str, replicas: dict[str, int]) -> Any:
    """The edge KNF in miniature: namespace, the `cache` network, a Deployment attached to it."""

    def program() -> None:
        provider = k8s.Provider("testbed", kubeconfig=kubeconfig)
        opts = pulumi.ResourceOptions(provider=provider)
        ns = k8s.core.v1.Namespace("ns", metadata={"name": namespace}, opts=opts)
        child = pulumi.ResourceOptions(provider=provider, depends_on=[ns])
        cni = {
            "cniVersion": "0.3.1",
            "type": "macvlan",
            "master": "eth1",
            "mode": "bridge",
            "ipam": {"type": "host-local", "subnet": "192.0.2.0/24"},
        }
        nad = k8s.apiextensions.CustomResource(
            "cache-net",
            api_version="k8s.cni.cncf.io/v1",
            kind="NetworkAttachmentDefinition",
            metadata={"name": "cache", "namespace": namespace},
            spec={"config": json.dumps(cni)},
            opts=child,
        )
        labels = {"app": "edge-knf"}
        k8s.apps.v1.Deployment(
            "edge-knf",
            # Pulumi's own readiness await of the Deployment runs (no skipAwait): `up` returns
            # once the rollout is complete, and the pods are checked again through the API.
            metadata={"name": "edge-knf", "namespace": namespace},
            spec={
                "replicas": replicas["n"],
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {
                        "labels": labels,
                        "annotations": {"k8s.v1.cni.cncf.io/networks": "cache"},
                    },
                    "spec": {
                        "containers": [
                            {
                                "name": "knf",
                                "image": "locus/edge-knf:1.0",
                                "ports": [{"containerPort": 8080}],
                            }
                        ]
                    },
                },
            },
            opts=pulumi.ResourceOptions(provider=provider, depends_on=[nad]),
        )

    return program


def running_pods(kube: httpx.Client, namespace: str) -> list[str]:
    pods = kube.get(
        f"/api/v1/namespaces/{namespace}/pods", params={"labelSelector": "app=edge-knf"}
    ).json()["items"]
    return sorted(
        p["metadata"]["name"]
        for p in pods
        if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
    )


def wait_running(kube: httpx.Client, namespace: str, count: int) -> None:
    wait_for(
        f"{count} Running pods in {namespace}",
        lambda: (
            len(running_pods(kube, namespace)) == count
            and len(kube.get(f"/api/v1/namespaces/{namespace}/pods").json()["items"]) == count
        ),
    )


def ready_replicas(kube: httpx.Client, namespace: str) -> int:
    deployment = kube.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/edge-knf").json()
    return int(deployment["status"].get("readyReplicas", 0))


def nad_path(namespace: str) -> str:
    return f"/apis/k8s.cni.cncf.io/v1/namespaces/{namespace}/network-attachment-definitions/cache"


def test_instantiate_scale_heal_terminate(
    site: dict[str, Any],
    kube: httpx.Client,
    pulumi_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in pulumi_env.items():
        monkeypatch.setenv(key, value)
    namespace = f"locus-it-{uuid.uuid4().hex[:8]}"
    replicas = {"n": 1}
    kubeconfig = Path(site["kubeconfig"]).read_text()
    stack = auto.create_stack(
        stack_name="it",
        project_name="locus-testbed-it",
        program=make_program(namespace, kubeconfig, replicas),
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(tmp_path),
            pulumi_home=pulumi_env["PULUMI_HOME"],
            pulumi_command=auto.PulumiCommand(root=str(TOOLS_DIR)),
        ),
    )
    try:
        up = stack.up()
        assert up.summary.result == "succeeded"
        assert kube.get(f"/api/v1/namespaces/{namespace}").status_code == 200
        nad = kube.get(nad_path(namespace)).json()
        assert json.loads(nad["spec"]["config"])["type"] == "macvlan"
        # Pulumi awaited the rollout: the Deployment is ready as soon as `up` returns.
        assert ready_replicas(kube, namespace) == 1
        wait_running(kube, namespace, 1)

        for count in (3, 1):
            replicas["n"] = count
            assert stack.up().summary.result == "succeeded"
            deployment = kube.get(
                f"/apis/apps/v1/namespaces/{namespace}/deployments/edge-knf"
            ).json()
            assert deployment["spec"]["replicas"] == count
            assert ready_replicas(kube, namespace) == count
            wait_running(kube, namespace, count)

        # Drift: the NAD is deleted behind Pulumi's back.
        assert kube.delete(nad_path(namespace)).status_code == 200
        wait_for("the NAD to be gone", lambda: kube.get(nad_path(namespace)).status_code == 404)
        refresh = stack.refresh()
        assert (refresh.summary.resource_changes or {}).get("delete") == 1
        types = [r["type"] for r in stack.export_stack().deployment["resources"]]
        assert NAD_TYPE not in types
        heal = stack.up()
        assert (heal.summary.resource_changes or {}).get("create") == 1
        assert kube.get(nad_path(namespace)).status_code == 200
    finally:
        stack.destroy()
    wait_for(
        f"namespace {namespace} to be gone",
        lambda: kube.get(f"/api/v1/namespaces/{namespace}").status_code == 404,
    )
    assert kube.get(nad_path(namespace)).status_code == 404
    stack.workspace.remove_stack("it")
