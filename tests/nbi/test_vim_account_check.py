"""``POST /admin/v1/vim_accounts`` checks the account against Keystone v3 (issue 12, part 3).

Keystone here is a test double: a real HTTP(S) server on 127.0.0.1 (a thread) that answers
``POST /v3/auth/tokens`` like Keystone does (201 + ``X-Subject-Token`` + token body with
project, roles and catalog; 401 for a wrong password or a project the user has no role on)
and ``DELETE /v3/auth/tokens``. The NBI talks to it over the network, as to a real one.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from support.servers import free_port, serving
from support.tls import self_signed
from typer.testing import CliRunner

from locus_iac.catalogue import VimAccountIn
from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.cli.main import app as cli_app
from locus_iac.errors import ValidationError
from locus_iac.sites import OpenStackAccount, check_account

from .harness import GZ, Api
from .harness import PASSWORD as ADMIN_PASSWORD

PASSWORD = "k3ystone-s3cret"
APP_SECRET = "app-cred-s3cret"
SERVICES = ("identity", "compute", "network", "image", "placement")


@dataclass
class KeystoneState:
    """What the double knows and what it saw."""

    roles: list[str] = field(default_factory=lambda: ["member", "reader"])
    services: tuple[str, ...] = SERVICES
    region: str = "RegionOne"
    issued: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


def _catalog(state: KeystoneState, base: str) -> list[dict[str, Any]]:
    return [
        {
            "type": kind,
            "name": kind,
            "endpoints": [
                {"interface": i, "region": state.region, "region_id": state.region, "url": base}
                for i in ("public", "internal")
            ],
        }
        for kind in state.services
    ]


class _Handler(BaseHTTPRequestHandler):
    server: _KeystoneServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any], token: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if token:
            self.send_header("X-Subject-Token", token)
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self) -> None:
        message = "The request you have made requires authentication."
        self._send(401, {"error": {"code": 401, "message": message, "title": "Unauthorized"}})

    def do_DELETE(self) -> None:
        self.server.state.revoked.append(self.headers.get("X-Subject-Token", ""))
        self.send_response(204)
        self.end_headers()

    def do_POST(self) -> None:
        if self.path != "/v3/auth/tokens":
            self._send(404, {"error": {"code": 404, "message": "not found"}})
            return
        length = int(self.headers.get("Content-Length", "0"))
        auth = json.loads(self.rfile.read(length))["auth"]
        self.server.state.requests.append(auth)
        project = self._authenticate(auth)
        if project is None:
            self._refuse()
            return
        token = uuid.uuid4().hex
        self.server.state.issued.append(token)
        body: dict[str, Any] = {"methods": auth["identity"]["methods"], "user": {"name": "mano"}}
        if project:
            base = f"{self.server.base}/"
            body |= {
                "project": {"id": "p-locus-id", "name": "locus", "domain": {"id": "default"}},
                "roles": [{"id": r, "name": r} for r in self.server.state.roles],
                "catalog": _catalog(self.server.state, base),
            }
        self._send(201, {"token": body}, token)

    def _authenticate(self, auth: dict[str, Any]) -> bool | None:
        """None: refused; False: unscoped token; True: token scoped to project locus."""
        identity = auth["identity"]
        if identity["methods"] == ["application_credential"]:
            cred = identity["application_credential"]
            ok = cred.get("id") == "app-cred-1" and cred.get("secret") == APP_SECRET
            return True if ok else None
        user = identity["password"]["user"]
        domain_ok = user.get("domain") in ({"id": "default"}, {"name": "Default"})
        if (user.get("name"), user.get("password"), domain_ok) != ("mano", PASSWORD, True):
            return None
        scope = auth.get("scope")
        if scope is None:
            return False
        wanted = scope["project"]
        return True if wanted.get("name") == "locus" or wanted.get("id") == "p-locus-id" else None


class _KeystoneServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: KeystoneState, context: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        scheme = "https" if context else "http"
        self.base = f"{scheme}://127.0.0.1:{self.server_address[1]}/v3"
        if context is not None:
            self.socket = context.wrap_socket(self.socket, server_side=True)


@dataclass
class Keystone:
    url: str
    state: KeystoneState
    ca_pem: str | None = None


def _serve(state: KeystoneState, context: ssl.SSLContext | None) -> Iterator[_KeystoneServer]:
    with serving(_KeystoneServer(state, context)) as server:
        yield server


@pytest.fixture
def keystone() -> Iterator[Keystone]:
    state = KeystoneState()
    for server in _serve(state, None):
        yield Keystone(server.base, state)


def _self_signed(folder: Path) -> tuple[ssl.SSLContext, str]:
    pair = self_signed(folder, "keystone.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pair.cert, pair.key)
    return context, pair.pem


@pytest.fixture
def tls_keystone(tmp_path: Path) -> Iterator[Keystone]:
    context, pem = _self_signed(tmp_path)
    state = KeystoneState()
    for server in _serve(state, context):
        yield Keystone(server.base, state, pem)


def _body(url: str, **changes: Any) -> dict[str, Any]:
    config = {"region_name": "RegionOne", **changes.pop("config", {})}
    return {
        "name": "core",
        "vim_url": url,
        "vim_tenant_name": "locus",
        "vim_user": "mano",
        "vim_password": PASSWORD,
        "config": config,
        **changes,
    }


def _refused_at(api: Api, body: dict[str, Any], pointer: str, code: str) -> dict[str, Any]:
    answer = api.post("/admin/v1/vim_accounts", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = answer.json()
    assert [(e["path"], e["code"]) for e in problem["errors"]] == [(pointer, code)], problem
    assert PASSWORD not in answer.text and APP_SECRET not in answer.text
    assert api.get("/admin/v1/vim_accounts").json() == [], "a refused account was stored"
    return problem


@pytest.mark.usefixtures("checking")
def test_right_password_registers_and_the_secret_is_never_returned(
    api: Api, keystone: Keystone, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = api.post("/admin/v1/vim_accounts", json=_body(keystone.url))
    assert created.status_code == 201, created.text
    site = created.json()
    assert "vim_password" not in site and site["vim_url"] == keystone.url
    shown = api.get(f"/admin/v1/vim_accounts/{site['id']}")
    listed = api.get("/admin/v1/vim_accounts")
    for answer in (created, shown, listed):
        assert PASSWORD not in answer.text
    assert "vim_password" not in shown.json()
    # an unscoped token first (the password), then one scoped to the project
    scopes = [request.get("scope") for request in keystone.state.requests]
    assert scopes == [None, {"project": {"name": "locus", "domain": {"id": "default"}}}]
    assert sorted(keystone.state.revoked) == sorted(keystone.state.issued)
    assert PASSWORD not in caplog.text


@pytest.fixture
def checking(app: FastAPI) -> None:
    """The Keystone check on (the NBI test fixtures turn it off for their example URLs)."""
    services = app.state.services
    settings = services.settings.model_copy(update={"vim_check": True})
    app.state.services = dataclasses.replace(services, settings=settings)


@pytest.mark.usefixtures("checking")
def test_wrong_password_is_422_at_vim_password(api: Api, keystone: Keystone) -> None:
    problem = _refused_at(
        api, _body(keystone.url, vim_password="wrong"), "/vim_password", "wrong-credentials"
    )
    assert "mano" in problem["errors"][0]["message"]


@pytest.mark.usefixtures("checking")
def test_unreachable_auth_url_is_422_at_vim_url(api: Api) -> None:
    port = free_port()  # nothing listens there
    _refused_at(api, _body(f"http://127.0.0.1:{port}/v3"), "/vim_url", "unreachable")


@pytest.mark.usefixtures("checking")
def test_unknown_project_is_422_at_vim_tenant_name(api: Api, keystone: Keystone) -> None:
    _refused_at(
        api, _body(keystone.url, vim_tenant_name="nope"), "/vim_tenant_name", "unknown-project"
    )


@pytest.mark.usefixtures("checking")
def test_reader_only_is_422_at_vim_user(api: Api, keystone: Keystone) -> None:
    keystone.state.roles = ["reader"]
    problem = _refused_at(api, _body(keystone.url), "/vim_user", "missing-role")
    assert "member" in problem["errors"][0]["message"]


@pytest.mark.usefixtures("checking")
def test_admin_role_is_enough(api: Api, keystone: Keystone) -> None:
    keystone.state.roles = ["admin"]
    assert api.post("/admin/v1/vim_accounts", json=_body(keystone.url)).status_code == 201


@pytest.mark.usefixtures("checking")
def test_catalog_without_neutron_is_422(api: Api, keystone: Keystone) -> None:
    keystone.state.services = ("identity", "compute", "image")
    problem = _refused_at(api, _body(keystone.url), "/vim_url", "missing-service")
    assert "network" in problem["errors"][0]["message"]


@pytest.mark.usefixtures("checking")
def test_region_without_endpoints_is_422_at_region_name(api: Api, keystone: Keystone) -> None:
    body = _body(keystone.url, config={"region_name": "RegionTwo"})
    _refused_at(api, body, "/config/region_name", "unknown-region")


@pytest.mark.usefixtures("checking")
def test_not_keystone_is_422_at_vim_url(api: Api, keystone: Keystone) -> None:
    # the right server, a path that is no Identity v3 root: 404 to /auth/tokens
    _refused_at(api, _body(keystone.url.replace("/v3", "/identity/v3")), "/vim_url", "not-keystone")


@pytest.mark.usefixtures("checking")
def test_application_credential(api: Api, keystone: Keystone) -> None:
    config = {"application_credential_id": "app-cred-1"}
    wrong = _body(keystone.url, vim_password="nope", config=config)
    _refused_at(api, wrong, "/vim_password", "wrong-credentials")
    right = _body(keystone.url, vim_password=APP_SECRET, config=config)
    created = api.post("/admin/v1/vim_accounts", json=right)
    assert created.status_code == 201, created.text
    assert APP_SECRET not in created.text
    last = keystone.state.requests[-1]
    assert last["identity"]["methods"] == ["application_credential"]
    assert "scope" not in last  # an application credential is scoped by itself


@pytest.mark.usefixtures("checking")
def test_tls_needs_the_ca(api: Api, tls_keystone: Keystone) -> None:
    _refused_at(api, _body(tls_keystone.url), "/vim_url", "tls")
    with_ca = _body(tls_keystone.url, config={"ca_cert_content": tls_keystone.ca_pem})
    created = api.post("/admin/v1/vim_accounts", json=with_ca)
    assert created.status_code == 201, created.text
    assert created.json()["config"]["ca_cert_content"] == tls_keystone.ca_pem


@pytest.mark.usefixtures("checking")
def test_insecure_skips_verification(api: Api, tls_keystone: Keystone) -> None:
    body = _body(tls_keystone.url, config={"insecure": True})
    assert api.post("/admin/v1/vim_accounts", json=body).status_code == 201


@pytest.mark.usefixtures("checking")
def test_a_ca_file_on_the_mano_host_is_refused(api: Api, keystone: Keystone) -> None:
    body = _body(keystone.url, config={"ca_cert": "/etc/ssl/certs/ca.pem"})
    answer = api.post("/admin/v1/vim_accounts", json=body)
    assert answer.status_code == 422
    assert [e["path"] for e in answer.json()["errors"]] == ["/body/config/ca_cert"]
    assert keystone.state.requests == []


@pytest.mark.usefixtures("checking")
def test_keystone_v2_is_refused(api: Api, keystone: Keystone) -> None:
    body = _body(keystone.url.replace("/v3", "/v2.0"))
    _refused_at(api, body, "/vim_url", "unsupported-version")
    answer = api.post(
        "/admin/v1/vim_accounts", json=_body(keystone.url, config={"APIversion": "v2.0"})
    )
    assert answer.status_code == 422
    assert [e["path"] for e in answer.json()["errors"]] == ["/body/config/APIversion"]


@pytest.mark.usefixtures("checking")
def test_check_false_registers_offline(api: Api) -> None:
    port = free_port()
    body = _body(f"http://127.0.0.1:{port}/v3")
    created = api.post("/admin/v1/vim_accounts", params={"check": "false"}, json=body)
    assert created.status_code == 201, created.text


def test_timeout_is_422_at_vim_url() -> None:
    """A server that accepts the connection and never answers (a listening socket nobody
    serves): the check gives up after its timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v3"
        account = OpenStackAccount.from_registration(VimAccountIn.model_validate(_body(url)))
        with pytest.raises(ValidationError) as err:
            check_account(account, timeout=0.5)
    assert [(i.path, i.code) for i in err.value.issues] == [("/vim_url", "timeout")]


# -- deleting a site that an NS instance uses ------------------------------------------------


def _instantiated(app: FastAPI, project_id: str, nsd_info_id: str, params: dict[str, Any]) -> str:
    """An INSTANTIATED NS instance row as the LCM leaves it (its parameters stored)."""
    with app.state.services.db.session() as session:
        row = NsInstanceRow(
            project_id=project_id,
            name="ns-1",
            nsd_id="cloud_ns",
            nsd_info_id=nsd_info_id,
            ns_state="INSTANTIATED",
            instantiate_params=params,
        )
        session.add(row)
        session.flush()
        return row.id


def _onboard(api: Api, packages: dict[str, bytes]) -> str:
    vnf = api.post("/vnfpkgm/v1/vnf_packages_content", content=packages["cloud_vnf"], headers=GZ)
    assert vnf.status_code == 201, vnf.text
    nsd = api.post("/nsd/v1/ns_descriptors_content", content=packages["cloud_ns"], headers=GZ)
    assert nsd.status_code == 201, nsd.text
    return str(nsd.json()["id"])


def _two_vims(api: Api) -> str:
    project = ""
    for name in ("core-a", "core-b"):
        body = _body("https://keystone.example:5000/v3", name=name)
        created = api.post("/admin/v1/vim_accounts", json=body)
        assert created.status_code == 201, created.text
        project = created.json()["project_id"]
    return project


@pytest.mark.parametrize(
    ("params", "used"),
    [
        ({"vimAccountId": "core-b"}, "core-b"),
        ({"additionalParamsForNs": {"placement": {"cloud_vnf": "core-b"}}}, "core-b"),
        ({}, "core-a"),  # the default: the first core OpenStack site
    ],
)
def test_deleting_a_site_in_use_is_409(
    api: Api,
    app: FastAPI,
    example_packages: dict[str, bytes],
    params: dict[str, Any],
    used: str,
) -> None:
    project = _two_vims(api)
    nsd = _onboard(api, example_packages)
    instance = _instantiated(app, project, nsd, params)
    in_use = api.delete(f"/admin/v1/vim_accounts/{used}")
    assert in_use.status_code == 409, in_use.text
    assert instance in in_use.json()["detail"]
    other = "core-a" if used == "core-b" else "core-b"
    assert api.delete(f"/admin/v1/vim_accounts/{other}").status_code == 204
    names = [site["name"] for site in api.get("/admin/v1/vim_accounts").json()]
    assert names == [used]


def test_a_site_whose_instances_are_not_instantiated_can_go(
    api: Api, app: FastAPI, example_packages: dict[str, bytes]
) -> None:
    project = _two_vims(api)
    nsd = _onboard(api, example_packages)
    with app.state.services.db.session() as session:
        session.add(
            NsInstanceRow(
                project_id=project,
                name="idle",
                nsd_id="cloud_ns",
                nsd_info_id=nsd,
                ns_state="NOT_INSTANTIATED",
                instantiate_params={"vimAccountId": "core-a"},
            )
        )
    assert api.delete("/admin/v1/vim_accounts/core-a").status_code == 204


# -- locus site add openstack ------------------------------------------------------------------


@pytest.fixture
def cli(live_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LOCUS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("OS_PASSWORD", raising=False)
    runner = CliRunner()
    login = runner.invoke(cli_app, ["login", "--url", live_url, "--password", ADMIN_PASSWORD])
    assert login.exit_code == 0, login.output
    return runner


def _add(cli: CliRunner, url: str, *options: str) -> Any:
    base = ["site", "add", "openstack", "core", "--auth-url", url, "--project", "locus"]
    return cli.invoke(cli_app, [*base, "--user", "mano", *options, "--json"])


@pytest.mark.usefixtures("checking")
def test_cli_site_add_openstack_is_checked(
    cli: CliRunner, keystone: Keystone, tmp_path: Path
) -> None:
    wrong = _add(cli, keystone.url, "--password", "wrong")
    assert wrong.exit_code == 1, wrong.output
    assert [e["path"] for e in json.loads(wrong.output)["errors"]] == ["/vim_password"]
    right = _add(
        cli,
        keystone.url,
        "--password", PASSWORD,
        "--user-domain", "Default",
        "--interface", "internal",
        "--region", "RegionOne",
    )  # fmt: skip
    assert right.exit_code == 0, right.output
    site = json.loads(right.output)
    assert site["config"]["interface"] == "internal" and "vim_password" not in site
    user = keystone.state.requests[-1]["identity"]["password"]["user"]
    assert user["domain"] == {"name": "Default"}
    assert PASSWORD not in right.output


@pytest.mark.usefixtures("checking")
def test_cli_no_check_registers_offline(cli: CliRunner) -> None:
    offline = _add(cli, f"http://127.0.0.1:{free_port()}/v3", "--password", "x", "--no-check")
    assert offline.exit_code == 0, offline.output
    refused = cli.invoke(
        cli_app,
        ["site", "add", "openstack", "other", "--auth-url", f"http://127.0.0.1:{free_port()}/v3",
         "--project", "p", "--user", "u", "--password", "x", "--json"],
    )  # fmt: skip
    assert refused.exit_code == 1
    assert [e["path"] for e in json.loads(refused.output)["errors"]] == ["/vim_url"]


@pytest.mark.parametrize("ca", ["", "garbage", "é", "-----BEGIN CERTIFICATE-----\nAAAA\n"])
def test_a_bad_ca_is_422_at_ca_cert_content(api: Api, ca: str) -> None:
    body = _body("https://keystone.example:5000/v3", config={"ca_cert_content": ca})
    answer = api.post("/admin/v1/vim_accounts", params={"check": "false"}, json=body)
    assert answer.status_code == 422, answer.text
    assert [e["path"] for e in answer.json()["errors"]] == ["/body/config/ca_cert_content"]


@pytest.mark.parametrize("url", ["http://[::1", "http://h:abc/v3", "http:///v3"])
def test_a_url_without_a_usable_host_is_422_even_unchecked(api: Api, url: str) -> None:
    answer = api.post("/admin/v1/vim_accounts", params={"check": "false"}, json=_body(url))
    assert answer.status_code == 422, answer.text
    assert [e["path"] for e in answer.json()["errors"]] == ["/vim_url"]


@pytest.mark.usefixtures("checking")
def test_scoping_by_project_id(api: Api, keystone: Keystone) -> None:
    wrong = _body(keystone.url, config={"project_id": "p-other"})
    _refused_at(api, wrong, "/vim_tenant_name", "unknown-project")
    right = _body(keystone.url, config={"project_id": "p-locus-id"})
    assert api.post("/admin/v1/vim_accounts", json=right).status_code == 201
    assert keystone.state.requests[-1]["scope"] == {"project": {"id": "p-locus-id"}}
