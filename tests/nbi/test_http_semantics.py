"""HTTP semantics of the NBI (issue 16): ``api_versions``, ``ETag``/``If-Match``, ``Accept``
(406), a malformed ``Authorization`` (400), ``Allow`` on 405, ``operationalState`` before
onboarding, and canonical header names on the wire (a raw socket against ``locus serve``)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from support.servers import locus_serve

from locus_iac.cli.http_protocol import canonical_name

from .harness import GZ, PASSWORD, Api

NSD = "/nsd/v1/ns_descriptors"
VNF = "/vnfpkgm/v1/vnf_packages"


@pytest.mark.parametrize("api_name", ["nsd", "vnfpkgm", "nslcm", "nsilcm", "nst"])
@pytest.mark.parametrize("prefix", ["", "/osm"])
def test_api_versions_of_every_api(api: Api, api_name: str, prefix: str) -> None:
    for path in (f"{prefix}/{api_name}/api_versions", f"{prefix}/{api_name}/v1/api_versions"):
        got = api.client.get(path)  # public: no token
        assert got.status_code == 200, path
        body = got.json()
        assert body["uriPrefix"] == f"http://testserver{prefix}/{api_name}/v1"
        assert body["apiVersions"] == [{"version": "1.0.0", "isDeprecated": False}]
    refused = api.post(f"/{api_name}/v1/api_versions", json={})
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET"


def test_405_allow_lists_every_method_of_the_path(api: Api) -> None:
    refused = api.request("PUT", NSD)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, POST"
    item = api.request("POST", f"/osm{NSD}/some-id")
    assert item.status_code == 405
    assert item.headers["allow"] == "DELETE, GET, PATCH"


def test_etag_and_if_match_on_packages(api: Api, example_packages: dict[str, bytes]) -> None:
    pid = api.post(VNF, json={}).json()["id"]
    first = api.get(f"{VNF}/{pid}")
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag == api.get(f"{VNF}/{pid}").headers["etag"]
    stale = api.patch(
        f"{VNF}/{pid}", json={"userDefinedData": {"a": "1"}}, headers={"If-Match": '"other"'}
    )
    assert stale.status_code == 412
    assert stale.headers["etag"] == tag
    assert "a" not in api.get(f"{VNF}/{pid}").json()["userDefinedData"]  # nothing changed
    weak = api.patch(
        f"{VNF}/{pid}", json={"userDefinedData": {"a": "1"}}, headers={"If-Match": f"W/{tag}"}
    )
    assert weak.status_code == 412  # If-Match compares strongly
    done = api.patch(
        f"{VNF}/{pid}", json={"userDefinedData": {"a": "1"}}, headers={"If-Match": f'"x", {tag}'}
    )
    assert done.status_code == 200, done.text
    new = done.headers["etag"]
    assert new != tag and api.get(f"{VNF}/{pid}").headers["etag"] == new
    assert api.delete(f"{VNF}/{pid}", headers={"If-Match": tag}).status_code == 412
    assert api.delete(f"{VNF}/{pid}", headers={"If-Match": new}).status_code == 204


def test_etag_and_if_match_on_ns_instances(api: Api, example_packages: dict[str, bytes]) -> None:
    for base, name, content in (
        (VNF, "cloud_vnf", "package_content"),
        (NSD, "cloud_ns", "nsd_content"),
    ):
        pid = api.post(base, json={}).json()["id"]
        assert (
            api.put(
                f"{base}/{pid}/{content}", content=example_packages[name], headers=GZ
            ).status_code
            == 201
        )
    made = api.post("/nslcm/v1/ns_instances", json={"nsdId": "cloud_ns", "nsName": "n"}).json()
    url = f"/nslcm/v1/ns_instances/{made['id']}"
    tag = api.get(url).headers["etag"]
    assert api.delete(url, headers={"If-Match": '"stale"'}).status_code == 412
    assert api.delete(url, headers={"If-Match": tag}).status_code == 204


def test_operational_state_is_disabled_until_onboarded(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    nsd = api.post(NSD, json={}).json()
    assert nsd["nsdOperationalState"] == "DISABLED" and nsd["nsdOnboardingState"] == "CREATED"
    vnf = api.post(VNF, json={}).json()
    assert vnf["operationalState"] == "DISABLED"
    assert api.get(f"{VNF}/{vnf['id']}").json()["_admin"]["operationalState"] == "DISABLED"
    put = api.put(
        f"{VNF}/{vnf['id']}/package_content", content=example_packages["cloud_vnf"], headers=GZ
    )
    assert put.status_code == 201
    assert api.get(f"{VNF}/{vnf['id']}").json()["operationalState"] == "ENABLED"


def test_accept_mismatch_on_content_is_406(api: Api, example_packages: dict[str, bytes]) -> None:
    vnf = api.post(VNF, json={}).json()["id"]
    put = api.put(f"{VNF}/{vnf}/package_content", content=example_packages["cloud_vnf"], headers=GZ)
    assert put.status_code == 201
    content = f"{VNF}/{vnf}/package_content"
    for accept in ("application/zip", "text/plain"):
        refused = api.get(content, headers={"Accept": accept})
        assert refused.status_code == 406, accept
        assert refused.headers["content-type"] == "application/problem+json"
    ok = api.get(content, headers={"Accept": "application/gzip, application/zip"})
    assert ok.status_code == 200 and ok.content == example_packages["cloud_vnf"]
    assert api.get(content, headers={"Accept": "*/*"}).status_code == 200
    # OSM's client asks every download as application/binary
    assert api.get(f"/osm{content}", headers={"Accept": "application/binary"}).status_code == 200
    zip_descriptor = api.get(f"{VNF}/{vnf}/vnfd", headers={"Accept": "application/zip"})
    assert zip_descriptor.status_code == 406  # a tar.gz package
    yaml = api.get(f"/osm{VNF}/{vnf}/vnfd", headers={"Accept": "application/binary"})
    assert yaml.status_code == 200 and yaml.headers["content-type"].startswith("text/plain")
    typed = api.get(f"/osm{VNF}/{vnf}/vnfd", headers={"Accept": "application/yaml"})
    assert typed.headers["content-type"].startswith("application/yaml")


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("Bear sometoken", 400),
        ("Bearer", 400),
        ("Bearer two words", 400),
        ("Bearer negativetoken", 401),
        (None, 401),
    ],
)
def test_malformed_authorization_is_400_and_a_bad_token_401(
    api: Api, header: str | None, status: int
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    got = api.client.get(NSD, headers=headers)
    assert got.status_code == status
    assert got.headers["content-type"] == "application/problem+json"
    if status == 401:
        assert got.headers["www-authenticate"] == "Bearer"


def test_canonical_names() -> None:
    assert canonical_name(b"content-type") == b"Content-Type"
    assert canonical_name(b"etag") == b"ETag"
    assert canonical_name(b"www-authenticate") == b"WWW-Authenticate"
    assert canonical_name(b"retry-after") == b"Retry-After"
    assert canonical_name(b"x-request-id") == b"X-Request-Id"


def _raw(port: int, request: str) -> list[str]:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    return [line.split(":", 1)[0] for line in head.split("\r\n")[1:]]


def test_locus_serve_sends_canonical_header_names(tmp_path: Path) -> None:
    env = {"LOCUS_ADMIN_PASSWORD": PASSWORD, "PATH": os.environ.get("PATH", "")}
    with locus_serve(tmp_path / "data", env) as (url, _proc):
        port = int(url.rsplit(":", 1)[1])
        names = _raw(
            port, "GET /nsd/v1/ns_descriptors HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        assert "WWW-Authenticate" in names and "Content-Type" in names
        assert "Content-Length" in names and "Date" in names and "Server" in names
        assert all(n == canonical_name(n.encode()).decode() for n in names)
        names = _raw(
            port, "PUT /nsd/v1/ns_descriptors HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        assert "Allow" in names
