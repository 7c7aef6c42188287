"""Inside onboarded packages: manifest, artifacts, Range, softwareImages (SOL005, issue 16)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from packages.archives import MINIMAL_VNFD, zip_bytes

from locus_iac.nbi.content import byte_range
from locus_iac.nbi.problems import HttpProblem

from .harness import GZ, Api

VNF = "/vnfpkgm/v1/vnf_packages"
NSD = "/nsd/v1/ns_descriptors"
ZIP = {"Content-Type": "application/zip"}

IMAGE = b"QFI\xfb" + bytes(60)  # a qcow2 header, enough for a test image
# CMS ContentInfo { contentType envelopedData ... } (DER head): an encrypted artifact
ENCRYPTED = bytes.fromhex("3080") + bytes.fromhex("06092a864886f70d010703") + bytes(16)
SIGNATURE_BLOCK = "-----BEGIN CMS-----\nMIIBsignature\n-----END CMS-----\n"
VNFD = MINIMAL_VNFD.replace(
    b"      image: tiny-image\n",
    b"      name: tiny image\n"
    b"      version: '2.1'\n"
    b"      provider: tests\n"
    b"      checksum: {algorithm: sha-256, hash: "
    + hashlib.sha256(IMAGE).hexdigest().encode()
    + b"}\n"
    b"      container-format: bare\n"
    b"      disk-format: qcow2\n"
    b"      min-disk: 1\n"
    b"      min-ram: 0.5\n"
    b"      size: 1\n"
    b"      image: Files/images/tiny.qcow2\n",
)
META = (
    b"TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-By: tests\n"
    b"Entry-Definitions: Definitions/tiny.yaml\nETSI-Entry-Manifest: tiny.mf\n"
    b"ETSI-Entry-Certificate: tiny.cert\n"
)
MANIFEST = (
    "metadata:\n"
    "vnf_provider_id: tests\nvnf_product_name: tiny\n"
    "vnf_release_date_time: 2026-11-26T12:00:00+00:00\nvnf_package_version: 1.0\n\n"
    "Source: Definitions/tiny.yaml\n\n"
    "Source: Scripts/configure.sh\nSignature: Scripts/configure.sh.sig.cms\n\n"
    "Source: Files/images/tiny.qcow2\n\n"
    "non_mano_artifact_sets:\n"
    "  prv.docs:\n"
    "    Source: Files/docs/readme.txt\n"
    "  prv.keys:\n"
    "    Source: Files/secret.bin\n" + SIGNATURE_BLOCK
).encode()
SCRIPT = b"#!/bin/sh\necho configured\n" * 20


def csar() -> bytes:
    return zip_bytes(
        {
            "TOSCA-Metadata/TOSCA.meta": META,
            "Definitions/tiny.yaml": VNFD,
            "Scripts/configure.sh": SCRIPT,
            "Scripts/configure.sh.sig.cms": b"signature of configure.sh",
            "Files/images/tiny.qcow2": IMAGE,
            "Files/docs/readme.txt": b"read me",
            "Files/secret.bin": ENCRYPTED,
            "tiny.mf": MANIFEST,
            "tiny.cert": b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        }
    )


def _onboard(api: Api, data: bytes, headers: dict[str, str] = ZIP) -> str:
    created = api.post(VNF, json={})
    assert created.status_code == 201, created.text
    pkg = str(created.json()["id"])
    uploaded = api.put(f"{VNF}/{pkg}/package_content", content=data, headers=headers)
    assert uploaded.status_code == 201, uploaded.text
    return pkg


def _names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sorted(archive.namelist())


def test_manifest_without_and_with_signatures(api: Api) -> None:
    pkg = _onboard(api, csar())
    bare = api.get(f"{VNF}/{pkg}/manifest")
    assert bare.status_code == 200, bare.text
    assert bare.headers["content-type"].startswith("text/plain")
    assert b"Source: Scripts/configure.sh" in bare.content
    assert b"BEGIN CMS" not in bare.content
    signed = api.get(f"{VNF}/{pkg}/manifest?include_signatures")
    assert signed.status_code == 200, signed.text
    assert signed.headers["content-type"] == "application/zip"
    assert _names(signed.content) == ["tiny.cert", "tiny.mf"]
    with zipfile.ZipFile(io.BytesIO(signed.content)) as archive:
        assert archive.read("tiny.mf") == MANIFEST


def test_manifest_absent_is_404_and_before_onboarding_409(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    osm = _onboard(api, example_packages["cloud_vnf"], GZ)  # OSM tar.gz: no manifest
    assert api.get(f"{VNF}/{osm}/manifest").status_code == 404
    empty = api.post(VNF, json={}).json()["id"]
    answer = api.get(f"{VNF}/{empty}/manifest")
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert api.get(f"{VNF}/{empty}/artifacts/Scripts/configure.sh").status_code == 409


def test_one_artifact_and_its_signature(api: Api) -> None:
    pkg = _onboard(api, csar())
    got = api.get(f"{VNF}/{pkg}/artifacts/Scripts/configure.sh")
    assert got.status_code == 200, got.text
    assert got.content == SCRIPT
    assert got.headers["accept-ranges"] == "bytes"
    signed = api.get(f"{VNF}/{pkg}/artifacts/Scripts/configure.sh?include_signatures")
    assert signed.status_code == 200
    assert _names(signed.content) == ["Scripts/configure.sh", "Scripts/configure.sh.sig.cms"]
    assert api.get(f"{VNF}/{pkg}/artifacts/Scripts/missing.sh").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["%2e%2e/%2e%2e/etc/passwd", "Scripts/%2e%2e/%2e%2e/x", "Scripts%5c..%5cx", "Scripts/%2e/x"],
)
def test_artifact_path_traversal_is_refused(api: Api, path: str) -> None:
    pkg = _onboard(api, csar())
    answer = api.get(f"{VNF}/{pkg}/artifacts/{path}")
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["path"] == "/artifactPath"


def test_artifacts_archive_with_sets(api: Api) -> None:
    pkg = _onboard(api, csar())
    whole = api.get(f"{VNF}/{pkg}/artifacts")
    assert whole.status_code == 200, whole.text
    assert _names(whole.content) == [
        "Definitions/tiny.yaml",
        "Files/docs/readme.txt",
        "Files/images/tiny.qcow2",
        "Files/secret.bin",
        "Scripts/configure.sh",
    ]
    no_mano = api.get(f"{VNF}/{pkg}/artifacts?exclude_all_mano_artifacts")
    assert _names(no_mano.content) == ["Files/docs/readme.txt", "Files/secret.bin"]
    docs = api.get(f"{VNF}/{pkg}/artifacts?select_non_mano_artifact_sets=prv.docs")
    assert "Files/secret.bin" not in _names(docs.content)
    assert "Files/docs/readme.txt" in _names(docs.content)
    signed = api.get(f"{VNF}/{pkg}/artifacts?exclude_all_non_mano_artifacts&include_signatures")
    assert "Scripts/configure.sh.sig.cms" in _names(signed.content)
    assert "Files/docs/readme.txt" not in _names(signed.content)
    unknown = api.get(f"{VNF}/{pkg}/artifacts?select_non_mano_artifact_sets=nope")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["path"] == "/select_non_mano_artifact_sets"


def test_range_on_package_content_and_artifacts(api: Api) -> None:
    data = csar()
    pkg = _onboard(api, data)
    part = api.get(f"{VNF}/{pkg}/package_content", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    tail = api.get(f"{VNF}/{pkg}/artifacts/Scripts/configure.sh", headers={"Range": "bytes=-5"})
    assert tail.status_code == 206
    assert tail.content == SCRIPT[-5:]
    past = api.get(f"{VNF}/{pkg}/package_content", headers={"Range": f"bytes={len(data)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(data)}"
    several = api.get(f"{VNF}/{pkg}/package_content", headers={"Range": "bytes=0-1,4-5"})
    assert several.status_code == 200  # multi-range: the whole representation
    assert several.content == data


def test_range_on_nsd_content(api: Api, example_packages: dict[str, bytes]) -> None:
    _onboard(api, example_packages["cloud_vnf"], GZ)
    nsd = api.post(NSD, json={}).json()["id"]
    body = example_packages["cloud_ns"]
    assert api.put(f"{NSD}/{nsd}/nsd_content", content=body, headers=GZ).status_code == 201
    part = api.get(f"{NSD}/{nsd}/nsd_content", headers={"Range": "bytes=0-1"})
    assert (part.status_code, part.content) == (206, body[:2])
    whole = api.get(f"{NSD}/{nsd}/nsd_content")
    assert whole.headers["accept-ranges"] == "bytes"
    nsd_file = api.get(f"{NSD}/{nsd}/artifacts/cloud_nsd.yaml")  # NSD artifacts too
    assert nsd_file.status_code == 200, nsd_file.text
    assert b"cloud_ns" in nsd_file.content
    assert api.get(f"{NSD}/{nsd}/manifest").status_code == 404  # an OSM tar.gz has none


def test_software_images_and_encrypted_artifacts(api: Api) -> None:
    pkg = _onboard(api, csar())
    info = api.get(f"{VNF}/{pkg}").json()
    (image,) = info["softwareImages"]
    assert image["id"] == "tiny-image"
    assert image["name"] == "tiny image"
    assert image["version"] == "2.1"
    assert image["checksum"] == {"algorithm": "sha-256", "hash": hashlib.sha256(IMAGE).hexdigest()}
    assert (image["containerFormat"], image["diskFormat"]) == ("BARE", "QCOW2")
    assert (image["minDisk"], image["minRam"]) == (10**9, 5 * 10**8)  # GB -> bytes
    assert image["size"] == len(IMAGE)  # the file in the package
    assert image["imagePath"] == "Files/images/tiny.qcow2"
    assert image["isEncrypted"] is False
    assert "createdAt" in image
    artifacts = {a["artifactPath"]: a for a in info["additionalArtifacts"]}
    assert "Files/images/tiny.qcow2" not in artifacts  # a software image, not an artifact
    assert artifacts["Files/secret.bin"]["isEncrypted"] is True
    assert artifacts["Scripts/configure.sh"]["isEncrypted"] is False


def test_osm_image_without_sol005_mandatory_members_is_not_listed(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    pkg = _onboard(api, example_packages["cloud_vnf"], GZ)
    info = api.get(f"{VNF}/{pkg}").json()  # image by VIM name: no version, checksum, sizes
    assert info["onboardingState"] == "ONBOARDED"
    assert "softwareImages" not in info


def test_image_uri_and_yang_defaults(api: Api) -> None:
    vnfd = MINIMAL_VNFD.replace(
        b"      image: tiny-image\n",
        b"      name: tiny\n      version: '1'\n      min-disk: 2\n      size: 3\n"
        b"      checksum: {algorithm: sha-512, hash: abc}\n"
        b"      image: http://images.invalid/tiny.qcow2\n",
    )
    pkg = _onboard(api, vnfd, {"Content-Type": "application/yaml"})
    (image,) = api.get(f"{VNF}/{pkg}").json()["softwareImages"]
    assert image["imageUri"] == "http://images.invalid/tiny.qcow2"
    assert "imagePath" not in image
    assert image["provider"] == "tests"  # the VNFD's provider
    assert (image["containerFormat"], image["diskFormat"], image["minRam"]) == ("BARE", "QCOW2", 0)
    assert (image["minDisk"], image["size"]) == (2 * 10**9, 3 * 10**9)


def test_byte_range_edges() -> None:
    assert byte_range(None, 10) is None
    assert byte_range("bytes=2-", 10) == (2, 9)
    assert byte_range("bytes=2-100", 10) == (2, 9)
    assert byte_range("bytes=-100", 10) == (0, 9)
    assert byte_range("items=0-1", 10) is None
    assert byte_range("bytes=5-2", 10) is None
    with pytest.raises(HttpProblem) as caught:
        byte_range("bytes=10-", 10)
    assert caught.value.status == 416
    with pytest.raises(HttpProblem):
        byte_range("bytes=-0", 10)
