"""What the testbed benchmarks do before they measure: log in, onboard the example edge KNF
and NS, register the testbed's Kubernetes cluster as VIM ``local``."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from locus_iac.packages import archive_bytes, read_package

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "packages"


def prepare_edge(client: TestClient, password: str, kubeconfig: Path) -> dict[str, str]:
    """The admin's ``Authorization`` header, once the edge NS can be instantiated."""
    login = client.post("/admin/v1/tokens", json={"username": "admin", "password": password})
    auth = {"Authorization": f"Bearer {login.json()['id']}"}
    for url, folder in (
        ("/vnfpkgm/v1/vnf_packages_content", "edge_knf"),
        ("/nsd/v1/ns_descriptors_content", "edge_ns"),
    ):
        data = archive_bytes(read_package(EXAMPLES / folder))
        answer = client.post(
            url, content=data, headers={**auth, "Content-Type": "application/gzip"}
        )
        answer.raise_for_status()
    cluster = {"name": "local", "credentials": kubeconfig.read_text()}
    client.post("/admin/v1/k8sclusters", json=cluster, headers=auth).raise_for_status()
    return auth
