"""VNF package ``upload_from_uri`` (SOL005 clause 9.4.6): fetched only where the operator
allows, through the same checks as an upload (issue 16). A real HTTP server on 127.0.0.1
serves the packages; the server under test may fetch from 127.0.0.1 only."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from ipaddress import ip_network
from typing import Any

import pytest
from packages.archives import gzip_bomb_tar
from support.servers import http_server

from locus_iac.nbi import Settings

from .harness import Api
from .test_package_content import SCRIPT, csar

VNF = "/vnfpkgm/v1/vnf_packages"
SETTLED = {"ONBOARDED", "ERROR"}


class Origin:
    """Routes path -> (status, headers, body) of a test HTTP server; records what it saw."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[tuple[str, str | None]] = []  # (path, Authorization)
        self.url = ""


@pytest.fixture
def origin() -> Iterator[Origin]:
    with _serve() as state:
        yield state


@pytest.fixture
def elsewhere() -> Iterator[Origin]:
    """A second origin (another port of 127.0.0.1)."""
    with _serve() as state:
        yield state


@contextmanager
def _serve() -> Iterator[Origin]:
    state = Origin()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append((self.path, self.headers.get("Authorization")))
            status, headers, body = state.routes.get(self.path, (404, {}, b"no"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = self.rfile.read(length)
            state.seen.append((self.path, self.headers.get("Authorization")))
            ok = form == b"grant_type=client_credentials"
            body = json.dumps({"access_token": "tok-1", "token_type": "bearer"}).encode()
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    with http_server(Handler) as url:
        state.url = url
        yield state


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The NBI settings of conftest, allowed to fetch from 127.0.0.1 only."""
    return settings.model_copy(
        update={"fetch_allow": (ip_network("127.0.0.1/32"),), "max_upload_bytes": 4 * 1024 * 1024}
    )


def _new(api: Api) -> str:
    created = api.post(VNF, json={})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _settled(api: Api, pkg: str) -> dict[str, Any]:
    """The package once its background upload has finished (bounded wait, no timing check)."""
    for _ in range(600):
        info: dict[str, Any] = api.get(f"{VNF}/{pkg}").json()
        if info["onboardingState"] in SETTLED:
            return info
        time.sleep(0.05)
    raise AssertionError(f"upload_from_uri of {pkg} never settled: {info}")


def _post(api: Api, pkg: str, body: dict[str, Any]) -> int:
    answer = api.post(f"{VNF}/{pkg}/package_content/upload_from_uri", json=body)
    return answer.status_code


def test_fetch_onboards_like_an_upload(api: Api, origin: Origin) -> None:
    data = csar()
    origin.routes["/pkg.zip"] = (200, {"Content-Type": "application/zip"}, data)
    pkg = _new(api)
    body = {"addressInformation": f"{origin.url}/pkg.zip", "userName": "u", "password": "p"}
    assert _post(api, pkg, body) == 202
    info = _settled(api, pkg)
    assert info["onboardingState"] == "ONBOARDED", info
    assert info["vnfdId"] == "tiny_vnf"
    assert api.get(f"{VNF}/{pkg}/package_content").content == data
    assert api.get(f"{VNF}/{pkg}/artifacts/Scripts/configure.sh").content == SCRIPT
    basic = "Basic " + base64.b64encode(b"u:p").decode()
    assert origin.seen == [("/pkg.zip", basic)]
    assert _post(api, pkg, body) == 409  # onboarded: content cannot change


def test_redirect_is_followed_when_allowed(api: Api, origin: Origin) -> None:
    origin.routes["/pkg.zip"] = (200, {}, csar())
    origin.routes["/moved"] = (302, {"Location": "/pkg.zip"}, b"")
    pkg = _new(api)
    assert _post(api, pkg, {"addressInformation": f"{origin.url}/moved"}) == 202
    assert _settled(api, pkg)["onboardingState"] == "ONBOARDED"


@pytest.mark.parametrize(
    "uri",
    ["http://10.255.255.1/pkg.zip", "http://[::1]:9/pkg.zip", "file:///etc/passwd", "ftp://x/y"],
)
def test_disallowed_address_is_refused_at_once(api: Api, uri: str) -> None:
    pkg = _new(api)
    answer = api.post(
        f"{VNF}/{pkg}/package_content/upload_from_uri", json={"addressInformation": uri}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["path"] == "/addressInformation"
    assert api.get(f"{VNF}/{pkg}").json()["onboardingState"] == "CREATED"


def test_redirect_to_a_disallowed_address_fails_the_package(api: Api, origin: Origin) -> None:
    origin.routes["/evil"] = (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b"")
    pkg = _new(api)
    assert _post(api, pkg, {"addressInformation": f"{origin.url}/evil"}) == 202
    info = _settled(api, pkg)
    assert info["onboardingState"] == "ERROR"
    failure = info["onboardingFailureDetails"]
    assert failure["status"] == 422
    assert failure["errors"][0]["code"] == "address-not-allowed"
    assert [path for path, _ in origin.seen] == ["/evil"]


def test_bomb_served_by_uri_is_refused_like_an_upload(api: Api, origin: Origin) -> None:
    origin.routes["/bomb.tar.gz"] = (200, {}, gzip_bomb_tar(64 * 1024 * 1024))
    pkg = _new(api)
    assert _post(api, pkg, {"addressInformation": f"{origin.url}/bomb.tar.gz"}) == 202
    info = _settled(api, pkg)
    assert info["onboardingState"] == "ERROR"
    codes = {e["code"] for e in info["onboardingFailureDetails"]["errors"]}
    assert "compression-ratio" in codes
    # a failed fetch may be retried, and then succeeds
    origin.routes["/pkg.zip"] = (200, {}, csar())
    assert _post(api, pkg, {"addressInformation": f"{origin.url}/pkg.zip"}) == 202
    assert _settled(api, pkg)["onboardingState"] == "ONBOARDED"


def test_oversized_download_is_stopped(api: Api, origin: Origin) -> None:
    origin.routes["/big"] = (200, {}, b"x" * (5 * 1024 * 1024))
    pkg = _new(api)
    assert _post(api, pkg, {"addressInformation": f"{origin.url}/big"}) == 202
    failure = _settled(api, pkg)["onboardingFailureDetails"]
    assert failure["errors"][0]["code"] == "too-large"


def test_oauth2_client_credentials(api: Api, origin: Origin) -> None:
    origin.routes["/pkg.zip"] = (200, {}, csar())
    pkg = _new(api)
    body = {
        "addressInformation": f"{origin.url}/pkg.zip",
        "authType": "OAUTH2_CLIENT_CREDENTIALS",
        "paramsOauth2ClientCredentials": {
            "clientId": "nfvo",
            "clientPassword": "s3cret",
            "tokenEndpoint": f"{origin.url}/token",
        },
    }
    assert _post(api, pkg, body) == 202
    assert _settled(api, pkg)["onboardingState"] == "ONBOARDED"
    client = "Basic " + base64.b64encode(b"nfvo:s3cret").decode()
    assert origin.seen == [("/token", client), ("/pkg.zip", "Bearer tok-1")]


def test_oauth2_params_must_come_with_auth_type(api: Api) -> None:
    pkg = _new(api)
    body = {"addressInformation": "http://127.0.0.1/x", "authType": "OAUTH2_CLIENT_CREDENTIALS"}
    assert _post(api, pkg, body) == 422


def test_credentials_stay_with_the_named_origin(
    api: Api, origin: Origin, elsewhere: Origin
) -> None:
    elsewhere.routes["/pkg.zip"] = (200, {}, csar())
    origin.routes["/go"] = (307, {"Location": f"{elsewhere.url}/pkg.zip"}, b"")
    pkg = _new(api)
    body = {"addressInformation": f"{origin.url}/go", "userName": "u", "password": "p"}
    assert _post(api, pkg, body) == 202
    assert _settled(api, pkg)["onboardingState"] == "ONBOARDED"
    assert origin.seen[0][1] is not None
    assert elsewhere.seen == [("/pkg.zip", None)]


def test_fetching_is_off_by_default() -> None:
    assert Settings().fetch_allow == ()
    allowed = Settings.from_env({"LOCUS_FETCH_ALLOW": "127.0.0.1, 10.0.0.0/8"}).fetch_allow
    assert [str(n) for n in allowed] == ["127.0.0.1/32", "10.0.0.0/8"]
