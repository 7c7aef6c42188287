"""Onboarding the exemplary service (Annex B Tables 5-18) and reading it back."""

from __future__ import annotations

import hashlib
import io
import zipfile

import yaml
from fastapi.testclient import TestClient

from locus_iac.nbi import Settings, create_app
from locus_iac.packages import read_package

from .harness import EXAMPLES, GZ, Api, login


def _two_step(api: Api, base: str, coll: str, content: str, data: bytes) -> str:
    created = api.post(f"{base}/{coll}", json={"name": "n", "description": "d"})
    assert created.status_code == 201, created.text
    pkg_id = created.json()["id"]
    assert created.headers["Location"].endswith(f"{base}/{coll}/{pkg_id}")
    uploaded = api.put(f"{base}/{coll}/{pkg_id}/{content}", content=data, headers=GZ)
    assert uploaded.status_code == 201, uploaded.text
    return str(pkg_id)


def onboard_service(api: Api, pkgs: dict[str, bytes]) -> dict[str, str]:
    ids = {
        "cloud_vnf": _two_step(
            api, "/vnfpkgm/v1", "vnf_packages", "package_content", pkgs["cloud_vnf"]
        ),
        "edge_knf": _two_step(
            api, "/vnfpkgm/v1", "vnf_packages", "package_content", pkgs["edge_knf"]
        ),
        "cloud_ns": _two_step(api, "/nsd/v1", "ns_descriptors", "nsd_content", pkgs["cloud_ns"]),
        "edge_ns": _two_step(api, "/nsd/v1", "ns_descriptors", "nsd_content", pkgs["edge_ns"]),
    }
    nst = api.post("/nst/v1/netslice_templates_content", content=pkgs["locus_nst"], headers=GZ)
    assert nst.status_code == 201, nst.text
    ids["locus_nst"] = nst.json()["id"]
    return ids


def test_exemplary_service_onboards_and_reads_back(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    ids = onboard_service(api, example_packages)
    vnf = api.get(f"/vnfpkgm/v1/vnf_packages/{ids['cloud_vnf']}").json()
    assert vnf["onboardingState"] == "ONBOARDED"
    assert vnf["vnfdId"] == "cloud_vnf"
    assert vnf["usageState"] == "IN_USE"  # cloud_ns references it
    assert vnf["vnfSoftwareVersion"] == "1.0"
    artifacts = {a["artifactPath"]: a["checksum"]["hash"] for a in vnf["additionalArtifacts"]}
    cfg = (EXAMPLES / "cloud_vnf" / "cloud_init" / "cloud_vdu.cfg").read_bytes()
    assert artifacts["cloud_init/cloud_vdu.cfg"] == hashlib.sha256(cfg).hexdigest()
    assert "ansible/cloud-config/health-check.yml" in artifacts
    nsd = api.get(f"/nsd/v1/ns_descriptors/{ids['cloud_ns']}").json()
    assert nsd["nsdOnboardingState"] == "ONBOARDED"
    assert nsd["vnfPkgIds"] == [ids["cloud_vnf"]]
    assert nsd["nsdUsageState"] == "IN_USE"  # the NST references it
    nst = api.get(f"/nst/v1/netslice_templates/{ids['locus_nst']}").json()
    assert sorted(nst["nsdInfoIds"]) == sorted([ids["cloud_ns"], ids["edge_ns"]])
    assert nst["usageState"] == "NOT_IN_USE"

    content = api.get(f"/nsd/v1/ns_descriptors/{ids['cloud_ns']}/nsd_content")
    assert content.status_code == 200
    assert content.content == example_packages["cloud_ns"]
    text = api.get(
        f"/nsd/v1/ns_descriptors/{ids['cloud_ns']}/nsd", headers={"Accept": "application/yaml"}
    )
    assert text.headers["content-type"].startswith("application/yaml")
    source = read_package(EXAMPLES / "cloud_ns")
    assert text.text == source.files[source.descriptor_path].decode()
    vnfd = api.get(f"/vnfpkgm/v1/vnf_packages/{ids['edge_knf']}/vnfd")
    assert vnfd.headers["content-type"].startswith("text/plain")
    assert "edge_knf" in str(yaml.safe_load(vnfd.text))


def test_in_use_packages_cannot_be_deleted_until_their_users_are(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    ids = onboard_service(api, example_packages)
    refused = api.delete(f"/vnfpkgm/v1/vnf_packages/{ids['cloud_vnf']}")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "cloud_ns" in refused.json()["detail"]
    assert api.delete(f"/nsd/v1/ns_descriptors/{ids['cloud_ns']}").status_code == 409
    osm_alias = f"/nst/v1/netslice_templates_content/{ids['locus_nst']}"
    assert api.get(osm_alias).json()["nstId"] == "locus_nst"
    assert len(api.get("/nst/v1/netslice_templates_content").json()) == 1
    assert api.delete(osm_alias).status_code == 204
    assert api.delete(f"/nsd/v1/ns_descriptors/{ids['cloud_ns']}").status_code == 204
    assert api.delete(f"/vnfpkgm/v1/vnf_packages/{ids['cloud_vnf']}").status_code == 204
    assert api.get(f"/vnfpkgm/v1/vnf_packages/{ids['cloud_vnf']}").status_code == 404


def test_patch_disables_and_merges_user_data(api: Api, example_packages: dict[str, bytes]) -> None:
    ids = onboard_service(api, example_packages)
    url = f"/nsd/v1/ns_descriptors/{ids['edge_ns']}"
    body = {"nsdOperationalState": "DISABLED", "userDefinedData": {"owner": "wp6"}}
    patched = api.patch(url, json=body)
    assert patched.status_code == 200, patched.text
    assert patched.json() == body
    again = api.patch(url, json={"nsdOperationalState": "DISABLED"})
    assert again.status_code == 409
    api.patch(url, json={"userDefinedData": {"site": "uma"}})
    info = api.get(url).json()
    assert info["nsdOperationalState"] == "DISABLED"
    assert info["userDefinedData"] == {"owner": "wp6", "site": "uma"}


def test_created_resource_has_no_content_yet(api: Api) -> None:
    pkg_id = api.post("/vnfpkgm/v1/vnf_packages", json={}).json()["id"]
    got = api.get(f"/vnfpkgm/v1/vnf_packages/{pkg_id}/package_content")
    assert got.status_code == 409
    assert (
        api.patch(
            f"/vnfpkgm/v1/vnf_packages/{pkg_id}", json={"operationalState": "DISABLED"}
        ).status_code
        == 409
    )


def test_lists_page_with_opaque_marker_and_link_header(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"page_size": 2}))
    with TestClient(app) as client:
        api = Api(client, login(client))
        made = [
            api.post("/nsd/v1/ns_descriptors", json={"name": f"n{i}"}).json()["id"]
            for i in range(5)
        ]
        seen: list[str] = []
        response = api.get("/nsd/v1/ns_descriptors")
        pages = 1
        while "next" in response.links:
            assert len(response.json()) == 2
            seen += [item["id"] for item in response.json()]
            response = api.get(response.links["next"]["url"])
            pages += 1
        seen += [item["id"] for item in response.json()]
        assert pages == 3
        assert seen == made
        bad = api.get("/nsd/v1/ns_descriptors", params={"nextpage_opaque_marker": "%%%"})
        assert bad.status_code == 422
    app.state.services.db.dispose()


def _zip_of(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((EXAMPLES / folder).rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder}/{path.relative_to(EXAMPLES / folder)}")
    return buffer.getvalue()


def test_descriptor_negotiation(api: Api, example_packages: dict[str, bytes]) -> None:
    zipped = _zip_of("edge_knf")
    made = api.post(
        "/vnfpkgm/v1/vnf_packages_content",
        content=zipped,
        headers={"Content-Type": "application/zip"},
    )
    assert made.status_code == 201, made.text
    vnfd = f"/vnfpkgm/v1/vnf_packages/{made.json()['id']}/vnfd"
    as_zip = api.get(vnfd, headers={"Accept": "application/zip"})
    assert as_zip.headers["content-type"] == "application/zip"
    assert as_zip.content == zipped
    tgz = api.post(
        "/vnfpkgm/v1/vnf_packages_content", content=example_packages["cloud_vnf"], headers=GZ
    )
    refused = api.get(
        f"/vnfpkgm/v1/vnf_packages/{tgz.json()['id']}/vnfd", headers={"Accept": "application/zip"}
    )
    assert refused.status_code == 406 and "package_content" in refused.json()["detail"]
    assert api.get(vnfd, headers={"Accept": "application/json"}).status_code == 406
    assert (
        api.get(vnfd, headers={"Accept": "text/*"}).headers["content-type"].startswith("text/plain")
    )


def test_a_project_with_packages_cannot_be_deleted(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    api.post("/admin/v1/projects", json={"name": "p2"})
    api.post("/admin/v1/users", json={"username": "u2", "password": "pw", "projects": ["p2"]})
    other = Api(api.client, login(api.client, "u2", "pw"))
    assert other.post("/vnfpkgm/v1/vnf_packages", json={}).status_code == 201
    refused = api.delete("/admin/v1/projects/p2")
    assert refused.status_code == 409 and "1 package" in refused.json()["detail"]
