"""Tokens, tenancy (projects see only their own resources) and site registration."""

from __future__ import annotations

import stat
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import update

from locus_iac.catalogue import PackageInspector, SiteType, find_site, site_credentials
from locus_iac.catalogue.models import TokenRow
from locus_iac.catalogue.models import utcnow as utc

from .harness import GZ, Api, login


def test_calls_without_a_valid_token_get_401(api: Api) -> None:
    anonymous = api.client.get("/nsd/v1/ns_descriptors")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.headers["content-type"] == "application/problem+json"
    forged = api.client.get("/nsd/v1/ns_descriptors", headers={"Authorization": "Bearer nope"})
    assert forged.status_code == 401
    wrong = api.client.post("/admin/v1/tokens", json={"username": "admin", "password": "x"})
    assert wrong.status_code == 401


def test_revoked_and_expired_tokens_are_refused(api: Api, app: FastAPI) -> None:
    other = login(api.client)
    assert api.client.delete("/admin/v1/tokens", headers=other).status_code == 204
    assert api.client.get("/nsd/v1/ns_descriptors", headers=other).status_code == 401
    db = app.state.services.db
    with db.session() as session:
        session.execute(update(TokenRow).values(expires_at=utc() - timedelta(seconds=1)))
    expired = api.get("/nsd/v1/ns_descriptors")
    assert expired.status_code == 401
    assert expired.json()["detail"] == "token expired"


def test_projects_do_not_see_each_other(api: Api, example_packages: dict[str, bytes]) -> None:
    assert api.post("/admin/v1/projects", json={"name": "uma"}).status_code == 201
    user = {"username": "bob", "password": "bob-pw", "projects": ["uma"]}
    assert api.post("/admin/v1/users", json=user).status_code == 201
    bob = Api(api.client, login(api.client, "bob", "bob-pw"))
    mine = api.post(
        "/vnfpkgm/v1/vnf_packages_content", content=example_packages["cloud_vnf"], headers=GZ
    )
    pkg = mine.json()["id"]
    assert bob.get("/vnfpkgm/v1/vnf_packages").json() == []
    assert bob.get(f"/vnfpkgm/v1/vnf_packages/{pkg}").status_code == 404
    assert bob.delete(f"/vnfpkgm/v1/vnf_packages/{pkg}").status_code == 404
    # the same descriptor id is free in another project
    theirs = bob.post(
        "/vnfpkgm/v1/vnf_packages_content", content=example_packages["cloud_vnf"], headers=GZ
    )
    assert theirs.status_code == 201
    assert bob.get("/admin/v1/users").status_code == 403
    assert api.get(f"/vnfpkgm/v1/vnf_packages/{pkg}").status_code == 200


def test_vim_account_credentials_are_encrypted_and_never_returned(api: Api, app: FastAPI) -> None:
    body = {
        "name": "ote-core",
        "vim_url": "https://keystone.example:5000/v3",
        "vim_tenant_name": "locus",
        "vim_user": "mano",
        "vim_password": "s3cr3t-pw",
        "config": {"region_name": "RegionOne", "network_mappings": {"mgmt": "provider-mgmt"}},
    }
    created = api.post("/admin/v1/vim_accounts", json=body)
    assert created.status_code == 201, created.text
    assert "s3cr3t-pw" not in created.text
    assert created.json()["config"]["network_mappings"] == {"mgmt": "provider-mgmt"}
    listed = api.get("/admin/v1/vim_accounts")
    assert "s3cr3t-pw" not in listed.text and listed.json()[0]["name"] == "ote-core"
    assert api.post("/admin/v1/vim_accounts", json=body).status_code == 409
    svc = app.state.services
    with svc.db.session() as session:
        project = created.json()["project_id"]
        row = find_site(session, project, SiteType.VIM_ACCOUNT, "ote-core")
        assert b"s3cr3t-pw" not in row.secret
        assert site_credentials(svc.box, row) == {"vim_password": "s3cr3t-pw"}
    key = svc.settings.data_dir / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_k8s_cluster_registration(api: Api) -> None:
    body = {
        "name": "uma-edge",
        "credentials": "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: t0k}}]\n",
        "namespace": "locus",
        "multus_master_interface": "ens4",
        "nets": {"user": "user-net", "cache": "cache-net"},
    }
    created = api.post("/admin/v1/k8sclusters", json=body)
    assert created.status_code == 201, created.text
    assert "t0k" not in created.text
    site = api.get(f"/admin/v1/k8sclusters/{created.json()['id']}").json()
    assert site["multus_master_interface"] == "ens4" and site["nets"]["cache"] == "cache-net"
    bad = api.post("/admin/v1/k8sclusters", json={**body, "name": "x", "namespace": "Not_DNS"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "/body/namespace"
    assert api.delete(f"/admin/v1/k8sclusters/{created.json()['id']}").status_code == 204
    assert api.get("/admin/v1/k8sclusters").json() == []


def test_inspector_is_the_real_one(app: FastAPI) -> None:
    assert isinstance(app.state.services.inspector, PackageInspector)
