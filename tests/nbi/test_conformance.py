"""Response bodies against the ETSI TST010 SOL005 JSON schemas; OpenAPI; schemathesis fuzz.

The schemas are read from ../shared/conformance/etsi-nfv-tst010-sol005 (never copied).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from .harness import CONFORMANCE, GZ, Api

TST010 = CONFORMANCE / "etsi-nfv-tst010-sol005" / "SOL005"
pytestmark = pytest.mark.skipif(
    not TST010.is_dir(), reason=f"conformance material absent: {TST010}"
)


def _validator(area: str, name: str) -> Draft7Validator:
    folder = TST010 / area / "schemas"
    resources = [
        (
            path.name,
            DRAFT7.create_resource(
                json.loads(path.read_bytes().decode("cp1252", errors="replace"))
            ),
        )
        for path in folder.glob("*.json")
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    return Draft7Validator(
        json.loads((folder / name).read_bytes().decode("cp1252", errors="replace")),
        registry=registry,
    )


def _assert_valid(validator: Draft7Validator, body: Any) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert errors == []


def test_nsd_and_vnf_package_resources_match_tst010(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    nsd_info = _validator("NSDManagement-API", "NsdInfo.schema.json")
    nsd_infos = _validator("NSDManagement-API", "NsdInfos.schema.json")
    vnf_info = _validator("VNFPackageManagement-API", "vnfPkgInfo.schema.json")
    vnf_infos = _validator("VNFPackageManagement-API", "vnfPkgsInfo.schema.json")
    problem = _validator("NSDManagement-API", "ProblemDetails.schema.json")

    created_nsd = api.post("/nsd/v1/ns_descriptors", json={"userDefinedData": {"a": "b"}})
    _assert_valid(nsd_info, created_nsd.json())
    created_vnf = api.post("/vnfpkgm/v1/vnf_packages", json={})
    _assert_valid(vnf_info, created_vnf.json())
    vnf_url = f"/vnfpkgm/v1/vnf_packages/{created_vnf.json()['id']}"
    assert (
        api.put(
            f"{vnf_url}/package_content", content=example_packages["cloud_vnf"], headers=GZ
        ).status_code
        == 201
    )
    _assert_valid(vnf_info, api.get(vnf_url).json())
    nsd_url = f"/nsd/v1/ns_descriptors/{created_nsd.json()['id']}"
    assert (
        api.put(
            f"{nsd_url}/nsd_content", content=example_packages["cloud_ns"], headers=GZ
        ).status_code
        == 201
    )
    _assert_valid(nsd_info, api.get(nsd_url).json())
    _assert_valid(nsd_infos, api.get("/nsd/v1/ns_descriptors").json())
    _assert_valid(vnf_infos, api.get("/vnfpkgm/v1/vnf_packages").json())
    _assert_valid(problem, api.get("/nsd/v1/ns_descriptors/nope").json())
    _assert_valid(problem, api.delete(vnf_url).json())


def test_openapi_document_is_served(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/nsd/v1/ns_descriptors",
        "/nsd/v1/ns_descriptors/{package_id}/nsd_content",
        "/nsd/v1/ns_descriptors/{package_id}/nsd",
        "/nsd/v1/ns_descriptors_content",
        "/vnfpkgm/v1/vnf_packages/{package_id}/package_content",
        "/vnfpkgm/v1/vnf_packages/{package_id}/vnfd",
        "/nst/v1/netslice_templates/{package_id}/nst_content",
        "/admin/v1/tokens",
        "/admin/v1/vim_accounts",
        "/admin/v1/k8sclusters",
    ):
        assert path in paths, path


@pytest.mark.slow
def test_schemathesis_all_checks_pass(live_url: str, api: Api, tmp_path: Path) -> None:
    """Fuzz the served OpenAPI document with every check of schemathesis (examples,
    coverage, fuzzing and stateful phases that follow the documented links from created
    packages): no 5xx, and every status, media type and body as the document says.
    Seeded and bounded (examples per operation, a wall-time limit)."""
    token = api.headers["Authorization"]
    report = tmp_path / "junit.xml"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        f"{live_url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        "10",
        "--header",
        f"Authorization: {token}",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--seed",
        "1",
        # operations that end the fuzzer's own session (revoking its token, changing the
        # admin password) are covered by test_auth_sites.py instead
        "--exclude-operation-id-regex",
        "^(revoke_.*_tokens_.*|update_user_admin_v1_users__user_id__patch)$",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
