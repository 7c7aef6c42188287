"""Stale grants, log-in guessing and file modes against a real ``locus serve``
(issue 14, defects 2, 7 and 9)."""

from __future__ import annotations

import stat

import pytest

from .conftest import Server, login, problem_of
from .corpus import valid_package

GZ = {"Content-Type": "application/gzip"}
KUBECONFIG = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: t0k}}]\n"


def _create_user(server: Server, username: str, password: str, projects: list[str]) -> None:
    with server.client() as client:
        for project in projects:
            if client.get(f"/admin/v1/projects/{project}").status_code == 404:
                assert client.post("/admin/v1/projects", json={"name": project}).status_code == 201
        created = client.post(
            "/admin/v1/users",
            json={"username": username, "password": password, "projects": projects},
        )
        assert created.status_code == 201, created.text


@pytest.mark.timeout(300)
def test_removing_a_member_revokes_what_their_old_token_may_do(server: Server) -> None:
    """Defect 2: after PATCH {"projects": []} the old token still uploaded and registered."""
    _create_user(server, "leaver", "leaver-pw-1", ["team"])
    token = login(server.url, "leaver", "leaver-pw-1")
    assert token.status_code == 200, token.text
    old = {"Authorization": f"Bearer {token.json()['id']}"}
    with server.client() as admin:
        assert admin.patch("/admin/v1/users/leaver", json={"projects": []}).status_code == 200
        before = admin.get("/vnfpkgm/v1/vnf_packages").json()
    with server.client() as client:
        client.headers.clear()
        client.headers.update(old)
        upload = client.post(
            "/vnfpkgm/v1/vnf_packages_content", content=valid_package(), headers=GZ
        )
        listing = client.get("/vnfpkgm/v1/vnf_packages")
        sites = client.post("/admin/v1/k8sclusters", json={"name": "edge", "credentials": "{}"})
    for response in (upload, listing, sites):
        assert response.status_code == 403, response.text
        problem_of(response)
    assert login(server.url, "leaver", "leaver-pw-1").status_code == 403  # as a fresh login
    with server.client() as admin:
        assert admin.get("/vnfpkgm/v1/vnf_packages").json() == before
        # membership restored: the same token works again (it only ever identified the user)
        assert admin.patch("/admin/v1/users/leaver", json={"projects": ["team"]}).status_code == 200
    with server.client() as client:
        client.headers.clear()
        client.headers.update(old)
        assert client.get("/vnfpkgm/v1/vnf_packages").status_code == 200


@pytest.mark.timeout(300)
def test_wrong_passwords_lock_the_user_out_with_429_and_retry_after(server: Server) -> None:
    """Defect 9: 50 wrong passwords then the right one were all accepted at full speed."""
    _create_user(server, "guessed", "the-right-pw", ["team"])
    statuses = [login(server.url, "guessed", f"wrong-{i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    locked = login(server.url, "guessed", "the-right-pw")  # right password, but locked out
    assert locked.status_code == 429, locked.text
    problem_of(locked)
    retry_after = int(locked.headers["Retry-After"])
    assert 1 <= retry_after <= 60  # the first lock-out is short; it doubles after
    for i in range(20):  # guessing on is refused without a password check
        assert login(server.url, "guessed", f"again-{i}").status_code == 429
    assert login(server.url, "admin", "hostile-admin-pw").status_code == 200  # others unaffected


@pytest.mark.timeout(300)
def test_data_dir_and_database_files_are_private(server: Server) -> None:
    """Defect 7: locus.db, -wal and -shm were 0644 and the data dir 0755."""
    with server.client() as client:  # a write, so that the WAL files exist
        assert client.post("/admin/v1/projects", json={"name": "modes"}).status_code == 201
    mode = stat.S_IMODE(server.data_dir.stat().st_mode)
    assert mode == 0o700, oct(mode)
    files = sorted(p for p in server.data_dir.rglob("*") if p.is_file())
    names = {p.name for p in files}
    assert {"locus.db", "locus.db-wal", "locus.db-shm"} <= names, names
    loose = {
        str(p.relative_to(server.data_dir)): oct(stat.S_IMODE(p.stat().st_mode))
        for p in files
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    }
    assert loose == {}
    # the engine home's ``plugins`` is a link to the tool cache's plugins (the binaries every
    # data dir shares), not a folder of this data dir
    folders = [p for p in server.data_dir.rglob("*") if p.is_dir() and not p.is_symlink()]
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in folders), folders


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["edge_1", "Edge", "-edge", "e" * 64, "edge.lab"])
def test_site_name_outside_the_one_pattern_is_refused_at_registration(
    server: Server, name: str
) -> None:
    """Defect 11: ``edge_1`` registered, then failed every instantiation on its pattern."""
    with server.client() as client:
        before = client.get("/admin/v1/k8sclusters").json()
        response = client.post(
            "/admin/v1/k8sclusters", json={"name": name, "credentials": KUBECONFIG}
        )
        body = problem_of(response)
        assert response.status_code == 422, response.text
        paths = [e["path"] for e in body["errors"]]  # type: ignore[union-attr]
        assert paths == ["/body/name"], body
        assert client.get("/admin/v1/k8sclusters").json() == before


@pytest.mark.timeout(300)
def test_site_name_in_the_pattern_registers(server: Server) -> None:
    with server.client() as client:
        created = client.post(
            "/admin/v1/k8sclusters", json={"name": "edge-1", "credentials": KUBECONFIG}
        )
        assert created.status_code == 201, created.text
        assert client.delete(f"/admin/v1/k8sclusters/{created.json()['id']}").status_code == 204
