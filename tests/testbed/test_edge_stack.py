"""`pulumi up` of stacks/edge with its Pulumi.local.yaml, as a user runs it, on the testbed.

This goes through the whole chain a person uses: the pulumi CLI, the Python language host
and the Kubernetes provider plugin built by scripts/bootstrap-tools. The project is copied to
tmp_path (stack init writes an encryption salt into the stack file) with its virtualenv
pointed at the repository's .venv and its namespaces suffixed; results are checked through
the Kubernetes API.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from testbed.helpers import REPO, pulumi, wait_for

pytestmark = pytest.mark.testbed

EDGE = REPO / "stacks" / "edge"


# The local stack file declares no site network; the test adds one so that the NAD path of
# EdgeCluster runs and its result can be compared with what was asked for.
TRANSIT = ("locus-transit", "10.199.255.0/24")


def test_edge_stack_up_and_destroy(
    site: dict[str, Any], kube: httpx.Client, pulumi_env: dict[str, str], tmp_path: Path
) -> None:
    assert (EDGE / "Pulumi.local.yaml").is_file(), "stacks/edge/Pulumi.local.yaml is committed"
    project = tmp_path / "edge"
    shutil.copytree(EDGE, project, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    # Namespaces get a unique suffix so that runs sharing one testbed never collide; the rest
    # of Pulumi.local.yaml is used as it is, plus one site network.
    stack_file = yaml.safe_load((project / "Pulumi.local.yaml").read_text())
    config = stack_file["config"]
    suffix = uuid.uuid4().hex[:6]
    namespaces = [f"{ns}-{suffix}" for ns in config["locus-edge:namespaces"]]
    config["locus-edge:namespaces"] = namespaces
    config["locus-edge:networks"] = dict([TRANSIT])
    (project / "Pulumi.local.yaml").write_text(yaml.safe_dump(stack_file))

    env = {
        **pulumi_env,
        "LOCUS_TESTBED_KUBECONFIG": str(site["kubeconfig"]),
        "HOME": str(Path.home()),
    }
    pulumi(env, project, "stack", "init", "local")
    try:
        out = pulumi(env, project, "up", "--yes", "--skip-preview")
        assert "error" not in out.lower()
        for ns in namespaces:
            assert kube.get(f"/api/v1/namespaces/{ns}").status_code == 200
            role = kube.get(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles/locus-mano")
            assert role.status_code == 200, role.text
        home = namespaces[0]
        nads = {
            n["metadata"]["name"]: json.loads(n["spec"]["config"])
            for ns in namespaces
            for n in kube.get(
                f"/apis/k8s.cni.cncf.io/v1/namespaces/{ns}/network-attachment-definitions"
            ).json()["items"]
        }
        name, cidr = TRANSIT
        assert nads == {
            name: {
                "cniVersion": "0.3.1",
                "name": name,
                "type": "macvlan",
                "master": "eth0",
                "mode": "bridge",
                "ipam": {"type": "host-local", "subnet": cidr},
            }
        }
        attachments = json.loads(pulumi(env, project, "stack", "output", "attachments", "--json"))
        assert attachments == {name: f"{home}/{name}"}
        # A second up finds nothing to change.
        again = pulumi(env, project, "preview", "--diff", "--expect-no-changes")
        assert "error" not in again.lower()
    finally:
        pulumi(env, project, "destroy", "--yes", "--skip-preview")
    for ns in namespaces:
        wait_for(
            f"namespace {ns} to be gone",
            lambda ns=ns: kube.get(f"/api/v1/namespaces/{ns}").status_code == 404,
        )
