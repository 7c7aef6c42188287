"""Helpers shared by the testbed integration tests."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from locus_iac.packages import archive_bytes, read_package

REPO = Path(__file__).resolve().parents[2]
TOOLS_DIR = Path(os.environ.get("LOCUS_TOOLS_DIR", Path.home() / ".cache/locus-iac/tools"))
TESTBED_DIR = Path(os.environ.get("LOCUS_TESTBED_DIR", Path.home() / ".cache/locus-iac/testbed"))
EXAMPLES = REPO / "examples" / "packages"
_CONTENT = {
    "vnfd": "/vnfpkgm/v1/vnf_packages_content",
    "nsd": "/nsd/v1/ns_descriptors_content",
    "nst": "/nst/v1/netslice_templates_content",
}


def wait_for(
    what: str, probe: Callable[[], Any], timeout: float = 180.0, interval: float = 1.0
) -> Any:
    """Poll ``probe`` until it returns a truthy value; fail the test with ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def pulumi(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Run the built pulumi CLI in ``cwd``; fail the test with its output when it fails."""
    done = subprocess.run(
        [str(TOOLS_DIR / "bin" / "pulumi"), *args, "--non-interactive"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Nbi:
    """A real ``locus serve`` app (in-process) whose workers run the product's runner."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.auth = {"Authorization": f"Bearer {token}"}

    def onboard(self, *folders: str) -> None:
        """Onboard example packages (``examples/packages/<folder>``)."""
        for folder in folders:
            package = read_package(EXAMPLES / folder)
            response = self.client.post(
                _CONTENT[package.descriptor.kind],
                content=archive_bytes(package),
                headers={**self.auth, "Content-Type": "application/gzip"},
            )
            assert response.status_code == 201, response.text

    def register_testbed(self, site: dict[str, Any], name: str = "local") -> None:
        """Register the testbed's API server as the k8scluster ``name``."""
        cluster = {
            "name": name,
            "credentials": Path(site["kubeconfig"]).read_text(),
            "namespace": "default",
        }
        response = self.client.post("/admin/v1/k8sclusters", json=cluster, headers=self.auth)
        assert response.status_code == 201, response.text
