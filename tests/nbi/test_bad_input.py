"""Bad input gets 4xx problem+json and leaves the catalogue exactly as it was."""

from __future__ import annotations

import io
import tarfile
import threading
from collections.abc import Mapping

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from locus_iac.catalogue import Inspected
from locus_iac.errors import Issue
from locus_iac.nbi import Settings, create_app

from .harness import GZ, Api, login
from .snapshot import snapshot


def _evil_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"vnfd: {id: x}\n"
        info = tarfile.TarInfo("pkg/../../etc/evil.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _gzip_bomb() -> bytes:
    """A tar.gz of a few KiB that inflates to 32 MiB (ratio far over the package limit)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("pkg/zeros.bin")
        info.size = 32 * 1024 * 1024
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    return buffer.getvalue()


def _assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"] and body["title"]
    assert "Traceback" not in response.text
    return dict(body)


def test_nsd_before_its_vnfd_is_refused_with_pointers(
    api: Api, app: FastAPI, example_packages: dict[str, bytes]
) -> None:
    pkg_id = api.post("/nsd/v1/ns_descriptors", json={}).json()["id"]
    before = snapshot(app)
    url = f"/nsd/v1/ns_descriptors/{pkg_id}/nsd_content"
    body = _assert_problem(api.put(url, content=example_packages["cloud_ns"], headers=GZ), 422)
    errors = body["errors"]
    assert isinstance(errors, list)
    assert {e["code"] for e in errors} == {"reference-not-onboarded"}
    assert errors[0]["path"].endswith("/vnfd-id/0")
    assert snapshot(app) == before
    assert api.get(f"/nsd/v1/ns_descriptors/{pkg_id}").json()["nsdOnboardingState"] == "CREATED"


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"nsd: {nsd: [{id: a}]}", {"Content-Type": "image/png"}, 415),
        (b"", {"Content-Type": "application/yaml"}, 400),
        (b"vnfd: [unclosed", {"Content-Type": "application/yaml"}, 422),
        (b"vnfd: {id: v, unknown-leaf: 1}", {"Content-Type": "text/plain"}, 422),
        (_evil_tar(), GZ, 422),
        (b"\x1f\x8b" + b"\x00" * 64, GZ, 422),
        (_gzip_bomb(), GZ, 422),
        (b"vnfd: {id: v}", {"Content-Type": "text/plain", "Content-File-MD5": "0" * 32}, 422),
    ],
    ids=["media-type", "empty", "yaml", "schema", "traversal", "corrupt-gzip", "bomb", "md5"],
)
def test_rejected_uploads_change_nothing(
    api: Api, app: FastAPI, content: bytes, headers: dict[str, str], status: int
) -> None:
    pkg_id = api.post("/vnfpkgm/v1/vnf_packages", json={}).json()["id"]
    before = snapshot(app)
    put = api.put(
        f"/vnfpkgm/v1/vnf_packages/{pkg_id}/package_content", content=content, headers=headers
    )
    _assert_problem(put, status)
    one_shot = api.post("/vnfpkgm/v1/vnf_packages_content", content=content, headers=headers)
    _assert_problem(one_shot, status)
    assert snapshot(app) == before


def test_oversized_upload_is_413(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_upload_bytes": 2048}))
    with TestClient(app) as client:
        api = Api(client, login(client))
        before = snapshot(app)
        big = b"vnfd: {id: v}\n" + b"#" * 4096
        response = api.post(
            "/vnfpkgm/v1/vnf_packages_content", content=big, headers={"Content-Type": "text/plain"}
        )
        _assert_problem(response, 413)
        json_body = {"userDefinedData": {"blob": "x" * 4096}}
        _assert_problem(api.post("/nsd/v1/ns_descriptors", json=json_body), 413)
        assert snapshot(app) == before
    app.state.services.db.dispose()


def test_duplicate_descriptor_and_second_upload_are_conflicts(
    api: Api, app: FastAPI, example_packages: dict[str, bytes]
) -> None:
    data = example_packages["cloud_vnf"]
    first = api.post("/vnfpkgm/v1/vnf_packages_content", content=data, headers=GZ)
    assert first.status_code == 201
    before = snapshot(app)
    _assert_problem(api.post("/vnfpkgm/v1/vnf_packages_content", content=data, headers=GZ), 409)
    again = f"/vnfpkgm/v1/vnf_packages/{first.json()['id']}/package_content"
    _assert_problem(api.put(again, content=data, headers=GZ), 409)
    assert snapshot(app) == before


def test_wrong_kind_is_refused(api: Api, example_packages: dict[str, bytes]) -> None:
    pkg_id = api.post("/nst/v1/netslice_templates", json={}).json()["id"]
    url = f"/nst/v1/netslice_templates/{pkg_id}/nst_content"
    body = _assert_problem(api.put(url, content=example_packages["edge_knf"], headers=GZ), 422)
    assert body["errors"] == [
        {"path": "", "code": "wrong-descriptor-kind", "message": "this resource holds a nst"}
    ]


def test_concurrent_uploads_to_one_resource_are_serialised(
    live_url: str, app: FastAPI, example_packages: dict[str, bytes]
) -> None:
    with httpx.Client(base_url=live_url, timeout=60) as client:
        token = client.post(
            "/admin/v1/tokens", json={"username": "admin", "password": "admin-pw"}
        ).json()["id"]
        auth = {"Authorization": f"Bearer {token}"}
        pkg_id = client.post("/vnfpkgm/v1/vnf_packages", json={}, headers=auth).json()["id"]
    url = f"{live_url}/vnfpkgm/v1/vnf_packages/{pkg_id}/package_content"
    barrier = threading.Barrier(4)
    codes: list[int] = []

    def upload() -> None:
        barrier.wait()
        response = httpx.put(
            url, content=example_packages["cloud_vnf"], headers={**auth, **GZ}, timeout=60
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [201, 409, 409, 409]
    rows = snapshot(app)
    assert len(rows["package_blobs"]) == 1


class _Exploding:
    """An inspector that fails unexpectedly (a bug), to exercise the 500 path."""

    def inspect(self, data: bytes, name: str) -> Inspected:
        raise RuntimeError("internal secret detail")

    def cross_check(
        self, subject: Inspected, known: Mapping[tuple[object, str], str]
    ) -> list[Issue]:
        return []


def test_unexpected_errors_are_500_without_exception_text(settings: Settings) -> None:
    app = create_app(settings, inspector=_Exploding())  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, login(client))
        pkg_id = api.post("/vnfpkgm/v1/vnf_packages", json={}).json()["id"]
        before = snapshot(app)
        url = f"/vnfpkgm/v1/vnf_packages/{pkg_id}/package_content"
        body = _assert_problem(
            api.put(url, content=b"vnfd: {id: a}", headers={"Content-Type": "text/plain"}), 500
        )
        assert "secret" not in str(body)
        assert snapshot(app) == before
    app.state.services.db.dispose()


def test_values_the_database_cannot_store_are_client_errors(api: Api, database_url: str) -> None:
    too_long = api.post("/vnfpkgm/v1/vnf_packages", json={"name": "0" * 256})
    assert too_long.status_code == 422
    with_nul = api.post("/vnfpkgm/v1/vnf_packages", json={"name": "a\x00b"})
    if database_url.startswith("postgresql"):  # PostgreSQL text cannot hold NUL
        _assert_problem(with_nul, 422)
    else:
        assert with_nul.status_code == 201
