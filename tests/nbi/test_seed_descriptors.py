"""The seed's printed descriptors (tests/fixtures/seed) are refused precisely by the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from .harness import REPO, Api
from .snapshot import snapshot

SEED = REPO / "tests" / "fixtures" / "seed"
YAML = {"Content-Type": "application/yaml"}

CASES = [
    (
        "cloud_vnfd.yaml",
        "/vnfpkgm/v1/vnf_packages_content",
        ("/vnfd/df/0/instantiation-level/0/vdu-level/0/vdu-id", "missing-field"),
    ),
    ("edge_knf_vnfd.yaml", "/vnfpkgm/v1/vnf_packages_content", ("/vnfd/mgmt-op", "unknown-field")),
    ("cloud_nsd.yaml", "/nsd/v1/ns_descriptors_content", ("/nsd/nsd/0/vnf-id", "unknown-field")),
    ("edge_nsd.yaml", "/nsd/v1/ns_descriptors_content", ("/nsd/nsd/0/id", "missing-field")),
    (
        "nst.yaml",
        "/nst/v1/netslice_templates_content",
        ("/nst/0/netslice-vld/0/nss-connection-point-ref/0/nss-ref", "broken-reference"),
    ),
]


@pytest.mark.parametrize(("name", "path", "expected"), CASES, ids=[c[0] for c in CASES])
def test_printed_descriptor_is_refused_with_its_defect(
    api: Api, app: FastAPI, name: str, path: str, expected: tuple[str, str]
) -> None:
    source: Path = SEED / name
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    before = snapshot(app)
    response = api.post(path, content=source.read_bytes(), headers=YAML)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    found = {(e["path"], e["code"]) for e in response.json()["errors"]}
    assert expected in found
    assert snapshot(app) == before
