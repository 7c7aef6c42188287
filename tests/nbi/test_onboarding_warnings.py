"""The one-shot onboarding answer carries what OSM tolerates as ``warnings`` (issue 15)."""

from __future__ import annotations

import dataclasses

from locus_iac.packages import CHECKSUMS_FILE, archive_bytes, read_package

from .harness import EXAMPLES, GZ, Api


def _with_stale_checksums() -> bytes:
    package = read_package(EXAMPLES / "edge_knf")
    stale = b"0" * 32 + b"  " + package.descriptor_path.encode() + b"\n"
    files = {**package.files, CHECKSUMS_FILE: stale}
    return archive_bytes(dataclasses.replace(package, files=files))


def test_a_stale_checksums_file_onboards_with_a_warning(api: Api) -> None:
    made = api.post("/vnfpkgm/v1/vnf_packages_content", content=_with_stale_checksums(), headers=GZ)
    assert made.status_code == 201, made.text
    body = made.json()
    assert [w["code"] for w in body["warnings"]] == ["checksum-mismatch"]
    assert body["warnings"][0]["path"].startswith("/archive/")
    state = api.get(f"/vnfpkgm/v1/vnf_packages/{body['id']}").json()["onboardingState"]
    assert state == "ONBOARDED"


def test_a_clean_upload_has_no_warnings(api: Api, example_packages: dict[str, bytes]) -> None:
    made = api.post(
        "/vnfpkgm/v1/vnf_packages_content", content=example_packages["edge_knf"], headers=GZ
    )
    assert made.status_code == 201, made.text
    assert made.json()["warnings"] == []
