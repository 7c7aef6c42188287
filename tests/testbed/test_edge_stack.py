"""`pulumi up` of stacks/edge with its Pulumi.local.yaml, as a user runs it, on the testbed.

This goes through the whole chain a person uses: the pulumi CLI, the Python language host
and the Kubernetes provider plugin built by scripts/bootstrap-tools. The project is copied to
tmp_path (stack init writes an encryption salt into the stack file) with its virtualenv
pointed at the repository's .venv and its namespaces suffixed; results are checked through
the Kubernetes API.
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

EDGE = REPO / "stacks" / "edge"


def test_edge_stack_up_and_destroy(
    site: dict[str, Any], kube: httpx.Client, pulumi_env: dict[str, str], tmp_path: Path
) -> None:
    if not (EDGE / "Pulumi.local.yaml").exists():
        pytest.skip("stacks/edge has no Pulumi.local.yaml")
    project = tmp_path / "edge"
    shutil.copytree(EDGE, project, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    # Namespaces get a unique suffix so that runs sharing one testbed never collide; the rest
    # of Pulumi.local.yaml is used as it is.
    stack_file = yaml.safe_load((project / "Pulumi.local.yaml").read_text())
    config = stack_file["config"]
    suffix = uuid.uuid4().hex[:6]
    namespaces = [f"{ns}-{suffix}" for ns in config["locus-edge:namespaces"]]
    config["locus-edge:namespaces"] = namespaces
    (project / "Pulumi.local.yaml").write_text(yaml.safe_dump(stack_file))

    env = {**pulumi_env, "LOCUS_TESTBED_KUBECONFIG": str(site["kubeconfig"]),
           "HOME": str(Path.home())}
    pulumi(env, project, "stack", "init", "local")
    try:
        out = pulumi(env, project, "up", "--yes", "--skip-preview")
        assert "error" not in out.lower()
        for ns in namespaces:
            assert kube.get(f"/api/v1/namespaces/{ns}").status_code == 200
        networks = set(config.get("locus-edge:networks", {}))
        nads = kube.get("/apis/k8s.cni.cncf.io/v1/network-attachment-definitions").json()
        assert {n["metadata"]["name"] for n in nads["items"]} >= networks
        # A second up finds nothing to change.
        again = pulumi(env, project, "preview", "--diff", "--expect-no-changes")
        assert "error" not in again.lower()
    finally:
        pulumi(env, project, "destroy", "--yes", "--skip-preview")
    for ns in namespaces:
        wait_for(f"namespace {ns} to be gone",
                 lambda ns=ns: kube.get(f"/api/v1/namespaces/{ns}").status_code == 404)
