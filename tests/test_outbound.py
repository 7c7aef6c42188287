"""The shared outbound policy (locus_iac.outbound): allow lists, resolution, the connected
peer and the OAuth2 client-credentials grant, against a real token endpoint on 127.0.0.1."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from support.servers import http_server

from locus_iac.errors import ValidationError
from locus_iac.nbi.settings import Settings
from locus_iac.notifications import NotifySettings
from locus_iac.outbound import (
    TOKEN_BODY_LIMIT,
    OutboundRefused,
    _pinned_request,
    allowed,
    fetch_token,
    judge,
    open_stream,
    parse_allow,
    peer_allowed,
    read_limited,
)

LOOPBACK = parse_allow("127.0.0.0/8")
ELSEWHERE = parse_allow("10.0.0.0/8")


@dataclass
class Endpoint:
    url: str = ""
    status: int = 200
    body: bytes = b'{"access_token": "tok-1", "token_type": "bearer", "expires_in": 120}'
    seen: list[tuple[str | None, dict[str, list[str]]]] = field(default_factory=list)


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    state = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            state.seen.append((self.headers.get("authorization"), form))
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

    with http_server(Handler) as url:
        state.url = f"{url}/token"
        yield state


def _token(endpoint: Endpoint, allow: tuple[Any, ...] = LOOPBACK) -> Any:
    with httpx.Client(trust_env=False, timeout=5) as client:
        return fetch_token(client, httpx.URL(endpoint.url), "nfvo", "s3cret", allow)


def test_allow_lists_take_addresses_and_networks() -> None:
    got = parse_allow(" 127.0.0.1, 10.0.0.0/8,, ::1 ,fd00::/8")
    assert [str(n) for n in got] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"]
    assert parse_allow("") == ()


@pytest.mark.parametrize("entry", ["10.1.2.3/8", "localhost", "300.1.1.1", "10.0.0.0/33"])
def test_allow_list_entries_that_are_not_networks_are_named(entry: str) -> None:
    with pytest.raises(ValueError, match=f"'{entry}' is not an IP address or network"):
        parse_allow(f"127.0.0.1,{entry}")


def test_both_settings_refuse_a_bad_allow_list_at_its_variable() -> None:
    with pytest.raises(ValidationError) as notify:
        NotifySettings.from_env({"LOCUS_NOTIFY_ALLOW": "127.0.0.0/8,10.1.2.3/8"})
    assert notify.value.issues[0].path == "/LOCUS_NOTIFY_ALLOW"
    assert "10.1.2.3/8" in notify.value.issues[0].message
    with pytest.raises(ValidationError) as fetch:
        Settings.from_env({"LOCUS_FETCH_ALLOW": "127.0.0.1,example.org"})
    assert fetch.value.issues[0].path == "/LOCUS_FETCH_ALLOW"
    assert "example.org" in fetch.value.issues[0].message


def test_addresses_are_held_against_their_own_family() -> None:
    allow = parse_allow("127.0.0.0/8,fe80::/10")
    assert allowed("127.3.4.5", allow) and allowed("fe80::1%eth0", allow)
    assert not allowed("::1", allow) and not allowed("128.0.0.1", allow)
    assert not allowed("::ffff:10.0.0.1", parse_allow("10.0.0.0/8"))  # mapped: not IPv4


def test_judge_refuses_a_host_with_one_address_outside() -> None:
    url = httpx.URL("https://oss.example/cb")
    calls: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append((host, port))
        return ["127.0.0.1", "192.0.2.7"]

    verdict = judge(url, LOOPBACK, resolver)
    assert calls == [("oss.example", 443)]
    assert not verdict.allowed and verdict.denied == ("192.0.2.7",)
    assert verdict.listed == "192.0.2.7"
    assert judge(url, parse_allow("127.0.0.1,192.0.2.0/24"), resolver).allowed


def test_judge_tells_unresolvable_and_empty_apart() -> None:
    def fails(host: str, port: int) -> list[str]:
        raise OSError("no such name")

    gone = judge(httpx.URL("http://nowhere.invalid:8080/"), LOOPBACK, fails)
    assert not gone.resolved and not gone.allowed
    empty = judge(httpx.URL("http://x/"), LOOPBACK, lambda host, port: [])
    assert empty.resolved and not empty.allowed and empty.listed == "no address"


def test_the_real_resolver_finds_loopback() -> None:
    verdict = judge(httpx.URL("http://127.0.0.1:9/"), LOOPBACK)
    assert verdict.allowed and verdict.addresses == ("127.0.0.1",)


def test_peer_is_checked_on_the_connection(endpoint: Endpoint) -> None:
    with (
        httpx.Client(trust_env=False, timeout=5) as client,
        client.stream("POST", endpoint.url) as response,
    ):
        assert peer_allowed(response, LOOPBACK)
        assert not peer_allowed(response, ELSEWHERE)
    assert not peer_allowed(httpx.Response(200), LOOPBACK)  # no connection: not vouched for


def test_token_is_fetched_with_client_credentials(endpoint: Endpoint) -> None:
    token = _token(endpoint)
    assert (token.value, token.lifetime) == ("tok-1", 120.0)
    basic = "Basic " + base64.b64encode(b"nfvo:s3cret").decode()
    assert endpoint.seen == [(basic, {"grant_type": ["client_credentials"]})]


def test_token_without_expires_in_has_no_lifetime(endpoint: Endpoint) -> None:
    endpoint.body = b'{"access_token": "tok-2", "token_type": "bearer"}'
    assert _token(endpoint).lifetime is None


def test_token_from_a_refused_peer_is_not_taken(endpoint: Endpoint) -> None:
    with pytest.raises(OutboundRefused) as caught:
        _token(endpoint, ELSEWHERE)
    assert caught.value.code == "address-not-allowed"


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, b'{"error": "invalid_client"}', "answered 401"),
        (200, b"not json", "no access_token"),
        (200, b'["tok"]', "no access_token"),
        (200, b'{"access_token": ""}', "no access_token"),
        (200, b'{"access_token": "t", "expires_in": "soon"}', "invalid expires_in"),
        (200, b'{"access_token": "t", "expires_in": -5}', "invalid expires_in"),
        (200, b'{"access_token": "' + b"x" * TOKEN_BODY_LIMIT + b'"}', "over 65536 bytes"),
    ],
)
def test_bad_token_answers_are_refused_without_the_secret(
    endpoint: Endpoint, status: int, body: bytes, message: str
) -> None:
    endpoint.status, endpoint.body = status, body
    with pytest.raises(OutboundRefused, match=message) as caught:
        _token(endpoint)
    assert caught.value.code == "token-refused" and "s3cret" not in str(caught.value)


def test_an_unreachable_token_endpoint_is_refused() -> None:
    with (
        httpx.Client(trust_env=False, timeout=2) as client,
        pytest.raises(OutboundRefused, match=r"ConnectError while asking 127\.0\.0\.1"),
    ):
        fetch_token(client, httpx.URL("http://127.0.0.1:9/t"), "a", "b", LOOPBACK)


@pytest.mark.parametrize(
    ("limit", "deadline", "code"),
    [(10, None, "too-large"), (1024, 0.0, "too-slow")],
)
def test_bodies_are_read_within_a_limit_and_a_deadline(
    endpoint: Endpoint, limit: int, deadline: float | None, code: str
) -> None:
    with (
        httpx.Client(trust_env=False, timeout=5) as client,
        client.stream("POST", endpoint.url) as response,
        pytest.raises(OutboundRefused) as caught,
    ):
        read_limited(response, limit, deadline)
    assert caught.value.code == code


def test_a_body_within_the_limit_is_read_whole(endpoint: Endpoint) -> None:
    with (
        httpx.Client(trust_env=False, timeout=5) as client,
        client.stream("POST", endpoint.url) as response,
    ):
        assert read_limited(response, len(endpoint.body), None) == endpoint.body


def test_requests_go_to_the_address_checked_once_and_name_their_host(
    endpoint: Endpoint,
) -> None:
    port = httpx.URL(endpoint.url).port
    answers = [["127.0.0.1"], ["192.0.2.9"]]  # a name that would resolve elsewhere next time
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[len(asked) - 1]

    url = httpx.URL(f"http://svc.test:{port}/token")
    with (
        httpx.Client(trust_env=False, timeout=5) as client,
        open_stream(client, "POST", url, LOOPBACK, resolver=rebinding, data={"a": "b"}) as answer,
    ):
        assert answer.status_code == 200
    assert asked == ["svc.test"]  # resolved once: the connection used that answer
    assert answer.request.headers["host"] == f"svc.test:{port}"
    assert endpoint.seen[0][1] == {"a": ["b"]}


def test_a_host_with_an_address_outside_is_not_called(endpoint: Endpoint) -> None:
    url = httpx.URL("http://svc.test/token")
    with (
        httpx.Client(trust_env=False, timeout=5) as client,
        pytest.raises(OutboundRefused, match=r"svc\.test \(192\.0\.2\.9\)") as caught,
        open_stream(client, "GET", url, LOOPBACK, resolver=lambda h, p: ["192.0.2.9"]),
    ):
        pass
    assert caught.value.code == "address-not-allowed" and endpoint.seen == []


def test_https_keeps_the_host_name_for_tls_and_no_pooled_connection() -> None:
    with httpx.Client(trust_env=False) as client:
        request = _pinned_request(client, "GET", httpx.URL("https://oss.example:8443/cb"), "::1")
    assert request.url.host == "::1" and request.url.port == 8443
    assert request.headers["host"] == "oss.example:8443"
    assert request.extensions["sni_hostname"] == "oss.example"
    assert request.headers["connection"] == "close"
