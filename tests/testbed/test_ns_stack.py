"""`pulumi up` of stacks/ns with its Pulumi.local.yaml: the exemplary service's edge NS.

The plan deploys the edge KNF of the seed's exemplary service: its three networks become
Multus NetworkAttachmentDefinitions and its KDU a Helm release of the package's chart, whose
pods KWOK runs. The project is copied to tmp_path beside a link to the repository's examples
(the plan names the chart by a relative path), with a fresh NS instance id so that runs
sharing one testbed never collide; everything is checked through the Kubernetes API.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from testbed.helpers import REPO, pulumi, wait_for

pytestmark = pytest.mark.testbed

NS = REPO / "stacks" / "ns"


def copy_project(tmp_path: Path, instance_id: str) -> Path:
    root = tmp_path / "repo"
    project = root / "stacks" / "ns"
    shutil.copytree(NS, project, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    (root / "examples").symlink_to(REPO / "examples")
    settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    config = yaml.safe_load((project / "Pulumi.local.yaml").read_text())["config"]
    plan_file = project / config["locus-ns:planFile"]
    plan = yaml.safe_load(plan_file.read_text())
    plan["plan"]["ns_instance_id"] = instance_id
    plan_file.write_text(yaml.safe_dump(plan, sort_keys=False))
    return project


def test_exemplary_edge_ns_up_and_destroy(
    site: dict[str, Any], kube: httpx.Client, pulumi_env: dict[str, str], tmp_path: Path
) -> None:
    assert (NS / "Pulumi.local.yaml").is_file(), "stacks/ns/Pulumi.local.yaml is committed"
    instance_id = str(uuid.uuid4())
    project = copy_project(tmp_path, instance_id)
    namespace = f"locus-{instance_id}"
    env = {
        **pulumi_env,
        "LOCUS_TESTBED_KUBECONFIG": str(site["kubeconfig"]),
        "HOME": str(Path.home()),
    }
    pulumi(env, project, "stack", "init", "local")
    try:
        pulumi(env, project, "up", "--yes", "--skip-preview")
        nads = kube.get(
            f"/apis/k8s.cni.cncf.io/v1/namespaces/{namespace}/network-attachment-definitions"
        ).json()["items"]
        assert len(nads) == 3
        # Helm 3 keeps each release revision in a Secret of this type in the namespace.
        releases = kube.get(
            f"/api/v1/namespaces/{namespace}/secrets",
            params={"fieldSelector": "type=helm.sh/release.v1"},
        ).json()
        assert len(releases["items"]) == 1
        deployments = kube.get(f"/apis/apps/v1/namespaces/{namespace}/deployments").json()
        assert len(deployments["items"]) == 1

        def running() -> list[dict[str, Any]]:
            pods = kube.get(f"/api/v1/namespaces/{namespace}/pods").json()["items"]
            return [p for p in pods if p["status"].get("phase") == "Running"]

        pods = wait_for(f"the edge KNF pod Running in {namespace}", running)
        networks = pods[0]["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"]
        nad_names = {n["metadata"]["name"] for n in nads}
        assert any(name in networks for name in nad_names)
    finally:
        pulumi(env, project, "destroy", "--yes", "--skip-preview")
    wait_for(
        f"namespace {namespace} to be gone",
        lambda: kube.get(f"/api/v1/namespaces/{namespace}").status_code == 404,
    )
