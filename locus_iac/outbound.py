"""Outbound HTTP to addresses the operator allows: the one way the server calls out.

Both callers (``upload_from_uri`` fetching a package, notifications to subscribers) call
addresses a client named, so the server must not become a way to reach what the client
could not reach itself. This module only decides; each caller keeps its own setting (the
destinations differ), its own error type, JSON pointers and messages.

* :func:`parse_allow` reads an allow list: comma-separated IP addresses or networks;
* :func:`judge` resolves a URL's host to every address and says which lie outside the list;
* :func:`open_stream` sends a request over a connection to one of the addresses it has just
  checked (the connection is pinned: the host name is not resolved a second time, so a name
  that resolves elsewhere between the check and the connection cannot lead the request
  there); the ``Host`` header and, for https, the TLS server name and certificate check
  stay those of the host name;
* :func:`peer_allowed` checks the address a response actually came from (a second line of
  defence behind the pinning);
* :func:`read_limited` reads a body no larger than a limit, within a deadline;
* :func:`fetch_token` is the OAuth 2.0 client credentials grant (RFC 6749 clause 4.4):
  ``POST grant_type=client_credentials`` with the client authenticated by HTTP Basic, the
  answer read up to :data:`TOKEN_BODY_LIMIT` bytes.

No credential, token or response body is ever put in a message.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network
from typing import Any

import httpx

from locus_iac.errors import LocusError

Network = IPv4Network | IPv6Network
Resolver = Callable[[str, int], list[str]]
TOKEN_BODY_LIMIT = 64 * 1024


def parse_allow(value: str) -> tuple[Network, ...]:
    """The networks of a comma-separated list (an address alone is a one-address network).

    ValueError names the first entry that is neither an address nor a network; a network
    with host bits set (``10.1.2.3/8``) is refused rather than guessed at.
    """
    networks: list[Network] = []
    for part in value.split(","):
        entry = part.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(networks)


def allowed(address: str, allow: Sequence[Network]) -> bool:
    """Whether ``address`` (an IPv6 zone suffix ignored) lies in one of ``allow``."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return any(ip in net for net in allow)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (OSError or UnicodeError when it does not)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class Verdict:
    """What :func:`judge` found: the host, every address, those outside the allow list."""

    host: str
    addresses: tuple[str, ...]
    denied: tuple[str, ...]
    resolved: bool = True

    @property
    def allowed(self) -> bool:
        return self.resolved and bool(self.addresses) and not self.denied

    @property
    def listed(self) -> str:
        """For a message: the refused addresses, else every address, else ``no address``."""
        return ", ".join(self.denied or self.addresses) or "no address"


def judge(url: httpx.URL, allow: Sequence[Network], resolver: Resolver = resolve) -> Verdict:
    """Resolve the host of ``url`` and hold every address against ``allow``."""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = tuple(resolver(url.host, port))
    except (OSError, UnicodeError):
        return Verdict(url.host, (), (), resolved=False)
    return Verdict(url.host, addresses, tuple(a for a in addresses if not allowed(a, allow)))


def peer_allowed(response: httpx.Response, allow: Sequence[Network]) -> bool:
    """Whether the connection ``response`` came over ends at an allowed address (read
    before the body; a response without a network connection is not vouched for)."""
    stream = response.extensions.get("network_stream")
    try:
        peer: object = stream.get_extra_info("server_addr") if stream is not None else None
    except OSError:  # the connection is gone: nothing to vouch for it
        return False
    return isinstance(peer, tuple) and bool(peer) and allowed(str(peer[0]), allow)


class OutboundRefused(LocusError):
    """An outbound call the policy or the far end refused. ``code`` is
    ``address-not-allowed``, ``token-refused``, ``too-large`` or ``too-slow``; the message
    is safe to show."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _pinned_request(
    client: httpx.Client, method: str, url: httpx.URL, address: str, **kwargs: Any
) -> httpx.Request:
    """``method url`` addressed to ``address``, still naming ``url``'s host in ``Host`` and,
    for https, as the TLS server name. An https connection is not kept for reuse: the
    client's pool knows it by address, and another host name at that address must get its
    own certificate check."""
    headers = httpx.Headers(kwargs.pop("headers", None))
    headers["Host"] = url.netloc.decode("ascii")
    extensions: dict[str, Any] = {}
    if url.scheme == "https":
        extensions["sni_hostname"] = url.raw_host.decode("ascii")
        headers["Connection"] = "close"
    target = url.copy_with(host=address)
    return client.build_request(method, target, headers=headers, extensions=extensions, **kwargs)


@contextmanager
def open_stream(
    client: httpx.Client,
    method: str,
    url: httpx.URL,
    allow: Sequence[Network],
    *,
    resolver: Resolver = resolve,
    auth: tuple[str, str] | None = None,
    **kwargs: Any,
) -> Iterator[httpx.Response]:
    """The streamed response to ``method url`` (``kwargs`` as for ``client.build_request``; ``auth``
    HTTP Basic),
    sent to an address of ``url``'s host that ``allow`` admits, resolved once here (the
    addresses are tried in order while they refuse the connection). OutboundRefused with
    code ``address-not-allowed`` when the host has an address outside ``allow``, does not
    resolve, or the connection ends elsewhere; httpx errors as httpx raises them."""
    verdict = judge(url, allow, resolver)
    if not verdict.allowed:
        message = f"{url.host} ({verdict.listed}) is not an address this server may call"
        raise OutboundRefused("address-not-allowed", message)
    response: httpx.Response | None = None
    for address in verdict.addresses:
        request = _pinned_request(client, method, url, address, **kwargs)
        try:
            response = client.send(request, stream=True, auth=auth)
            break
        except httpx.ConnectError:
            if address == verdict.addresses[-1]:
                raise
    assert response is not None  # the loop either set it or raised
    try:
        if not peer_allowed(response, allow):
            message = f"the connection to {url.host} ended at a refused address"
            raise OutboundRefused("address-not-allowed", message)
        yield response
    finally:
        response.close()


@dataclass(frozen=True)
class Token:
    """An access token and its lifetime in seconds (``None``: the endpoint gave none)."""

    value: str
    lifetime: float | None


def fetch_token(
    client: httpx.Client,
    url: httpx.URL,
    client_id: str,
    client_secret: str,
    allow: Sequence[Network],
    *,
    deadline: float | None = None,
    resolver: Resolver = resolve,
) -> Token:
    """The client credentials grant at ``url``, over a connection pinned to an address
    ``allow`` admits (:func:`open_stream`). OutboundRefused when it fails."""
    form = {"grant_type": "client_credentials"}
    headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
    auth = (client_id, client_secret)
    try:
        with open_stream(
            client, "POST", url, allow, resolver=resolver, data=form, headers=headers, auth=auth
        ) as response:
            if response.status_code != 200:
                message = f"the token endpoint answered {response.status_code}"
                raise OutboundRefused("token-refused", message)
            body = _read_token(response, deadline)
    except httpx.HTTPError as exc:
        message = f"{type(exc).__name__} while asking {url.host} for a token"
        raise OutboundRefused("token-refused", message) from None
    return _parse_token(body)


def read_limited(response: httpx.Response, limit: int, deadline: float | None) -> bytes:
    """The raw body of ``response``, counted while it streams. OutboundRefused with code
    ``too-large`` (declared or sent over ``limit`` bytes) or ``too-slow`` (``deadline``, a
    :func:`time.monotonic` value, passed); the message is generic, callers word their own."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise OutboundRefused("too-large", f"the answer is over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > limit:
            raise OutboundRefused("too-large", f"the answer is over {limit} bytes")
        if deadline is not None and time.monotonic() > deadline:
            raise OutboundRefused("too-slow", "the answer took too long")
        chunks.append(chunk)
    return b"".join(chunks)


def _read_token(response: httpx.Response, deadline: float | None) -> bytes:
    if response.headers.get("content-encoding", "identity") != "identity":
        raise OutboundRefused("token-refused", "the token endpoint sent a content-encoded body")
    try:
        return read_limited(response, TOKEN_BODY_LIMIT, deadline)
    except OutboundRefused as exc:
        raise OutboundRefused("token-refused", f"token endpoint: {exc}") from None


def _parse_token(body: bytes) -> Token:
    refused = OutboundRefused("token-refused", "the token endpoint gave no access_token")
    try:
        document = json.loads(body)
        value = document["access_token"]
        expires_in = document.get("expires_in")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise refused from None
    if not isinstance(value, str) or not value:
        raise refused
    if expires_in is None:
        return Token(value, None)
    try:
        lifetime = float(expires_in)
    except (TypeError, ValueError):
        lifetime = -1.0
    if not 0 <= lifetime < float("inf"):
        raise OutboundRefused("token-refused", "the token endpoint gave an invalid expires_in")
    return Token(value, lifetime)
